"""Messages: a tree per conversation, read along one branch at a time.

Each message points at its parent; regenerating an answer or editing a
question adds a sibling, so no branch is ever overwritten. The conversation's
`current_leaf_id` says which branch is shown and sent to the model.

Reads by a page take the user's id. Writes by the generation worker
(`save_progress`, `finish`) address a message it was handed by an owner's
request and take no user.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Update, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from core.errors import RecordNotFound
from core.store import usage
from core.store.conversations import KEEP, Keep, new_public_id, owned
from core.store.db import session
from core.store.models import Conversation, Message
from core.store.processes import this_process_id
from core.store.views import (
    COMPLETE,
    ERROR,
    INTERRUPTED,
    QUEUED,
    UNFINISHED,
    MessageView,
    view_of,
)


def append_message(
    user_id: int,
    conversation_id: int,
    *,
    role: str,
    content: str = "",
    parent_id: int | None,
    status: str = COMPLETE,
    make_current: bool = True,
    reasoning: str = "",
    model_id: str | None = None,
    provider_id: str | None = None,
    requested_model_id: str | None = None,
    thinking: bool | None = None,
    temperature: float | None = None,
    content_tokens: int | None = None,
    ttft_ms: int | None = None,
    duration_ms: int | None = None,
    db: Session | None = None,
) -> MessageView:
    """Add a message under `parent_id` (None for a first message).

    Text is stored as given: the engine cleans every string it writes
    (core/store/db.py), and the services clean what they check first.
    `db`: the session of the caller's unit of work (core/store/db.py).
    """
    now = time.time()
    values: dict[str, Any] = dict.fromkeys(MessageView.__dataclass_fields__)
    values.update(
        public_id=new_public_id(),
        conversation_id=conversation_id,
        parent_id=parent_id,
        role=role,
        content=content,
        reasoning=reasoning,
        status=status,
        usage_estimated=False,
        context_dropped=0,
        attempts=0,
        created_at=now,
        updated_at=now,
        model_id=model_id,
        provider_id=provider_id,
        requested_model_id=requested_model_id,
        thinking=thinking,
        temperature=temperature,
        content_tokens=content_tokens,
        ttft_ms=ttft_ms,
        duration_ms=duration_ms,
    )
    del values["id"]
    with session(within=db) as db:
        # One read, then the write transaction: the insert and the
        # conversation's bump, back to back (SQLite holds its one write lock
        # from the first write to the commit; every other writer waits).
        place = db.execute(_PLACE, {"conversation": conversation_id, "user": user_id,
                                    "parent": parent_id}).first()  # fmt: skip
        if place is None:
            raise RecordNotFound(f"conversation {conversation_id}")
        if parent_id is not None and place.depth is None:
            raise RecordNotFound(f"message {parent_id}")
        values["depth"] = 0 if parent_id is None else place.depth + 1
        owner = this_process_id() if status in UNFINISHED else None
        values["owner_process"] = owner
        inserted = db.execute(_INSERT, values)
        message_id = inserted.inserted_primary_key[0]
        bump = {"conversation": conversation_id, "now": now}
        if make_current:
            db.execute(_BUMP_TO_LEAF, {**bump, "leaf": message_id})
        else:
            db.execute(_BUMP, bump)
    return MessageView(id=message_id, **values)


# The statements of the write path, built once: building a statement costs
# more Python than SQLite takes to run it, and eight writers share one
# interpreter lock (bench/store_at_scale.py).
_messages, _conversations = Message.__table__, Conversation.__table__
_PLACE = select(
    _conversations.c.id,
    select(_messages.c.depth)
    .where(
        _messages.c.id == bindparam("parent"),
        _messages.c.conversation_id == _conversations.c.id,
    )
    .scalar_subquery()
    .label("depth"),
).where(
    _conversations.c.id == bindparam("conversation"), _conversations.c.user_id == bindparam("user")
)
_INSERT = insert(_messages)
_BUMP = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation"))
    .values(updated_at=bindparam("now"))
)
_BUMP_TO_LEAF = _BUMP.values(current_leaf_id=bindparam("leaf"))
_BUMP_OWNER_OF = (
    update(_conversations)
    .where(
        _conversations.c.id
        == select(_messages.c.conversation_id)
        .where(_messages.c.id == bindparam("message"))
        .scalar_subquery()
    )
    .values(updated_at=bindparam("now"))
)


@functools.lru_cache(maxsize=128)
def _update_message(names: frozenset[str]) -> Update:
    """UPDATE messages SET <names> WHERE id = :message (one statement per set of fields)."""
    return (
        update(_messages)
        .where(_messages.c.id == bindparam("message"))
        .values({name: bindparam(f"new_{name}") for name in sorted(names)})
    )


def get_message(user_id: int, message_id: int) -> MessageView:
    with session() as db:
        row = db.scalar(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.id == message_id, Conversation.user_id == user_id)
        )
        if row is None:
            raise RecordNotFound(f"message {message_id}")
        return view_of(row, MessageView)


def find_message(user_id: int, conversation_id: int, public_id: str) -> MessageView:
    """By the id that appears in URLs (`?m=`); only in that conversation of the user's."""
    with session() as db:
        row = db.scalar(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.public_id == public_id,
                Message.conversation_id == conversation_id,
                Conversation.user_id == user_id,
            )
        )
        if row is None:
            raise RecordNotFound(f"message {public_id}")
        return view_of(row, MessageView)


