"""Every request to every route, for the status page and the leaderboard."""

from __future__ import annotations

import time
from dataclasses import dataclass
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


def record_attempt(**fields: Any) -> None:
    fields.setdefault("started_at", time.time())
    with session() as db:
        db.add(Attempt(**fields))


@dataclass(frozen=True)
class RouteStats:
    provider_id: str
    upstream_model: str
    requests: int
    busy: int
    failed: int
    p50_ms: int | None
    p95_ms: int | None
    ttft_p50_ms: int | None

    @property
    def busy_rate(self) -> float:
        return self.busy / self.requests if self.requests else 0.0


def _percentile(values: list[int], share: float) -> int | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def route_stats(since: float) -> list[RouteStats]:
    """Counts, busy rate and latency percentiles per route since `since`."""
    with session() as db:
        rows = db.execute(
            select(
                Attempt.provider_id,
                Attempt.upstream_model,
                Attempt.outcome,
                Attempt.duration_ms,
                Attempt.ttft_ms,
            ).where(Attempt.started_at >= since)
        ).all()
    grouped: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        grouped.setdefault((row.provider_id, row.upstream_model), []).append(row)
    stats = []
    for (provider_id, upstream), items in sorted(grouped.items()):
        ok = [r for r in items if r.outcome == OK]
        stats.append(
            RouteStats(
                provider_id=provider_id,
                upstream_model=upstream,
                requests=len(items),
                busy=sum(r.outcome == BUSY for r in items),
                failed=sum(r.outcome in (FAILED, BROKEN) for r in items),
                p50_ms=_percentile([r.duration_ms for r in ok if r.duration_ms is not None], 0.5),
                p95_ms=_percentile([r.duration_ms for r in ok if r.duration_ms is not None], 0.95),
                ttft_p50_ms=_percentile([r.ttft_ms for r in ok if r.ttft_ms is not None], 0.5),
            )
        )
    return stats


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
