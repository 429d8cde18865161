"""Conversations, always scoped to their owner.

Every function takes the user's id and filters on it itself, so a page
cannot forget to: another user's conversation is simply not found.
"""

from __future__ import annotations

import time
import uuid
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import RecordNotFound
from core.store.db import session
from core.store.models import Conversation
from core.store.views import ConversationView, view_of
from core.text import clean_text

TITLE_LIMIT = 200


class Keep(Enum):
    """A setting `update_conversation` leaves as it is (None is a value: "no
    system prompt", "the model's own temperature")."""

    KEEP = "keep"


KEEP = Keep.KEEP


def new_public_id() -> str:
    return uuid.uuid4().hex


def owned(db: Session, user_id: int, conversation_id: int) -> Conversation:
    """The conversation if `user_id` owns it; `RecordNotFound` otherwise."""
    row = db.scalar(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.user_id == user_id
        )
    )
    if row is None:
        raise RecordNotFound(f"conversation {conversation_id}")
    return row


def create_conversation(
    user_id: int,
    model_id: str,
    *,
    title: str = "",
    kind: str = "chat",
    thinking: bool | None = None,
    temperature: float | None = None,
    system_prompt: str | None = None,
    db: Session | None = None,
) -> ConversationView:
    """`db`: the session of the caller's unit of work (core/store/db.py)."""
    now = time.time()
    with session(within=db) as db:
        row = Conversation(
            public_id=new_public_id(),
            user_id=user_id,
            kind=kind,
            title=clean_text(title)[:TITLE_LIMIT],
            title_is_auto=not title,
            model_id=model_id,
            thinking=thinking,
            temperature=temperature,
            system_prompt=system_prompt,
            pinned=False,
            archived=False,
            created_at=now,
            updated_at=now,
        )
        db.add(row)
        db.flush()
        return view_of(row, ConversationView)


def get_conversation(
    user_id: int, conversation_id: int, *, db: Session | None = None
) -> ConversationView:
    with session(within=db) as db:
        return view_of(owned(db, user_id, conversation_id), ConversationView)


def find_conversation(user_id: int, public_id: str) -> ConversationView:
    """By the id that appears in URLs; still only among the user's own."""
    with session() as db:
        row = db.scalar(
            select(Conversation).where(
                Conversation.public_id == public_id, Conversation.user_id == user_id
            )
        )
        if row is None:
            raise RecordNotFound(f"conversation {public_id}")
        return view_of(row, ConversationView)


def list_conversations(
    user_id: int,
    *,
    kind: str = "chat",
    archived: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[ConversationView]:
    """Pinned first, then most recently active."""
    with session() as db:
        rows = db.scalars(
            select(Conversation)
            .where(
                Conversation.user_id == user_id,
                Conversation.kind == kind,
                Conversation.archived == archived,
            )
            .order_by(Conversation.pinned.desc(), Conversation.updated_at.desc())
            .limit(limit)
            .offset(offset)
        )
        return [view_of(r, ConversationView) for r in rows]


def update_conversation(
    user_id: int,
    conversation_id: int,
    *,
    model_id: str | Keep = KEEP,
    thinking: bool | Keep | None = KEEP,
    temperature: float | Keep | None = KEEP,
    system_prompt: str | Keep | None = KEEP,
    pinned: bool | Keep = KEEP,
    archived: bool | Keep = KEEP,
    db: Session | None = None,
) -> None:
    """Change settings of an owned conversation; those not given are kept."""
    given = {
        "model_id": model_id,
        "thinking": thinking,
        "temperature": temperature,
        "system_prompt": system_prompt,
        "pinned": pinned,
        "archived": archived,
    }
    values = {name: value for name, value in given.items() if value is not KEEP}
    with session(within=db) as db:
        owned(db, user_id, conversation_id)
        if values:
            db.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(**values)
            )


def rename_conversation(user_id: int, conversation_id: int, title: str) -> None:
    title = " ".join(clean_text(title).split())[:TITLE_LIMIT]
    with session() as db:
        row = owned(db, user_id, conversation_id)
        row.title = title
        row.title_is_auto = not title


def set_auto_title(
    user_id: int, conversation_id: int, title: str, *, db: Session | None = None
) -> None:
    """Name a conversation after its first question, unless the user named it."""
    with session(within=db) as db:
        row = owned(db, user_id, conversation_id)
        if row.title_is_auto:
            row.title = clean_text(title)[:TITLE_LIMIT]


def touch(db: Session, conversation_id: int, leaf_id: int | None = None) -> None:
    values: dict[str, object] = {"updated_at": time.time()}
    if leaf_id is not None:
        values["current_leaf_id"] = leaf_id
    db.execute(update(Conversation).where(Conversation.id == conversation_id).values(**values))