def branch(
    user_id: int, conversation_id: int, leaf_id: int | None = None, *, last: int | None = None
) -> list[MessageView]:
    """Messages from the root to `leaf_id` (default: the current leaf), oldest first.

    With `last`, only the newest `last` of them: the cost then depends on
    `last`, not on the length of the conversation.
    """
    with session() as db:
        conversation = owned(db, user_id, conversation_id)
        leaf_id = leaf_id if leaf_id is not None else conversation.current_leaf_id
        if leaf_id is None:
            return []
        steps = select(Message.id, Message.parent_id, literal(1).label("n")).where(
            Message.id == leaf_id, Message.conversation_id == conversation_id
        )
        walk = steps.cte("walk", recursive=True)
        next_step = select(Message.id, Message.parent_id, (walk.c.n + 1).label("n")).join(
            walk, Message.id == walk.c.parent_id
        )
        if last is not None:
            next_step = next_step.where(walk.c.n < last)
        walk = walk.union_all(next_step)
        rows = db.scalars(
            select(Message).join(walk, Message.id == walk.c.id).order_by(Message.depth)
        )
        return [view_of(r, MessageView) for r in rows]


def siblings(user_id: int, message_id: int) -> list[int]:
    """Ids of the alternatives at this message's place (itself included), oldest first."""
    message = get_message(user_id, message_id)
    return alternatives(user_id, message.conversation_id, [message]).get(message.id, [message.id])


def alternatives(
    user_id: int, conversation_id: int, messages: list[MessageView]
) -> dict[int, list[int]]:
    """For each of `messages` that has alternatives (regenerated answers, edited
    questions), the ids of all of them, itself included, oldest first.

    One query for a whole page of messages: the pagers under each message
    cost nothing per message.
    """
    parents = {m.parent_id for m in messages if m.parent_id is not None}
    same_parent = Message.parent_id.in_(parents)
    if any(m.parent_id is None for m in messages):
        same_parent = or_(same_parent, Message.parent_id.is_(None))
    with session() as db:
        owned(db, user_id, conversation_id)
        rows = db.execute(
            select(Message.id, Message.parent_id, Message.role)
            .where(Message.conversation_id == conversation_id, same_parent)
            .order_by(Message.id)
        )
        places: dict[tuple[int | None, str], list[int]] = defaultdict(list)
        for message_id, parent_id, role in rows:
            places[(parent_id, role)].append(message_id)
    found = {m.id: places[(m.parent_id, m.role)] for m in messages}
    return {message_id: ids for message_id, ids in found.items() if len(ids) > 1}


def newest_leaf_under(user_id: int, message_id: int) -> int:
    """The most recent message of the subtree that starts at `message_id`.

    Choosing an alternative answer shows the branch that continues from it.
    """
    get_message(user_id, message_id)
    with session() as db:
        walk = select(Message.id).where(Message.id == message_id).cte("subtree", recursive=True)
        walk = walk.union_all(select(Message.id).join(walk, Message.parent_id == walk.c.id))
        return db.scalar(select(func.max(walk.c.id)))


def set_current_leaf(user_id: int, conversation_id: int, leaf_id: int) -> None:
    with session() as db:
        owned(db, user_id, conversation_id)
        leaf = db.get(Message, leaf_id)
        if leaf is None or leaf.conversation_id != conversation_id:
            raise RecordNotFound(f"message {leaf_id}")
        db.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(current_leaf_id=leaf_id)
        )


