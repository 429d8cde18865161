"""Per-user limits counted across every process on PostgreSQL.

A person may reach the app through several replicas at once (two tabs, a
phone), so the limits a process used to count in memory are read from the
database instead:

- **answers at once**: the person's unfinished answers written by other live
  processes (their owner's heartbeat is recent: core/store/processes.py),
  added by the worker to the ones it runs itself;
- **messages per minute**: each send is a row of `rate_events`; a send is
  counted under a transaction-level advisory lock on the person, so two
  processes counting at the same moment take turns and never both admit the
  send that goes over.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, func, select, text

from core.store.advisory import key31
from core.store.db import session
from core.store.models import Conversation, Message, Process, RateEvent
from core.store.processes import DEAD_AFTER_S, this_process_id
from core.store.views import UNFINISHED

BATCH_KIND = "batch"  # batch answers count in the batch lane only (core/worker.py)


def running_elsewhere(user_id: int, *, batch: bool, now: float | None = None) -> int:
    """The user's unfinished answers written by other live processes, in one lane."""
    now = time.time() if now is None else now
    live = select(Process.id).where(Process.heartbeat_at >= now - DEAD_AFTER_S)
    lane = Conversation.kind == BATCH_KIND if batch else Conversation.kind != BATCH_KIND
    with session() as db:
        return db.scalar(
            select(func.count())
            .select_from(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.user_id == user_id,
                lane,
                Message.status.in_(UNFINISHED),
                Message.owner_process != this_process_id(),
                Message.owner_process.in_(live),
            )
        )


def count_sends(user_id: int, count: int, *, limit: int, window_s: float, now: float) -> float:
    """Count `count` sends at `now` (epoch seconds: every process compares them)
    if at most `limit` fall in any `window_s`: 0.0; else the seconds until they
    would fit (nothing counted)."""
    with session() as db:
        schema = db.scalar(text("SELECT current_schema()"))
        db.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :user)"),
            {"ns": key31(f"{schema}:rate"), "user": user_id},
        )
        db.execute(
            delete(RateEvent).where(RateEvent.user_id == user_id, RateEvent.at <= now - window_s)
        )
        rows = db.execute(
            select(RateEvent.at, RateEvent.count)
            .where(RateEvent.user_id == user_id)
            .order_by(RateEvent.at)
        ).all()
        events = [at for at, n in rows for _ in range(n)]
        if len(events) + count > limit:
            if count > limit:
                return window_s
            oldest_needed = events[len(events) + count - limit - 1]
            return max(0.0, window_s - (now - oldest_needed))
        db.add(RateEvent(user_id=user_id, at=now, count=count))
        return 0.0
