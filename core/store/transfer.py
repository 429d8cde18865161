"""Conversations as portable documents: exported with every branch, imported idempotently.

A document is plain JSON-ready data:

    {"format": "duet.conversations", "version": 1, "exported_at": 1767225600.0,
     "conversations": [{"id": "<uuid hex>", "title": …, "model_id": …, "current_leaf": "<id>",
                        "messages": [{"id": …, "parent": "<id>" | null, "role": …,
                                      "content": …, "reasoning": …, "model_id": …,
                                      "provider_id": …, "prompt_tokens": …, …}, …]}]}

Conversations and messages are named by their public ids; a message names
its parent the same way, so the whole tree travels (every regenerated answer
and edited question), and the conversation names the leaf that was shown.
Every stored column is included except the database's own row ids, so an
export of an import equals the original. Messages are listed parents first.

Import is idempotent. A conversation already there (same id, same owner)
gains only the messages it lacks; a message already there is left as it
is. An id that belongs to someone else in this database (the same file
imported into a second account) is replaced by one derived from it and the
importing user: the same on every import, so importing twice adds nothing.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import ImportRejected, RecordNotFound
from core.store.db import session
from core.store.models import Conversation, Message
from core.store.views import FINAL, INTERRUPTED, UNFINISHED

FORMAT = "duet.conversations"
VERSION = 1
ROLES = ("user", "assistant", "system")

# Columns that are the database's own business, not the conversation's.
_INTERNAL = {
    "id",
    "public_id",
    "user_id",
    "conversation_id",
    "parent_id",
    "depth",
    "owner_process",
}
CONVERSATION_FIELDS = tuple(
    c.name
    for c in Conversation.__table__.columns
    if c.name not in _INTERNAL and c.name != "current_leaf_id"
)
MESSAGE_FIELDS = tuple(c.name for c in Message.__table__.columns if c.name not in _INTERNAL)
_PUBLIC_ID = re.compile(r"^[0-9a-f]{32}$")
_DERIVED = uuid.UUID("6f1c7c55-2d0e-4d1b-9a53-0b9b2b6f3e11")  # namespace of derived ids


@dataclass(frozen=True)
class ImportSummary:
    conversations_added: int = 0
    conversations_updated: int = 0  # already there; only missing messages were added
    messages_added: int = 0
    messages_present: int = 0


# ---------------------------------------------------------------- export


def export_conversations(user_id: int, conversation_ids: list[int] | None = None) -> dict:
    """The user's conversations (all of them, or those named) as one document."""
    with session() as db:
        query = select(Conversation).where(Conversation.user_id == user_id)
        if conversation_ids is not None:
            query = query.where(Conversation.id.in_(conversation_ids))
        rows = list(db.scalars(query.order_by(Conversation.created_at, Conversation.id)))
        if conversation_ids is not None and len(rows) != len(set(conversation_ids)):
            raise RecordNotFound("conversation")
        return {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": time.time(),
            "conversations": [_conversation_document(db, row) for row in rows],
        }


def _conversation_document(db: Session, conversation: Conversation) -> dict:
    messages = list(
        db.scalars(
            select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
        )
    )
    public = {m.id: m.public_id for m in messages}
    document: dict[str, Any] = {"id": conversation.public_id}
    document.update({name: getattr(conversation, name) for name in CONVERSATION_FIELDS})
    document["current_leaf"] = public.get(conversation.current_leaf_id)
    document["messages"] = [
        {
            "id": m.public_id,
            "parent": public.get(m.parent_id),
            **{name: getattr(m, name) for name in MESSAGE_FIELDS},
        }
        for m in messages
    ]
    return document


# ---------------------------------------------------------------- import


def import_conversations(user_id: int, document: object) -> ImportSummary:
    """Add what `document` holds that the user does not have yet; all or nothing.

    Raises `ImportRejected` (saying why) for anything that is not a valid
    export, before writing anything.
    """
    conversations = read_document(document)
    totals = [0, 0, 0, 0]
    with session() as db:
        for conversation in conversations:
            for index, count in enumerate(_import_conversation(db, user_id, conversation)):
                totals[index] += count
    return ImportSummary(*totals)


