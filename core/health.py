"""What the Status page shows: each route's health, and requests minute by minute.

The page receives typed rows and ready-to-chart tables; it neither knows how
admission names its queues nor which outcome strings the attempt log uses.
Percentiles are those of core/metrics.py, like the leaderboard's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.catalog import Catalog
from core.generation import Runtime
from core.metrics import percentile, seconds
from core.resilience.admission import GateView
from core.resilience.breaker import BreakerState, BreakerView
from core.secrets import mask
from core.store import attempts as attempt_log

WINDOW_S = 3600.0  # the Status page looks at the last hour


@dataclass(frozen=True)
class RouteHealth:
    """One route of one model: can it be used, how busy it is, how it did lately."""

    model_label: str
    provider_label: str
    upstream_model: str
    available: bool  # its key is set (or it needs none)
    key_hint: str  # at most the key's last four characters
    breaker: BreakerView
    line: GateView | None  # the admission queue in front of it; None when unlimited
    requests: int  # in the window
    busy_rate: float | None  # share of busy answers; None without requests
    latency_p50_s: float | None  # successful requests, send to last token
    latency_p95_s: float | None
    ttft_p50_s: float | None

    @property
    def route_label(self) -> str:
        """How the page names the route: the provider, then the model it serves."""
        return f"{self.provider_label} · {self.upstream_model}"

    @property
    def paused(self) -> bool:
        """Its breaker is open or waiting for a trial: requests skip it."""
        return self.breaker.state is not BreakerState.CLOSED


@dataclass(frozen=True)
class StatusReport:
    routes: list[RouteHealth]
    requests_per_minute: pd.DataFrame  # index: minute; a column per outcome
    latency_per_minute_s: pd.DataFrame  # index: minute; a column per route (successful requests)

    @property
    def any_paused(self) -> bool:
        return any(route.paused for route in self.routes)


def status_report(catalog: Catalog, runtime: Runtime, window_s: float = WINDOW_S) -> StatusReport:
    attempts = attempt_log.recent_attempts(runtime.clock.wall() - window_s)
    requests_per_minute, latency_per_minute = activity_by_minute(attempts)
    return StatusReport(
        route_health(catalog, runtime, attempts), requests_per_minute, latency_per_minute
    )


def route_health(
    catalog: Catalog, runtime: Runtime, attempts: Iterable[Mapping[str, Any]]
) -> list[RouteHealth]:
    """A row per route of every model, in catalog order."""
    by_route: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for attempt in attempts:
        by_route[(attempt["provider_id"], attempt["upstream_model"])].append(attempt)
    rows = []
    for model in catalog.models.values():
        for route in model.routes:
            provider = catalog.providers[route.provider]
            mine = by_route.get((route.provider, route.model), [])
            ok = [a for a in mine if a["outcome"] == attempt_log.OK]
            durations = [a["duration_ms"] for a in ok]
            rows.append(
                RouteHealth(
                    model_label=model.label,
                    provider_label=provider.label,
                    upstream_model=route.model,
                    available=provider.available,
                    key_hint=mask(provider.api_key()),
                    breaker=runtime.breakers.view_of(route.key),
                    line=runtime.admission.view_for(route),
                    requests=len(mine),
                    busy_rate=sum(a["outcome"] == attempt_log.BUSY for a in mine) / len(mine)
                    if mine
                    else None,
                    latency_p50_s=seconds(percentile(durations, 0.5)),
                    latency_p95_s=seconds(percentile(durations, 0.95)),
                    ttft_p50_s=seconds(percentile((a["ttft_ms"] for a in ok), 0.5)),
                )
            )
    return rows


def activity_by_minute(attempts: list[Mapping[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(requests per minute by outcome, median seconds of successful requests per route)."""
    if not attempts:
        return pd.DataFrame(), pd.DataFrame()
    frame = pd.DataFrame(attempts)
    frame["minute"] = pd.to_datetime(frame["started_at"], unit="s").dt.floor("min")
    frame["route"] = frame["provider_id"] + " · " + frame["upstream_model"]
    counts = frame.pivot_table(
        index="minute", columns="outcome", values="route", aggfunc="count", fill_value=0
    )
    ok = frame[frame["outcome"] == attempt_log.OK]
    latency = ok.pivot_table(
        index="minute", columns="route", values="duration_ms", aggfunc="median"
    )
    return counts, latency / 1000


class HealthService:
    """The Status page's workflows, built once per process (core/services.py) on
    the worker's runtime: its breakers, admission queues and clock."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def report(self, catalog: Catalog, window_s: float = WINDOW_S) -> StatusReport:
        """Typed rows per route and per-minute tables, labelled from `catalog`
        (the reader's language)."""
        return status_report(catalog, self.runtime, window_s)

    def close_breakers(self) -> None:
        """Close every route's breaker ("Close all breakers"; on PostgreSQL for
        every process: core/resilience/shared_breaker.py)."""
        self.runtime.breakers.reset()