def choose(user_id: int, message_id: int) -> MessageView:
    """Show the branch through `message_id` (an alternative the user paged to).

    The newest message under it becomes the current leaf, so the user finds
    that branch as they left it, and the conversation continues from there.
    """
    message = get_message(user_id, message_id)
    set_current_leaf(user_id, message.conversation_id, newest_leaf_under(user_id, message_id))
    return message


def reveal(user_id: int, message_id: int) -> MessageView:
    """Make `message_id` part of the branch shown, switching branches only if needed."""
    message = get_message(user_id, message_id)
    with session() as db:
        leaf_id = owned(db, user_id, message.conversation_id).current_leaf_id
        walk = select(Message.id, Message.parent_id).where(Message.id == leaf_id)
        walk = walk.cte("ancestors", recursive=True)
        walk = walk.union_all(
            select(Message.id, Message.parent_id)
            .join(walk, Message.id == walk.c.parent_id)
            .where(Message.depth >= message.depth)
        )
        shown = db.scalar(select(walk.c.id).where(walk.c.id == message.id))
    if shown is None:
        choose(user_id, message_id)
    return message


def restart_answer(
    user_id: int,
    message_id: int,
    *,
    model_id: str,
    thinking: bool | None,
    temperature: float | None,
    keep_text: bool,
    context_dropped: int = 0,
    error_kind: str | None = None,
    error_detail: str | None = None,
    db: Session | None = None,
) -> None:
    """Make a stored answer ready to be generated again (Retry, Continue, another
    model; a drafted answer whose history was cut): queued with these settings
    and owned by this process, its text cleared unless `keep_text` (Continue
    appends to it). With `error_kind` it is recorded as failed instead (a
    request that cannot be sent), in the same one write. Its conversation moves
    up, as when an answer is appended. `RecordNotFound` unless it is an answer
    of this user's. `db`: the session of the caller's unit of work (core/store/db.py).
    """
    now = time.time()
    failed = error_kind is not None
    values: dict[str, Any] = {
        "status": ERROR if failed else QUEUED,
        "owner_process": None if failed else this_process_id(),
        "error_kind": error_kind,
        "error_detail": error_detail,
        "model_id": model_id,
        "requested_model_id": model_id,
        "thinking": thinking,
        "temperature": temperature,
        "context_dropped": context_dropped,
        "updated_at": now,
    }
    if not keep_text:
        values.update(content="", reasoning="")
    owned_answer = (
        (Message.id == message_id)
        & (Message.role == "assistant")
        & Message.conversation_id.in_(
            select(Conversation.id).where(Conversation.user_id == user_id)
        )
    )
    with session(within=db) as db:
        if not db.execute(update(Message).where(owned_answer).values(values)).rowcount:
            raise RecordNotFound(f"answer {message_id}")
        db.execute(_BUMP_OWNER_OF, {"message": message_id, "now": now})


def count_branch(user_id: int, conversation_id: int) -> int:
    """How many messages the current branch holds (the leaf's depth + 1)."""
    with session() as db:
        conversation = owned(db, user_id, conversation_id)
        if conversation.current_leaf_id is None:
            return 0
        depth = db.scalar(select(Message.depth).where(Message.id == conversation.current_leaf_id))
        return (depth or 0) + 1


# ---------------------------------------------------------------- worker writes


def save_progress(
    message_id: int,
    *,
    status: str | Keep = KEEP,
    content: str | Keep = KEEP,
    reasoning: str | Keep = KEEP,
    db: Session | None = None,
) -> None:
    """Write what a generation has so far (called about once a second). What
    is not given is kept as stored; a restart's settings are `restart_answer`'s.

    `db`: the session of the caller's unit of work (core/store/db.py).
    """
    values = _given(locals())
    with session(within=db) as db:
        _write_message(db, message_id, values, time.time())