def read_document(document: object) -> list[dict]:
    """The conversations of a document, checked field by field."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRejected("not a Duet conversation export")
    if document.get("version") != VERSION:
        raise ImportRejected(f"format version {document.get('version')!r} is not supported")
    conversations = document.get("conversations")
    if not isinstance(conversations, list):
        raise ImportRejected("no list of conversations")
    return [_checked_conversation(c, n) for n, c in enumerate(conversations, 1)]


def _checked_conversation(raw: object, number: int) -> dict:
    where = f"conversation {number}"
    if not isinstance(raw, dict):
        raise ImportRejected(f"{where} is not an object")
    checked = {"id": _checked_id(raw.get("id"), where)}
    for name in CONVERSATION_FIELDS:
        checked[name] = _checked_value(Conversation, name, raw, where)
    messages = raw.get("messages")
    if not isinstance(messages, list):
        raise ImportRejected(f"{where} has no list of messages")
    seen: set[str] = set()
    checked["messages"] = []
    for position, message in enumerate(messages, 1):
        checked["messages"].append(_checked_message(message, f"{where}, message {position}", seen))
    leaf = raw.get("current_leaf")
    if leaf is not None and leaf not in seen:
        raise ImportRejected(f"{where}: its current message is not in the file")
    checked["current_leaf"] = leaf
    return checked


def _checked_message(raw: object, where: str, seen: set[str]) -> dict:
    if not isinstance(raw, dict):
        raise ImportRejected(f"{where} is not an object")
    checked = {"id": _checked_id(raw.get("id"), where), "parent": raw.get("parent")}
    if checked["id"] in seen:
        raise ImportRejected(f"{where} repeats an id")
    if checked["parent"] is not None and checked["parent"] not in seen:
        raise ImportRejected(f"{where} comes before its parent")
    for name in MESSAGE_FIELDS:
        checked[name] = _checked_value(Message, name, raw, where)
    if checked["role"] not in ROLES:
        raise ImportRejected(f"{where} has an unknown role")
    if checked["status"] not in FINAL + UNFINISHED:
        raise ImportRejected(f"{where} has an unknown status")
    if checked["status"] in UNFINISHED:  # nothing is writing it here
        checked["status"] = INTERRUPTED
    seen.add(checked["id"])
    return checked


def _checked_id(value: object, where: str) -> str:
    if not isinstance(value, str) or not _PUBLIC_ID.match(value):
        raise ImportRejected(f"{where} has no valid id")
    return value


def _checked_value(model: type, name: str, raw: dict, where: str) -> object:
    """The field's value if it fits the column: right type, length, nullability."""
    column = model.__table__.columns[name]
    value = raw.get(name, column.default.arg if column.default is not None else None)
    if value is None:
        if column.nullable:
            return None
        raise ImportRejected(f"{where} lacks {name}")
    kind = column.type.python_type
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ImportRejected(f"{where}: {name} should be {kind.__name__}")
    length = getattr(column.type, "length", None)
    if length and len(value) > length:
        raise ImportRejected(f"{where}: {name} is longer than {length} characters")
    return value


def _import_conversation(db: Session, user_id: int, document: dict) -> tuple[int, int, int, int]:
    """Write one checked conversation; (added, updated, messages added, messages present)."""
    public_id = _conversation_id_here(db, document["id"], user_id)
    row = db.scalar(select(Conversation).where(Conversation.public_id == public_id))
    added = row is None
    if added:
        fields = {name: document[name] for name in CONVERSATION_FIELDS}
        row = Conversation(public_id=public_id, user_id=user_id, **fields)
        db.add(row)
        db.flush()
    existing = {
        public: (row_id, depth)
        for public, row_id, depth in db.execute(
            select(Message.public_id, Message.id, Message.depth).where(
                Message.conversation_id == row.id
            )
        )
    }
    local = _message_ids_here(db, [m["id"] for m in document["messages"]], user_id, row.id)
    new = 0
    for message in document["messages"]:
        message_id = local[message["id"]]
        if message_id in existing:
            continue
        parent = existing[local[message["parent"]]] if message["parent"] else None
        fields = {name: message[name] for name in MESSAGE_FIELDS}
        stored = Message(
            public_id=message_id,
            conversation_id=row.id,
            parent_id=parent[0] if parent else None,
            depth=parent[1] + 1 if parent else 0,
            **fields,
        )
        db.add(stored)
        db.flush()
        existing[message_id] = (stored.id, stored.depth)
        new += 1
    if added and document["current_leaf"]:
        leaf_id = existing[local[document["current_leaf"]]][0]
        db.execute(
            update(Conversation).where(Conversation.id == row.id).values(current_leaf_id=leaf_id)
        )
    present = len(document["messages"]) - new
    return int(added), int(not added and new > 0), new, present


def _derived_id(public_id: str, user_id: int, conversation_id: int | None = None) -> str:
    return uuid.uuid5(_DERIVED, f"{user_id}:{conversation_id}:{public_id}").hex


def _conversation_id_here(db: Session, public_id: str, user_id: int) -> str:
    """`public_id`, unless another user's conversation has it here: then a derived id."""
    owner = db.scalar(select(Conversation.user_id).where(Conversation.public_id == public_id))
    return public_id if owner in (None, user_id) else _derived_id(public_id, user_id)


def _message_ids_here(
    db: Session, public_ids: list[str], user_id: int, conversation_id: int
) -> dict[str, str]:
    """For each message id of the file, the id it has (or gets) in this conversation."""
    holders: dict[str, int] = {}
    for start in range(0, len(public_ids), 500):
        chunk = public_ids[start : start + 500]
        rows = db.execute(
            select(Message.public_id, Message.conversation_id).where(Message.public_id.in_(chunk))
        )
        holders.update({public_id: holder for public_id, holder in rows})
    return {
        public_id: public_id
        if holders.get(public_id, conversation_id) == conversation_id
        else _derived_id(public_id, user_id, conversation_id)
        for public_id in public_ids
    }
