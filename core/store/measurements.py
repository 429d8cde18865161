"""Measured requests and answers of every user, for the leaderboard's performance table.

Operational numbers only (timings, token counts, model ids): no text and no
user, like the attempts behind the status page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.store.db import session
from core.store.models import Attempt, Message
from core.store.views import COMPLETE


@dataclass(frozen=True)
class MeasurementStamp:
    """Changes whenever a request or an answer is recorded: a cache key."""

    last_attempt_id: int
    last_message_id: int


def measurement_stamp() -> MeasurementStamp:
    with session() as db:
        attempt = db.scalar(select(func.max(Attempt.id))) or 0
        message = db.scalar(select(func.max(Message.id))) or 0
        return MeasurementStamp(attempt, message)


def attempt_rows() -> list[tuple[str, str, int | None, int | None]]:
    """(model id, outcome, duration ms, time to first token ms) of every request."""
    with session() as db:
        rows = db.execute(
            select(Attempt.model_id, Attempt.outcome, Attempt.duration_ms, Attempt.ttft_ms)
        )
        return [tuple(row) for row in rows]


def answer_rows() -> list[tuple[str, int | None, int | None, int | None, int | None, int | None]]:
    """(model id, prompt tokens, completion tokens, duration, queue, first token ms)
    of every complete answer."""
    with session() as db:
        rows = db.execute(
            select(
                Message.model_id,
                Message.prompt_tokens,
                Message.completion_tokens,
                Message.duration_ms,
                Message.queue_ms,
                Message.ttft_ms,
            ).where(
                Message.role == "assistant",
                Message.status == COMPLETE,
                Message.model_id.is_not(None),
            )
        )
        return [tuple(row) for row in rows]
