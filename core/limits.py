"""Per-user limits, shared by every session of the process (of every process on
PostgreSQL: `SharedRateLimiter`, core/store/shared_limits.py).

`RateLimiter` counts sends in a sliding window; `UsageCaps` reads what a
user keeps and spent (from the messages themselves, core/store/usage.py)
against the caps in `[policy]`. Both are asked before anything is stored or
sent (core/chat.py `ChatService.admit`).
"""

from __future__ import annotations

import functools
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Sequence

from core import quotas
from core.catalog import Catalog
from core.clock import SYSTEM_CLOCK, Clock
from core.errors import (
    CostQuotaReached,
    FileStorageQuotaReached,
    MonthlyCostQuotaReached,
    MonthlyTokenQuotaReached,
    StorageQuotaReached,
    TokenQuotaReached,
)
from core.store import attachment_files, shared_limits, usage
from core.store.advisory import is_shared_database

MEGABYTE = 1_000_000


class RateLimiter:
    """At most `limit` events per user in any `window_s` seconds (sliding window),
    measured on `clock`'s monotonic time (the worker's clock: fake in tests)."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._events: dict[int, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def try_acquire(self, user_id: int, count: int = 1) -> float:
        """0 if `count` more are allowed (and counted, all at once); else seconds
        until they would be. A refused request counts nothing."""
        now = self.clock.monotonic()
        with self._lock:
            events = self._events[user_id]
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if self.limit and len(events) + count > self.limit:
                if count > self.limit:
                    return self.window_s
                oldest_needed = events[len(events) + count - self.limit - 1]
                return self.window_s - (now - oldest_needed)
            events.extend([now] * count)
            return 0.0


class SharedRateLimiter:
    """`RateLimiter` counted in the database: the sends of every process (PostgreSQL).

    Sends are stored as timestamps that other processes compare with their own,
    so they are `clock`'s wall time (epoch seconds), not its monotonic time,
    which is private to one process."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock

    def try_acquire(self, user_id: int, count: int = 1) -> float:
        if not self.limit:
            return 0.0
        return shared_limits.count_sends(
            user_id, count, limit=self.limit, window_s=self.window_s, now=self.clock.wall()
        )


def rate_limiter_for(limit: int, clock: Clock = SYSTEM_CLOCK) -> RateLimiter | SharedRateLimiter:
    """The limiter for this process's database: shared on PostgreSQL (several
    processes), in memory on SQLite (one process); both read `clock`."""
    if is_shared_database():
        return SharedRateLimiter(limit, clock=clock)
    return RateLimiter(limit, clock=clock)


class UsageCaps:
    """`[policy]` caps on what one person keeps and spends; 0 switches one off.

    The 24-hour and 30-day windows end at `clock`'s wall time: answers are
    stored with epoch seconds."""

    def __init__(self, catalog: Catalog, clock: Clock = SYSTEM_CLOCK) -> None:
        self.catalog = catalog
        self.clock = clock
        # Tokens spent where nothing is stored (temporary chats, core/temporary.py):
        # (user id, since) -> [(model id, prompt tokens, completion tokens)].
        self.unstored_spending: Callable[[int, float], list] = lambda _user, _since: []

    def check(
        self, user_id: int, *, adding_bytes: int = 0, adding_files: Sequence[bytes] = ()
    ) -> None:
        """Raise the first cap reached: stored text (with `adding_bytes` more),
        the original files kept (with `adding_files`, those not kept yet), then
        tokens and list-price cost in the last 24 hours and the last 30
        days, each limit as set for this person (core/quotas.py)."""
        policy = self.catalog.policy
        if policy.max_stored_mb:
            cap = policy.max_stored_mb * MEGABYTE
            stored = usage.stored_bytes(user_id)
            if stored >= cap or stored + adding_bytes > cap:
                raise StorageQuotaReached(_amount(policy.max_stored_mb))
        if policy.max_stored_files_mb and adding_files:
            self._check_files(user_id, adding_files, policy.max_stored_files_mb)
        spent_unstored = functools.partial(self.unstored_spending, user_id)
        for allowance in quotas.allowances(
            self.catalog, user_id, self.clock.wall(), only_limited=True, unstored=spent_unstored
        ):
            if allowance.reached:
                raise _REACHED[allowance.measure, allowance.window](_shown(allowance))

    @staticmethod
    def _check_files(user_id: int, adding: Sequence[bytes], cap_mb: float) -> None:
        # Only new files count: a file kept already is referred to, not stored again,
        # so a person at the cap can still send text and the files they keep.
        new = attachment_files.new_bytes(user_id, adding)
        if new and attachment_files.stored_bytes(user_id) + new > cap_mb * MEGABYTE:
            raise FileStorageQuotaReached(_amount(cap_mb))


_REACHED = {
    (quotas.TOKENS, quotas.DAY): TokenQuotaReached,
    (quotas.COST, quotas.DAY): CostQuotaReached,
    (quotas.TOKENS, quotas.MONTH): MonthlyTokenQuotaReached,
    (quotas.COST, quotas.MONTH): MonthlyCostQuotaReached,
}


def _shown(allowance: quotas.Allowance) -> str:
    if allowance.measure == quotas.TOKENS:
        return f"{int(allowance.limit):,}"
    return f"{allowance.limit:.2f}"


def _amount(value: float) -> str:
    return f"{value:g}"
