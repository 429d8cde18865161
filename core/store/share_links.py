"""Share links as stored: the owner's view of them, and the one public lookup.

Every read or change takes the owner's id, except `snapshot_by_hash`, which is
what an anonymous visitor's link resolves through: by the SHA-256 of a token
only the link's holder knows. Revoking deletes the row (snapshot included),
so the link stops opening at its next request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from core.errors import RecordNotFound
from core.store.conversations import new_public_id, owned
from core.store.db import session
from core.store.models import ShareLink
from core.text import clean_text


@dataclass(frozen=True)
class ShareLinkView:
    """A link as its owner sees it in a list (never the token: it is not kept)."""

    public_id: str
    conversation_id: int
    title: str
    with_attachments: bool
    messages: int
    created_at: float


def create(
    user_id: int,
    conversation_id: int,
    *,
    token_hash: str,
    title: str,
    snapshot: str,
    with_attachments: bool,
    messages: int,
) -> ShareLinkView:
    """A new link to the user's conversation `conversation_id` (`RecordNotFound` if not theirs)."""
    with session() as db:
        owned(db, user_id, conversation_id)
        row = ShareLink(
            public_id=new_public_id(),
            user_id=user_id,
            conversation_id=conversation_id,
            token_hash=token_hash,
            title=clean_text(title)[:200],
            snapshot=snapshot,
            with_attachments=with_attachments,
            messages=messages,
            created_at=time.time(),
        )
        db.add(row)
        db.flush()
        return _view(row)


def links_of(user_id: int, conversation_id: int | None = None) -> list[ShareLinkView]:
    """The user's links (to one conversation, or all), newest first."""
    with session() as db:
        query = select(ShareLink).where(ShareLink.user_id == user_id)
        if conversation_id is not None:
            query = query.where(ShareLink.conversation_id == conversation_id)
        rows = db.scalars(query.order_by(ShareLink.created_at.desc(), ShareLink.id.desc()))
        return [_view(row) for row in rows]


def count(user_id: int) -> int:
    """How many live links the user has."""
    with session() as db:
        return db.scalar(select(func.count()).where(ShareLink.user_id == user_id)) or 0


def revoke(user_id: int, public_id: str) -> None:
    """Delete one of the user's links; `RecordNotFound` if it is not theirs (or gone)."""
    with session() as db:
        deleted = db.execute(
            delete(ShareLink).where(ShareLink.user_id == user_id, ShareLink.public_id == public_id)
        )
        if deleted.rowcount == 0:
            raise RecordNotFound(f"share link {public_id}")


def snapshot_by_hash(token_hash: str) -> str | None:
    """The snapshot a live link's token hash opens, or None (never made, revoked, deleted)."""
    with session() as db:
        return db.scalar(select(ShareLink.snapshot).where(ShareLink.token_hash == token_hash))


def _view(row: ShareLink) -> ShareLinkView:
    return ShareLinkView(
        public_id=row.public_id,
        conversation_id=row.conversation_id,
        title=row.title,
        with_attachments=row.with_attachments,
        messages=row.messages,
        created_at=row.created_at,
    )
