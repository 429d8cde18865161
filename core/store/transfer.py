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
An export of everything also holds "feedback" and "batches"
(core/store/evaluation_export.py), which import leaves out.

Import is idempotent. A conversation already there (same id, same owner)
gains only the messages it lacks; a message already there is left as it
is. An id that belongs to someone else in this database (the same file
imported into a second account) is replaced by one derived from it and the
importing user: the same on every import, so importing twice adds nothing.
Derived ids are predictable, so someone may take one first to catch another
person's import: ids are always looked up together with their owner, a taken
derived id is derived again, and every write transaction checks that the
conversation is the importer's. Nothing is ever written to, or read from,
another person's conversation.

A file is checked whole before anything is written: types, lengths, ids,
dates between 1970 and 2100, finite numbers. It is then written in short
transactions (see CHUNK_MESSAGES), so the single SQLite writer is free
between them for everyone else.
"""

from __future__ import annotations

import math
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.chat_settings import checked_system_prompt, checked_temperature
from core.errors import ImportRejected, RecordNotFound, SettingsRejected
from core.store import attachment_files, usage
from core.store.attachment_documents import (
    add_rows,
    attachments_by_message,
    checked_attachments,
    originals_of,
    stored_bytes,
)
from core.store.db import session
from core.store.evaluation_export import evaluations_document
from core.store.models import Conversation, Message, MessageWebSources
from core.store.views import FINAL, INTERRUPTED, UNFINISHED
from core.text import clean_text

FORMAT = "duet.conversations"
VERSION = 1
ROLES = ("user", "assistant", "system")
KINDS = ("chat", "compare", "arena", "batch")  # what pages list conversations as

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
        document = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": time.time(),
            "conversations": [_conversation_document(db, row) for row in rows],
        }
        if conversation_ids is None:  # everything: their votes and batches too
            document.update(evaluations_document(db, user_id))
        return document


def _conversation_document(db: Session, conversation: Conversation) -> dict:
    messages = list(
        db.scalars(
            select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
        )
    )
    public = {m.id: m.public_id for m in messages}
    files = attachments_by_message(db, [m.id for m in messages if m.role == "user"])
    searched = _web_sources(db, [m.id for m in messages])
    document: dict[str, Any] = {"id": conversation.public_id}
    document.update({name: getattr(conversation, name) for name in CONVERSATION_FIELDS})
    document["current_leaf"] = public.get(conversation.current_leaf_id)
    document["messages"] = [
        {
            "id": m.public_id,
            "parent": public.get(m.parent_id),
            **{name: getattr(m, name) for name in MESSAGE_FIELDS},
            **({"attachments": files[m.id]} if m.id in files else {}),
            "web_sources": searched.get(m.id),
        }
        for m in messages
    ]
    return document


def _web_sources(db: Session, message_ids: list[int]) -> dict[int, str]:
    """The web search records of these messages (Alembic revision 0006's table)."""
    if not message_ids:
        return {}
    rows = db.execute(
        select(MessageWebSources.message_id, MessageWebSources.sources).where(
            MessageWebSources.message_id.in_(message_ids)
        )
    )
    return {message_id: sources for message_id, sources in rows}


# ---------------------------------------------------------------- import

# Values a real export can hold. Timestamps outside these years (1e20, inf,
# NaN: SQLite stores NaN as NULL) made every page of the account fail when the
# sidebar dated them; integers past 2**53 overflow the database's integers.
EARLIEST = 0.0  # 1970
LATEST = 4_102_444_800.0  # 2100-01-01
MAX_INTEGER = 2**53
MAX_FLOAT = 1e12
_TIMESTAMPS = {"created_at", "updated_at"}

# One write transaction holds at most this much: SQLite has one writer, and
# other people's answers are saving meanwhile (a 20 MB import in one
# transaction held the lock for 42 s and made their writes fail).
CHUNK_MESSAGES = 200
CHUNK_CHARS = 1_000_000
CHUNK_PAUSE_S = 0.03  # between chunks, so writers waiting for the lock get it
_DERIVATION_STEPS = 8  # then a random id: only a crafted database gets that far

_importing: set[int] = set()  # users with an import running in this process
_importing_lock = threading.Lock()


def import_conversations(
    user_id: int,
    document: object,
    *,
    max_stored_bytes: int | None = None,
    max_stored_file_bytes: int | None = None,
) -> ImportSummary:
    """Add what `document` holds that the user does not have yet.

    The whole file is checked before anything is written (`ImportRejected`,
    saying why, for anything that is not a valid export). It is then written
    in short transactions, a conversation's messages a chunk at a time, so
    other people keep writing meanwhile; if the disk fills half-way, what
    was written stays and importing the file again completes it. With
    `max_stored_bytes`, a file that would take the user's stored text past
    it is refused, and with `max_stored_file_bytes` one whose original files
    would take the files the user keeps past it. One import per user at a time.
    """
    conversations = read_document(document)
    with _one_import_per_user(user_id):
        if max_stored_bytes is not None or max_stored_file_bytes is not None:
            _check_room(user_id, conversations, max_stored_bytes, max_stored_file_bytes)
        totals = [0, 0, 0, 0]
        for conversation in conversations:
            for index, count in enumerate(_import_conversation(user_id, conversation)):
                totals[index] += count
    return ImportSummary(*totals)


@contextmanager
def _one_import_per_user(user_id: int) -> Iterator[None]:
    with _importing_lock:
        if user_id in _importing:
            raise ImportRejected("another import is running", reason="busy")
        _importing.add(user_id)
    try:
        yield
    finally:
        with _importing_lock:
            _importing.discard(user_id)


def _check_room(
    user_id: int,
    conversations: list[dict],
    max_stored_bytes: int | None,
    max_stored_file_bytes: int | None = None,
) -> None:
    """Refuse a file whose new text, or new original files, would not fit in
    the user's storage caps.

    Messages already stored under the same id in the user's own conversations
    count as present (importing a file twice needs no room)."""
    ids = [m["id"] for c in conversations for m in c["messages"]]
    with session() as db:
        present: set[str] = set()
        for start in range(0, len(ids), 500):
            present.update(
                db.scalars(
                    select(Message.public_id)
                    .join(Conversation, Conversation.id == Message.conversation_id)
                    .where(Conversation.user_id == user_id)
                    .where(Message.public_id.in_(ids[start : start + 500]))
                )
            )
    new = [m for c in conversations for m in c["messages"] if m["id"] not in present]
    if max_stored_file_bytes is not None:
        _check_file_room(user_id, new, max_stored_file_bytes)
    if max_stored_bytes is None:
        return
    adding = sum(
        len(m["content"].encode()) + len(m["reasoning"].encode()) + stored_bytes(m["attachments"])
        for m in new
    )
    if adding and usage.stored_bytes(user_id) + adding > max_stored_bytes:
        raise ImportRejected(
            f"{adding} bytes would pass the cap of {max_stored_bytes}",
            reason="over_quota",
            limit=round(max_stored_bytes / 1_000_000, 1),
        )


def _check_file_room(user_id: int, messages: list[dict], cap: int) -> None:
    # Files the user keeps already are referred to, not stored again.
    adding = attachment_files.new_bytes(
        user_id, [data for m in messages for data in originals_of(m["attachments"])]
    )
    if adding and attachment_files.stored_bytes(user_id) + adding > cap:
        raise ImportRejected(
            f"{adding} bytes of files would pass the cap of {cap}",
            reason="over_file_quota",
            limit=round(cap / 1_000_000, 1),
        )


def read_document(document: object) -> list[dict]:
    """The conversations of a document, checked field by field."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRejected("not a Duet conversation export", reason="not_export")
    if document.get("version") != VERSION:
        raise ImportRejected("format version is not supported", reason="version")
    conversations = document.get("conversations")
    if not isinstance(conversations, list):
        raise ImportRejected("no list of conversations")
    return [_checked_conversation(c, n) for n, c in enumerate(conversations, 1)]


def _checked_conversation(raw: object, number: int) -> dict:
    where = _Where(number)
    if not isinstance(raw, dict):
        raise where.rejected("is not an object")
    checked = {"id": _checked_id(raw.get("id"), where)}
    for name in CONVERSATION_FIELDS:
        checked[name] = _checked_value(Conversation, name, raw, where)
    if checked["kind"] not in KINDS:  # any other would be stored, counted, and never shown
        raise where.rejected("has an unknown kind", reason="bad_value", field="kind")
    _check_chat_settings(checked, where)
    messages = raw.get("messages")
    if not isinstance(messages, list):
        raise where.rejected("has no list of messages")
    seen: set[str] = set()
    checked["messages"] = []
    for position, message in enumerate(messages, 1):
        checked["messages"].append(_checked_message(message, _Where(number, position), seen))
    leaf = raw.get("current_leaf")
    if leaf is not None and (not isinstance(leaf, str) or leaf not in seen):
        raise where.rejected("its current message is not in the file", reason="bad_id")
    checked["current_leaf"] = leaf
    return checked


def _check_chat_settings(checked: dict, where: _Where) -> None:
    """The system prompt and temperature within the bounds the app sets them in
    (core/chat_settings.py): a 1 MB system prompt would be sent with every
    question, a temperature of 50 refused by every provider."""
    for name, check in (
        ("system_prompt", checked_system_prompt),
        ("temperature", checked_temperature),
    ):
        try:
            checked[name] = check(checked[name])
        except SettingsRejected as refused:
            raise where.rejected(
                f"{name}: {refused.detail}", reason="bad_value", field=name
            ) from None


def _checked_message(raw: object, where: _Where, seen: set[str]) -> dict:
    if not isinstance(raw, dict):
        raise where.rejected("is not an object")
    parent = raw.get("parent")
    checked = {"id": _checked_id(raw.get("id"), where), "parent": parent}
    if checked["id"] in seen:
        raise where.rejected("repeats an id", reason="bad_id")
    if parent is not None and not isinstance(parent, str):
        raise where.rejected("names its parent with something that is not an id", reason="bad_id")
    if parent is not None and parent not in seen:
        raise where.rejected("comes before its parent", reason="order")
    for name in MESSAGE_FIELDS:
        checked[name] = _checked_value(Message, name, raw, where)
    checked["web_sources"] = _checked_web_sources(raw, where)
    if checked["role"] not in ROLES:
        raise where.rejected("has an unknown role", reason="bad_value", field="role")
    if checked["status"] not in FINAL + UNFINISHED:
        raise where.rejected("has an unknown status", reason="bad_value", field="status")
    if checked["status"] in UNFINISHED:  # nothing is writing it here
        checked["status"] = INTERRUPTED
    checked["attachments"] = checked_attachments(
        raw.get("attachments"),
        lambda why, field: where.rejected(why, reason="bad_value", field=field),
    )
    seen.add(checked["id"])
    return checked


@dataclass(frozen=True)
class _Where:
    """A place in the file, for the reason a person reads."""

    conversation: int
    message: int | None = None

    def __str__(self) -> str:
        place = f"conversation {self.conversation}"
        return place if self.message is None else f"{place}, message {self.message}"

    def rejected(self, why: str, *, reason: str = "structure", field: str = "") -> ImportRejected:
        return ImportRejected(
            f"{self}: {why}",
            reason=reason,
            field=field,
            conversation=self.conversation,
            message=self.message,
        )


def _checked_web_sources(raw: dict, where: _Where) -> str | None:
    """A message's web search record, if it has one (files from before 0006 do not).
    Only its type is checked here; it is read defensively when shown."""
    if raw.get("web_sources") is None:
        return None
    return _checked_value(MessageWebSources, "sources", {"sources": raw["web_sources"]}, where)


def _checked_id(value: object, where: _Where) -> str:
    if not isinstance(value, str) or not _PUBLIC_ID.match(value):
        raise where.rejected("has no valid id", reason="bad_id")
    return value


def _checked_value(model: type, name: str, raw: dict, where: _Where) -> object:
    """The field's value if it fits the column: right type, length, nullability,
    and a value the app can show (finite numbers, dates within 1970–2100)."""
    column = model.__table__.columns[name]
    value = raw.get(name, column.default.arg if column.default is not None else None)
    if value is None:
        if column.nullable:
            return None
        raise where.rejected(f"lacks {name}", reason="bad_value", field=name)
    kind = column.type.python_type
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise where.rejected(f"{name} should be {kind.__name__}", reason="bad_value", field=name)
    if kind is str:
        value = clean_text(value)
        length = getattr(column.type, "length", None)
        if length and len(value) > length:
            raise where.rejected(
                f"{name} is longer than {length} characters", reason="bad_value", field=name
            )
    elif kind is float and name in _TIMESTAMPS:
        if not (math.isfinite(value) and EARLIEST <= value <= LATEST):
            raise where.rejected(f"{name} is not a date", reason="bad_time", field=name)
    elif not _in_range(value):
        raise where.rejected(f"{name} is out of range", reason="bad_value", field=name)
    return value


def _in_range(number: int | float | bool) -> bool:
    """Counts and durations are whole and not negative; other numbers finite."""
    if isinstance(number, float):
        return math.isfinite(number) and abs(number) <= MAX_FLOAT
    return isinstance(number, bool) or 0 <= number <= MAX_INTEGER


def _import_conversation(user_id: int, document: dict) -> tuple[int, int, int, int]:
    """Write one checked conversation; (added, updated, messages added, messages present)."""
    with session() as db:
        conversation_id, added = _own_conversation(db, user_id, document)
    with session() as db:
        existing = _messages_of(db, user_id, conversation_id)
    here: dict[str, str] = {}  # the file's message id -> its id in this conversation
    new = 0
    for chunk in _chunks(document["messages"]):
        with session() as db:
            new += _write_messages(db, user_id, conversation_id, chunk, here, existing)
        # SQLite's busy handler is not fair: a writer waiting for the lock sleeps
        # and polls, and would keep missing the moment between two chunks.
        time.sleep(CHUNK_PAUSE_S)
    if document["current_leaf"]:
        with session() as db:
            _set_leaf_if_missing(
                db, user_id, conversation_id, existing[here[document["current_leaf"]]][0]
            )
    present = len(document["messages"]) - new
    return int(added), int(not added and new > 0), new, present


def _own_conversation(db: Session, user_id: int, document: dict) -> tuple[int, bool]:
    """The row id of the user's conversation for `document` (created if needed),
    and whether it was created. Never another user's: an id is looked up with
    its owner, and an id someone else holds is replaced by one derived from it,
    again and again if that one is taken too (derived ids are predictable, so
    someone may have taken one on purpose to catch another person's import)."""
    public_id = document["id"]
    for _ in range(_DERIVATION_STEPS):
        found = db.execute(
            select(Conversation.user_id, Conversation.id).where(Conversation.public_id == public_id)
        ).first()
        if found is None:
            break
        if found.user_id == user_id:
            return found.id, False
        public_id = _derived_id(public_id, user_id)
    else:  # every derived id taken: planted; this copy gets an id of its own
        public_id = uuid.uuid4().hex
    fields = {name: document[name] for name in CONVERSATION_FIELDS}
    row = Conversation(public_id=public_id, user_id=user_id, **fields)
    db.add(row)
    db.flush()
    return row.id, True


def _messages_of(db: Session, user_id: int, conversation_id: int) -> dict[str, tuple[int, int]]:
    """public id -> (row id, depth) of the messages of the user's conversation."""
    _check_owner(db, user_id, conversation_id)
    rows = db.execute(
        select(Message.public_id, Message.id, Message.depth).where(
            Message.conversation_id == conversation_id
        )
    )
    return {public: (row_id, depth) for public, row_id, depth in rows}


def _check_owner(db: Session, user_id: int, conversation_id: int) -> None:
    """Checked in every transaction that writes: the conversation may have been
    deleted since the last one, and nothing is ever written to another's."""
    owner = db.scalar(select(Conversation.user_id).where(Conversation.id == conversation_id))
    if owner != user_id:
        raise RecordNotFound("conversation")


def _chunks(messages: list[dict]) -> Iterator[list[dict]]:
    """Runs of messages small enough for one short write transaction."""
    chunk: list[dict] = []
    size = 0
    for message in messages:
        chunk.append(message)
        size += len(message["content"]) + len(message["reasoning"])
        if len(chunk) >= CHUNK_MESSAGES or size >= CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _write_messages(
    db: Session,
    user_id: int,
    conversation_id: int,
    messages: list[dict],
    here: dict[str, str],
    existing: dict[str, tuple[int, int]],
) -> int:
    """Add the messages of one chunk that the conversation lacks; how many.

    `here` and `existing` carry over from chunk to chunk (parents come first
    in a checked file, so a parent is always known by the time it is needed).
    """
    _check_owner(db, user_id, conversation_id)
    here.update(_message_ids_here(db, [m["id"] for m in messages], user_id, conversation_id))
    written: dict[str, tuple[int, int]] = {}
    for message in messages:
        message_id = here[message["id"]]
        if message_id in existing or message_id in written:
            continue
        parent_id = here[message["parent"]] if message["parent"] else None
        parent = written.get(parent_id) or existing.get(parent_id) if parent_id else None
        fields = {name: message[name] for name in MESSAGE_FIELDS}
        stored = Message(
            public_id=message_id,
            conversation_id=conversation_id,
            parent_id=parent[0] if parent else None,
            depth=parent[1] + 1 if parent else 0,
            **fields,
        )
        db.add(stored)
        db.flush()
        add_rows(db, user_id, stored.id, message["attachments"])
        if message["web_sources"] is not None:
            db.add(MessageWebSources(message_id=stored.id, sources=message["web_sources"]))
        written[message_id] = (stored.id, stored.depth)
    existing.update(written)
    return len(written)


def _set_leaf_if_missing(db: Session, user_id: int, conversation_id: int, leaf_id: int) -> None:
    """Show the file's current message, unless the conversation already shows one
    of its own (or an earlier, interrupted import set it)."""
    db.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.user_id == user_id)
        .where(Conversation.current_leaf_id.is_(None))
        .values(current_leaf_id=leaf_id)
    )


