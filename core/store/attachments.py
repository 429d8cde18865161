"""Attached files, kept with the question they were sent with.

Rows belong to a message (ON DELETE CASCADE), so deleting a conversation
deletes its files with it; their original bytes are kept once per person
(core/store/attachment_files.py) and go with the last row referring to
them. Reads take the user's id and join through the conversation, so no one
reads another person's files.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.attachments.model import Attachment
from core.errors import RecordNotFound
from core.store import attachment_files
from core.store.db import session
from core.store.models import AttachmentRow, Conversation, Message
from core.text import clean_text


def attach(
    user_id: int, message_id: int, files: Sequence[Attachment], *, db: Session | None = None
) -> None:
    """Keep `files` with the user's message `message_id`, in order.

    `db`: the session of the caller's unit of work (core/store/db.py)."""
    if not files:
        return
    now = time.time()
    with session(within=db) as db:
        owner = db.scalar(
            select(Conversation.user_id)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Message.id == message_id)
        )
        if owner != user_id:
            raise RecordNotFound(f"message {message_id}")
        for position, file in enumerate(files):
            if file.original is not None:
                file_id = attachment_files.keep(db, user_id, file.original)
            else:  # a file read back from the store (an edited question keeps its files)
                file_id = attachment_files.owned_file(db, user_id, file.file_id)
            db.add(
                AttachmentRow(
                    message_id=message_id,
                    position=position,
                    name=clean_text(file.name)[:255],
                    format=file.format[:16],
                    mime=file.mime[:128],
                    size=file.size,
                    text=clean_text(file.text),
                    tokens=file.tokens,
                    note=file.note[:32],
                    image=file.image,
                    created_at=now,
                    file_id=file_id,
                )
            )


def of_messages(user_id: int, message_ids: Iterable[int]) -> dict[int, list[Attachment]]:
    """The files of each of these messages (of this user's), in attached order."""
    ids = list(set(message_ids))
    if not ids:
        return {}
    found: dict[int, list[Attachment]] = defaultdict(list)
    with session() as db:
        rows = db.scalars(
            select(AttachmentRow)
            .join(Message, Message.id == AttachmentRow.message_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(AttachmentRow.message_id.in_(ids), Conversation.user_id == user_id)
            .order_by(AttachmentRow.message_id, AttachmentRow.position)
        )
        for row in rows:
            found[row.message_id].append(_attachment_of(row))
    return dict(found)


def _attachment_of(row: AttachmentRow) -> Attachment:
    return Attachment(
        name=row.name,
        format=row.format,
        size=row.size,
        text=row.text,
        tokens=row.tokens,
        image=row.image,
        mime=row.mime,
        note=row.note,
        file_id=row.file_id,
    )


def summaries_of(user_id: int, message_ids: Iterable[int]) -> dict[int, list[Attachment]]:
    """Name, format, size, tokens and note of each message's files, without
    their text or bytes: what a page shows on every rerun, kept cheap."""
    ids = list(set(message_ids))
    if not ids:
        return {}
    found: dict[int, list[Attachment]] = defaultdict(list)
    columns = (
        AttachmentRow.message_id,
        AttachmentRow.name,
        AttachmentRow.format,
        AttachmentRow.size,
        AttachmentRow.tokens,
        AttachmentRow.mime,
        AttachmentRow.note,
        AttachmentRow.file_id,
    )
    with session() as db:
        rows = db.execute(
            select(*columns)
            .join(Message, Message.id == AttachmentRow.message_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(AttachmentRow.message_id.in_(ids), Conversation.user_id == user_id)
            .order_by(AttachmentRow.message_id, AttachmentRow.position)
        )
        for message_id, name, fmt, size, tokens, mime, note, file_id in rows:
            found[message_id].append(
                Attachment(
                    name=name,
                    format=fmt,
                    size=size,
                    tokens=tokens,
                    mime=mime,
                    note=note,
                    file_id=file_id,
                )
            )
    return dict(found)
