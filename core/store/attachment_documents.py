"""Attached files in a conversation export, and back in through import.

A message with files carries `"attachments": [{name, format, mime, size, text,
tokens, note, image, original}]`, `image` (the downscaled image sent to models)
and `original` (the file as uploaded, to download again) being base64 or null.
An import keeps each original once per person, like an attached file. Messages without files
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
from core.store import attachment_files
from core.store.models import AttachmentFile, AttachmentRow
from core.text import clean_text

_TEXT_FIELDS = {"name": 255, "format": 16, "mime": 128, "note": 32}


def attachments_by_message(db: Session, message_ids: list[int]) -> dict[int, list[dict]]:
    """Each message's files as export entries, in attached order."""
    found: dict[int, list[dict]] = defaultdict(list)
    for start in range(0, len(message_ids), 500):
        rows = db.execute(
            select(AttachmentRow, AttachmentFile.data)
            .outerjoin(AttachmentFile, AttachmentFile.id == AttachmentRow.file_id)
            .where(AttachmentRow.message_id.in_(message_ids[start : start + 500]))
            .order_by(AttachmentRow.message_id, AttachmentRow.position)
        )
        for row, original in rows:
            found[row.message_id].append(
                {
                    "name": row.name,
                    "format": row.format,
                    "mime": row.mime,
                    "size": row.size,
                    "text": row.text,
                    "tokens": row.tokens,
                    "note": row.note,
                    "image": _base64(row.image),
                    "original": _base64(original),
                }
            )
    return dict(found)


def _base64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data else None


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
    image = _checked_bytes(entry.get("image"), "image", rejected)
    if image is not None and sniff(image) not in IMAGES:
        raise rejected("attachment image is not an image", field="image")
    checked["image"] = image
    # The original is the person's own file, any format: kept as bytes to
    # download, never read or sent to a model from here.
    checked["original"] = _checked_bytes(entry.get("original"), "original", rejected)
    return checked


def _checked_bytes(
    value: object, field: str, rejected: Callable[..., ImportRejected]
) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limits.MAX_FILE_BYTES * 4 // 3 + 4:
        raise rejected(f"attachment {field} is too large", field=field)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise rejected(f"attachment {field} is not base64", field=field) from error


def add_rows(db: Session, user_id: int, message_id: int, files: list[dict]) -> None:
    now = time.time()
    for position, file in enumerate(files):
        fields = dict(file)
        original = fields.pop("original", None)
        file_id = attachment_files.keep(db, user_id, original) if original else None
        db.add(
            AttachmentRow(
                message_id=message_id, position=position, created_at=now, file_id=file_id, **fields
            )
        )


def stored_bytes(files: list[dict]) -> int:
    """The text and image bytes these files add to the stored-text cap."""
    return sum(len(f["text"].encode()) + len(f["image"] or b"") for f in files)


def originals_of(files: list[dict]) -> list[bytes]:
    """The original files these hold, for the kept-files cap."""
    return [f["original"] for f in files if f.get("original")]
