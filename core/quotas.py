"""Which token and cost limits apply to a person, and how much of each is left.

A limit comes from, in order: the person's own setting (an admin's), else the
most generous setting among their groups, else `[policy]` in models.toml.
0 means no limit (and is the most generous). Days are the last 24 hours and
months the last 30 days, counted from the answers in the database at the
moment of asking (core/store/usage.py), so every process sees the same use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.catalog import Catalog, Policy
from core.metrics import cost_usd
from core.store import groups as group_store
from core.store import usage
from core.store.groups import LIMIT_FIELDS, Limits

TOKENS, COST = "tokens", "cost"
DAY, MONTH = "day", "month"
WINDOW_S = {DAY: usage.DAY_S, MONTH: usage.MONTH_S}
FIELD = {
    (TOKENS, DAY): "max_tokens_per_day",
    (COST, DAY): "max_cost_usd_per_day",
    (TOKENS, MONTH): "max_tokens_per_month",
    (COST, MONTH): "max_cost_usd_per_month",
}


@dataclass(frozen=True)
class Allowance:
    """One limit of one person: how much they used of it in its window."""

    measure: str  # TOKENS or COST (USD at list prices)
    window: str  # DAY (last 24 h) or MONTH (last 30 days)
    limit: float  # 0: none
    used: float

    @property
    def limited(self) -> bool:
        return self.limit > 0

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.used) if self.limited else float("inf")

    @property
    def reached(self) -> bool:
        return self.limited and self.used >= self.limit


def resolve(policy: Policy, own: Limits, groups: list[Limits]) -> Limits:
    """The limits that apply: own, else the most generous group's, else [policy]."""
    values = {}
    for name in LIMIT_FIELDS:
        mine = getattr(own, name)
        set_by_groups = [getattr(g, name) for g in groups if getattr(g, name) is not None]
        if mine is not None:
            values[name] = mine
        elif set_by_groups:
            values[name] = 0 if 0 in set_by_groups else max(set_by_groups)
        else:
            values[name] = getattr(policy, name)
    return Limits(**values)


def limits_for(catalog: Catalog, user_id: int) -> Limits:
    own, groups = group_store.limits_of_user(user_id)
    return resolve(catalog.policy, own, groups)


def allowances(
    catalog: Catalog,
    user_id: int,
    now: float,
    *,
    only_limited: bool = False,
    unstored: Callable[[float], list] = lambda _since: [],
) -> list[Allowance]:
    """Each token and cost limit of the person, daily first, with what they used
    (`only_limited`: skip the windows with no limit, and their queries).
    `unstored(since)`: spending the database does not hold (temporary chats),
    as [(model id, prompt tokens, completion tokens)]."""
    limits = limits_for(catalog, user_id)
    wanted = []
    for window in (DAY, MONTH):
        limit_tokens = getattr(limits, FIELD[TOKENS, window]) or 0
        limit_cost = getattr(limits, FIELD[COST, window]) or 0
        if not only_limited or limit_tokens or limit_cost:
            wanted.append((window, limit_tokens, limit_cost))
    spent_in = usage.tokens_by_model_in_windows(
        user_id, tuple(now - WINDOW_S[window] for window, _, _ in wanted)
    )
    result = []
    for window, limit_tokens, limit_cost in wanted:
        since = now - WINDOW_S[window]
        spent = [*spent_in[since], *unstored(since)]
        tokens = sum(prompt + completion for _model, prompt, completion in spent)
        cost = sum(
            cost_usd(prompt, completion, catalog.model(model_id or "")) or 0.0
            for model_id, prompt, completion in spent
        )
        result.append(Allowance(TOKENS, window, float(limit_tokens), float(tokens)))
        result.append(Allowance(COST, window, float(limit_cost), cost))
    return result