def finish(
    message_id: int,
    *,
    status: str,
    content: str | Keep = KEEP,
    reasoning: str | Keep = KEEP,
    model_id: str | Keep | None = KEEP,
    requested_model_id: str | Keep | None = KEEP,
    provider_id: str | Keep | None = KEEP,
    upstream_model: str | Keep | None = KEEP,
    error_kind: str | Keep | None = KEEP,
    error_detail: str | Keep | None = KEEP,
    finish_reason: str | Keep | None = KEEP,
    prompt_tokens: int | Keep | None = KEEP,
    completion_tokens: int | Keep | None = KEEP,
    reasoning_tokens: int | Keep | None = KEEP,
    usage_estimated: bool | Keep = KEEP,
    content_tokens: int | Keep | None = KEEP,
    queue_ms: int | Keep | None = KEEP,
    ttft_ms: int | Keep | None = KEEP,
    answer_ms: int | Keep | None = KEEP,
    reasoning_ms: int | Keep | None = KEEP,
    duration_ms: int | Keep | None = KEEP,
    attempts: int | Keep = KEEP,
    db: Session | None = None,
) -> None:
    """Write the final state of a generation (its end `status`, and what it
    produced), bump its conversation and book its tokens, in one transaction.
    What is not given is kept as stored (a refused request sets only its error).

    `db`: the session of the caller's unit of work (core/store/db.py).
    """
    values = _given(locals())
    now = time.time()
    with session(within=db) as db:
        # The conversation first, then the answer: the order a deletion locks
        # them in (the conversation, then its messages by cascade). In the other
        # order, on PostgreSQL, an answer's final save (stopped by that deletion)
        # and the deletion deadlocked, and either could be the one aborted.
        db.execute(_BUMP_OWNER_OF, {"message": message_id, "now": now})
        _write_message(db, message_id, values, now)
        if prompt_tokens is not KEEP or completion_tokens is not KEEP:
            usage.record_spending(  # quotas count this, not the answer
                db,
                message_id,
                now,
                model_id=None if model_id is KEEP else model_id,
                provider_id=None if provider_id is KEEP else provider_id,
                prompt_tokens=None if prompt_tokens is KEEP else prompt_tokens,
                completion_tokens=None if completion_tokens is KEEP else completion_tokens,
            )


def _given(arguments: dict[str, Any]) -> dict[str, Any]:
    """The columns a write sets: its keyword parameters that were given. The
    signatures of `save_progress` and `finish` are the one list of what each
    may set, so a misspelt name is a TypeError at the call."""
    return {
        name: value
        for name, value in arguments.items()
        if name not in ("message_id", "db") and value is not KEEP
    }


def _write_message(db: Session, message_id: int, values: dict[str, Any], now: float) -> None:
    # Text needs no cleaning here: the engine cleans every string it writes
    # (core/store/db.py), which this statement's parameters are.
    if "status" in values:  # whoever (re)starts an answer owns it until it ends
        values["owner_process"] = this_process_id() if values["status"] in UNFINISHED else None
    values["updated_at"] = now
    parameters = {f"new_{name}": value for name, value in values.items()}
    db.execute(_update_message(frozenset(values)), {"message": message_id, **parameters})


def own_unfinished_ids(user_id: int, conversation_id: int, *, saved_before: float) -> list[int]:
    """The conversation's unfinished answers this process owns, last saved before
    `saved_before`: candidates for `interrupt_own` when its worker is not running them."""
    query = (
        select(Message.id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.user_id == user_id,
            Message.conversation_id == conversation_id,
            Message.status.in_(UNFINISHED),
            Message.owner_process == this_process_id(),
            Message.updated_at < saved_before,
        )
    )
    with session() as db:
        return list(db.scalars(query))


def interrupt_own(message_ids: Sequence[int], error_kind: str) -> int:
    """Mark these answers interrupted if they are still unfinished and this process's."""
    if not message_ids:
        return 0
    with session() as db:
        result = db.execute(
            update(Message)
            .where(
                Message.id.in_(message_ids),
                Message.status.in_(UNFINISHED),
                Message.owner_process == this_process_id(),
            )
            .values(
                status=INTERRUPTED,
                error_kind=error_kind,
                owner_process=None,
                updated_at=time.time(),
            )
        )
        return result.rowcount or 0


def unfinished_message_ids(
    user_id: int | None = None, conversation_id: int | None = None
) -> list[int]:
    """Answers queued or streaming: everyone's, one user's, or one conversation's."""
    query = select(Message.id).where(Message.status.in_(UNFINISHED))
    if user_id is not None:
        query = query.join(Conversation, Conversation.id == Message.conversation_id).where(
            Conversation.user_id == user_id
        )
    if conversation_id is not None:
        query = query.where(Message.conversation_id == conversation_id)
    with session() as db:
        return list(db.scalars(query))
