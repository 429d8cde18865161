"""Tokens and cost by day, model, provider and person, for the Usage page.

Computed from the token counts the answers record (core/store/usage.py), at
the catalog's list prices (core/metrics.cost_usd, the one definition of
cost), so the figures are the ones the quotas count. Everyone may read their
own; only an admin may read everyone's or export it (`AdminOnly` otherwise):
the person asking is looked up in the database, not taken from the page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.access import require_admin
from core.catalog import Catalog
from core.csv_export import to_csv
from core.metrics import cost_usd
from core.store import groups as group_store
from core.store import usage

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class UsageLine:
    """One person's answers by one model through one provider on one UTC day."""

    day: dt.date
    user_id: int
    username: str
    model_id: str
    provider_id: str
    answers: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # None: the model left the catalog (no price known)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Total:
    """A sum over lines sharing one key (a day, a model, a provider, a person)."""

    key: str
    answers: int
    tokens: int
    cost_usd: float


def own_usage(catalog: Catalog, user_id: int, now: float, days: int = DEFAULT_DAYS):
    """The person's own lines for the last `days` days (today included)."""
    return _lines(catalog, usage.usage_by_day(_since(now, days), user_id))


def everyone_usage(
    catalog: Catalog, viewer_id: int, now: float, days: int = DEFAULT_DAYS
) -> list[UsageLine]:
    """Every person's lines; `AdminOnly` unless `viewer_id` is an admin."""
    require_admin(viewer_id)
    return _lines(catalog, usage.usage_by_day(_since(now, days), None))


def usage_csv(catalog: Catalog, viewer_id: int, now: float, days: int = DEFAULT_DAYS) -> str:
    """Everyone's lines as CSV (admins only), one row per day, person, model and provider."""
    lines = everyone_usage(catalog, viewer_id, now, days)
    columns = [
        "day",
        "username",
        "model",
        "provider",
        "answers",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
    ]
    rows = (
        [
            line.day.isoformat(),
            line.username,
            line.model_id,
            line.provider_id,
            line.answers,
            line.prompt_tokens,
            line.completion_tokens,
            None if line.cost_usd is None else round(line.cost_usd, 6),
        ]
        for line in lines
    )
    return to_csv(columns, rows)


def totals(lines: Iterable[UsageLine], key) -> list[Total]:
    """Lines summed by `key(line)`, largest cost first (then most tokens)."""
    sums: dict[str, list] = defaultdict(lambda: [0, 0, 0.0])
    for line in lines:
        entry = sums[key(line)]
        entry[0] += line.answers
        entry[1] += line.tokens
        entry[2] += line.cost_usd or 0.0
    result = [Total(k, a, t, c) for k, (a, t, c) in sums.items()]
    return sorted(result, key=lambda total: (-total.cost_usd, -total.tokens, total.key))


def by_day_and_model(lines: Sequence[UsageLine]) -> dict[str, dict[dt.date, int]]:
    """Tokens per model per day (a chart's series)."""
    series: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for line in lines:
        series[line.model_id][line.day] += line.tokens
    return {model: dict(days) for model, days in series.items()}


def _since(now: float, days: int) -> float:
    today = int(now // usage.DAY_S)
    return (today - max(1, days) + 1) * usage.DAY_S


def _lines(catalog: Catalog, rows: list[usage.UsageRow]) -> list[UsageLine]:
    names = {uid: name for uid, name, _display in group_store.list_people()}
    return [
        UsageLine(
            day=dt.date(1970, 1, 1) + dt.timedelta(days=row.day),
            user_id=row.user_id,
            username=names.get(row.user_id, "?"),
            model_id=row.model_id or "?",
            provider_id=row.provider_id or "?",
            answers=row.answers,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            cost_usd=cost_usd(
                row.prompt_tokens, row.completion_tokens, catalog.model(row.model_id or "")
            ),
        )
        for row in rows
    ]
