"""What web search read for an answer, and each conversation's Web search switch.

Kept in two tables of their own (Alembic revision 0006). Every read filters on the
user through the message's or conversation's owner, like the rest of the
store; the worker's write is by message id (it writes only its own answer).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.store.conversations import owned
from core.store.db import session
from core.store.models import Conversation, ConversationWebSearch, Message, MessageWebSources


def save_sources(message_id: int, record_json: str | None, *, db: Session | None = None) -> None:
    """Store an answer's web search record (None: the answer has none, e.g. a retry).

    `db`: the session of the caller's unit of work (core/store/db.py)."""
    with session(within=db) as db:
        db.execute(delete(MessageWebSources).where(MessageWebSources.message_id == message_id))
        if record_json is not None:
            db.add(MessageWebSources(message_id=message_id, sources=record_json))


def sources_of(user_id: int, message_ids: list[int]) -> dict[int, str]:
    """The stored records of these answers of the user's, by message id."""
    if not message_ids:
        return {}
    with session() as db:
        rows = db.execute(
            select(MessageWebSources.message_id, MessageWebSources.sources)
            .join(Message, Message.id == MessageWebSources.message_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.user_id == user_id, MessageWebSources.message_id.in_(message_ids))
        )
        return {message_id: sources for message_id, sources in rows}


def has_sources(message_id: int) -> bool:
    """Whether this answer searched the web (its Regenerate and Retry search again).

    By id alone: for an answer its caller already read through its owner."""
    with session() as db:
        return db.get(MessageWebSources, message_id) is not None


def switch_of(user_id: int, conversation_id: int) -> bool:
    """The conversation's Web search switch (off unless turned on)."""
    with session() as db:
        owned(db, user_id, conversation_id)
        row = db.get(ConversationWebSearch, conversation_id)
        return bool(row is not None and row.enabled)


def set_switch(
    user_id: int, conversation_id: int, enabled: bool, *, db: Session | None = None
) -> None:
    """`db`: the session of the caller's unit of work (core/store/db.py)."""
    with session(within=db) as db:
        owned(db, user_id, conversation_id)
        row = db.get(ConversationWebSearch, conversation_id)
        if row is None and not enabled:
            return  # off is the default: no row for the many conversations never searched
        if row is None:
            db.add(ConversationWebSearch(conversation_id=conversation_id, enabled=enabled))
        else:
            row.enabled = enabled
