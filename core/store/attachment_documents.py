"""Attached files in a conversation export, and back in through import.

A message with files carries `"attachments": [{name, format, mime, size, text,
tokens, note, image}]`, `image` being base64 (or null). Messages without files
carry no key, so an export without files is unchanged, and an older Duet
reading a newer file ignores the key it does not know. An imported file is
held to the limits of an attached one: count, text length, image size, and an
image must be one by its bytes.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.attachments import limits
from core.attachments.sniff import IMAGES, sniff
from core.errors import ImportRejected
from core.store.models import AttachmentRow
from core.text import clean_text

_TEXT_FIELDS = {"name": 255, "format": 16, "mime": 128, "note": 32}


def attachments_by_message(db: Session, message_ids: list[int]) -> dict[int, list[dict]]:
    """Each message's files as export entries, in attached order."""
    found: dict[int, list[dict]] = defaultdict(list)
    for start in range(0, len(message_ids), 500):
        rows = db.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.message_id.in_(message_ids[start : start + 500]))
            .order_by(AttachmentRow.message_id, AttachmentRow.position)
        )
        for row in rows:
            found[row.message_id].append(
                {
                    "name": row.name,
                    "format": row.format,
                    "mime": row.mime,
                    "size": row.size,
                    "text": row.text,
                    "tokens": row.tokens,
                    "note": row.note,
                    "image": base64.b64encode(row.image).decode("ascii") if row.image else None,
                }
            )
    return dict(found)


def checked_attachments(raw: object, rejected: Callable[..., ImportRejected]) -> list[dict]:
    """The files of one message of an import file, checked; `rejected(why, field=)`
    builds the refusal naming the place in the file."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > limits.MAX_FILES:
        raise rejected("has a malformed list of attachments", field="attachments")
    return [_checked_file(entry, rejected) for entry in raw]


def _checked_file(entry: object, rejected: Callable[..., ImportRejected]) -> dict:
    if not isinstance(entry, dict):
        raise rejected("has an attachment that is not an object", field="attachments")
    checked: dict = {}
    for name, length in _TEXT_FIELDS.items():
        value = entry.get(name, "")
        if not isinstance(value, str) or len(value) > length:
            raise rejected(f"attachment {name} is wrong", field=name)
        checked[name] = clean_text(value)
    text = entry.get("text", "")
    if not isinstance(text, str) or len(text) > limits.MAX_TEXT_CHARS:
        raise rejected("attachment text is wrong or too long", field="text")
    checked["text"] = clean_text(text).replace("\x00", "")
    for name in ("size", "tokens"):
        value = entry.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 2**40:
            raise rejected(f"attachment {name} is out of range", field=name)
        checked[name] = value
    checked["image"] = _checked_image(entry.get("image"), rejected)
    return checked


def _checked_image(value: object, rejected: Callable[..., ImportRejected]) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limits.MAX_FILE_BYTES * 4 // 3 + 4:
        raise rejected("attachment image is too large", field="image")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise rejected("attachment image is not base64", field="image") from error
    if sniff(data) not in IMAGES:
        raise rejected("attachment image is not an image", field="image")
    return data


def add_rows(db: Session, message_id: int, files: list[dict]) -> None:
    now = time.time()
    for position, file in enumerate(files):
        db.add(AttachmentRow(message_id=message_id, position=position, created_at=now, **file))


def stored_bytes(files: list[dict]) -> int:
    return sum(len(f["text"].encode()) + len(f["image"] or b"") for f in files)
