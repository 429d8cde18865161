"""Every request to every route, for the status page and the leaderboard.

Counting and percentiles happen in core/health.py and core/leaderboard.py,
with the definitions of core/metrics.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from core.store.db import session
from core.store.models import Attempt

# An attempt's outcome.
OK = "ok"
BUSY = "busy"  # transient failure: rate limit, overload, timeout before text
FAILED = "failed"  # permanent failure: auth, bad request…
BROKEN = "broken"  # the stream broke after text arrived
CANCELLED = "cancelled"


@dataclass(frozen=True, kw_only=True)
class AttemptRecord:
    """One request to one route, as the generation measured it."""

    message_id: int | None
    model_id: str
    provider_id: str
    upstream_model: str
    attempt_no: int
    outcome: str  # OK, BUSY, FAILED, BROKEN or CANCELLED
    error_kind: str | None
    http_status: int | None
    queue_ms: int
    ttft_ms: int | None
    duration_ms: int
    prompt_tokens: int | None
    completion_tokens: int | None
    started_at: float


def record_route_attempt(attempt: AttemptRecord) -> None:
    """Log one request to one route (sign-ins are core/store/login_attempts.py)."""
    with session() as db:
        db.add(Attempt(**asdict(attempt)))


def recent_attempts(since: float) -> list[dict[str, Any]]:
    """Raw attempts since `since` (for charts), oldest first."""
    with session() as db:
        rows = db.execute(
            select(
                Attempt.started_at,
                Attempt.provider_id,
                Attempt.upstream_model,
                Attempt.outcome,
                Attempt.duration_ms,
                Attempt.ttft_ms,
            )
            .where(Attempt.started_at >= since)
            .order_by(Attempt.started_at)
        ).all()
    return [row._asdict() for row in rows]