def _derived_id(public_id: str, user_id: int, conversation_id: int | None = None) -> str:
    return uuid.uuid5(_DERIVED, f"{user_id}:{conversation_id}:{public_id}").hex


def _message_ids_here(
    db: Session, public_ids: list[str], user_id: int, conversation_id: int
) -> dict[str, str]:
    """For each message id of the file, the id it has (or gets) in this conversation:
    its own, unless a message of another conversation holds it; then a derived one,
    derived again while that is taken elsewhere too."""
    result: dict[str, str] = {}
    pending = {public_id: public_id for public_id in public_ids}  # file id -> candidate
    for _ in range(_DERIVATION_STEPS):
        holders = _holders(db, list(pending.values()))
        for file_id, candidate in list(pending.items()):
            if holders.get(candidate, conversation_id) == conversation_id:
                result[file_id] = pending.pop(file_id)
            else:
                pending[file_id] = _derived_id(candidate, user_id, conversation_id)
        if not pending:
            return result
    result.update({file_id: uuid.uuid4().hex for file_id in pending})  # planted chains
    return result


def _holders(db: Session, public_ids: list[str]) -> dict[str, int]:
    """public id -> the conversation that holds a message with it."""
    holders: dict[str, int] = {}
    for start in range(0, len(public_ids), 500):
        rows = db.execute(
            select(Message.public_id, Message.conversation_id).where(
                Message.public_id.in_(public_ids[start : start + 500])
            )
        )
        holders.update({public_id: holder for public_id, holder in rows})
    return holders
