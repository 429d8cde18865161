"""The original bytes of attached files, kept once per person and content hash.

Attaching the same file again (to another question, in an edited question, in
an imported conversation) refers to the copy already kept. A copy is deleted
by a database trigger in the transaction that deletes its last attachment
(Alembic revision 0018), whichever path deletes the conversation, and with
the person's account. Dedup is per person: a copy shared across people would
outlive one owner's erasure and tell one person what another uploaded.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.attachments.read import safe_name
from core.attachments.sniff import original_mime, sniff
from core.errors import RecordNotFound
from core.store.db import session
from core.store.models import AttachmentFile, AttachmentRow, Conversation, Message


@dataclass(frozen=True)
class Original:
    """A file as uploaded, to download again: its cleaned name, MIME type and bytes."""

    name: str
    mime: str
    data: bytes


def _content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keep(db: Session, user_id: int, data: bytes) -> int:
    """The id of the user's copy of `data`, stored now unless already kept."""
    digest = _content_hash(data)
    found = _kept(db, user_id, digest)
    if found is not None:
        return found
    row = AttachmentFile(
        user_id=user_id, sha256=digest, size=len(data), data=data, created_at=time.time()
    )
    try:
        with db.begin_nested():  # the same file, kept a moment ago by another send
            db.add(row)
    except IntegrityError:
        found = _kept(db, user_id, digest)
        if found is None:
            raise
        return found
    return row.id


def _kept(db: Session, user_id: int, digest: str) -> int | None:
    return db.scalar(
        select(AttachmentFile.id).where(
            AttachmentFile.user_id == user_id, AttachmentFile.sha256 == digest
        )
    )


def owned_file(db: Session, user_id: int, file_id: int | None) -> int | None:
    """`file_id` if it is one of the user's kept files, else None."""
    if file_id is None:
        return None
    return db.scalar(
        select(AttachmentFile.id).where(
            AttachmentFile.id == file_id, AttachmentFile.user_id == user_id
        )
    )


def new_bytes(user_id: int, originals: Iterable[bytes]) -> int:
    """What keeping these files would add: the ones the user does not keep yet,
    each distinct file once."""
    distinct = {_content_hash(data): len(data) for data in originals}
    if not distinct:
        return 0
    with session() as db:
        kept = set(
            db.scalars(
                select(AttachmentFile.sha256).where(
                    AttachmentFile.user_id == user_id, AttachmentFile.sha256.in_(list(distinct))
                )
            )
        )
    return sum(size for digest, size in distinct.items() if digest not in kept)


def stored_bytes(user_id: int) -> int:
    """Bytes of the original files the user keeps (each distinct file once)."""
    with session() as db:
        total = db.scalar(
            select(func.coalesce(func.sum(AttachmentFile.size), 0)).where(
                AttachmentFile.user_id == user_id
            )
        )
    return int(total or 0)


def original(user_id: int, message_id: int, position: int) -> Original:
    """The original of the file at `position` of the user's message, read only
    when asked for (a download), never on a page's every rerun. The name is
    cleaned again (an imported one may hold folders or control characters)."""
    with session() as db:
        row = db.execute(
            select(AttachmentRow.name, AttachmentRow.mime, AttachmentFile.data)
            .join(AttachmentFile, AttachmentFile.id == AttachmentRow.file_id)
            .join(Message, Message.id == AttachmentRow.message_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                AttachmentRow.message_id == message_id,
                AttachmentRow.position == position,
                Conversation.user_id == user_id,
                AttachmentFile.user_id == user_id,
            )
        ).first()
    if row is None:
        raise RecordNotFound(f"attachment {message_id}/{position}")
    return Original(
        name=safe_name(row.name), mime=original_mime(sniff(row.data), row.mime), data=row.data
    )
