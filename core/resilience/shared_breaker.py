"""Circuit breakers read from the shared attempt log (PostgreSQL, several processes).

The same interface as core/resilience/breaker.py, with no state of its own:
a route's breaker is what the `attempts` table says about it, and every
process writes its attempts there (core/worker.py), so all processes open
and close a route together.

- The breaker is open when the route's latest attempts, back to its last
  success, hold at least `threshold` busy answers (rate limits excepted, as in
  the in-process breaker: a server pacing us says when to come back) and the
  latest of them ended less than `cooldown_s` ago.
- After the cool-down, one trial goes through: its caller holds the route's
  trial lock (an advisory lock on this process's dedicated session), so one
  process, and one request in it, tries. The trial's attempt, logged, closes
  the breaker (a success) or opens it for another cool-down (busy).

"Close all breakers" (the Status page's button) writes the moment it was
pressed per route to `breaker_resets` (Alembic 0014); every process reads the
log from there on, so the button closes the route for all of them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import text

from core.catalog import Catalog
from core.errors import StorageError
from core.resilience.breaker import BreakerState, BreakerView
from core.store.advisory import Keeper
from core.store.db import session
from core.store.shared_switches import reset_breakers

log = logging.getLogger(__name__)

LOOK_BACK = 200  # attempts read per route: far more than any threshold

# Attempts since the route's last reset by hand (breaker_resets), newest first.
_RECENT = text(
    "SELECT outcome, error_kind, started_at, duration_ms FROM attempts"
    " WHERE provider_id = :provider AND upstream_model = :model AND started_at >= COALESCE("
    "(SELECT reset_at FROM breaker_resets WHERE route_key = :route_key), 0)"
    " ORDER BY started_at DESC LIMIT :limit"
)


class SharedBreaker:
    def __init__(self, route_key: str, board: SharedBreakerBoard) -> None:
        self.route_key = route_key
        self._board = board
        self._trial_namespace = board.keeper.namespace(f"trial:{route_key}")
        self._trial_held = False
        self._lock = threading.Lock()

    def allows(self) -> bool:
        """Whether a request may use the route now (claims the trial if one is due)."""
        state, _failures, _retry_in = self._read()
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN:
            return False
        with self._lock:  # advisory locks are re-entrant: one trial per process too
            if self._trial_held:
                return False
            self._trial_held = self._board.keeper.try_lock(self._trial_namespace, 0)
            return self._trial_held

    def release_trial(self) -> None:
        with self._lock:
            if not self._trial_held:
                return
            self._trial_held = False
        try:
            self._board.keeper.unlock(self._trial_namespace, 0)
        except StorageError as exc:  # the session is gone, and the lock went with it
            log.warning("could not end the trial of %s: %s", self.route_key, exc)

    # The attempt itself is logged by the worker; these only end a trial.
    def record_success(self) -> None:
        self.release_trial()

    def record_busy(self) -> None:
        self.release_trial()

    def seconds_until_trial(self) -> float:
        return self._read()[2]

    def view(self, route_key: str | None = None) -> BreakerView:
        state, failures, retry_in = self._read()
        return BreakerView(route_key or self.route_key, state, failures, retry_in)

    def _read(self) -> tuple[BreakerState, int, float]:
        """(state, busy answers since the last success, seconds until a trial)."""
        provider, _, model = self.route_key.partition("/")
        board = self._board
        with session() as db:
            rows = db.execute(
                _RECENT,
                {
                    "provider": provider,
                    "model": model,
                    "route_key": self.route_key,
                    "limit": LOOK_BACK,
                },
            ).all()
        failures, last_end = 0, 0.0
        for outcome, error_kind, started_at, duration_ms in rows:
            if outcome == "ok":
                break
            if outcome == "busy" and error_kind != "rate_limited":
                failures += 1
                last_end = max(last_end, started_at + (duration_ms or 0) / 1000)
        if failures < board.threshold:
            return BreakerState.CLOSED, failures, 0.0
        retry_in = max(0.0, last_end + board.cooldown_s - board.wall())
        return (BreakerState.OPEN if retry_in > 0 else BreakerState.HALF_OPEN), failures, retry_in


class SharedBreakerBoard:
    """`BreakerBoard` for PostgreSQL: every route's breaker read from the attempt log."""

    def __init__(
        self,
        catalog: Catalog,
        keeper: Keeper,
        threshold: int,
        cooldown_s: float,
        wall: Callable[[], float],
    ) -> None:
        self.catalog = catalog
        self.keeper = keeper
        self.threshold = max(1, threshold)
        self.cooldown_s = cooldown_s
        self.wall = wall
        self._breakers: dict[str, SharedBreaker] = {}
        self._lock = threading.Lock()

    def __getitem__(self, route_key: str) -> SharedBreaker:
        with self._lock:
            breaker = self._breakers.get(route_key)
            if breaker is None:
                breaker = self._breakers[route_key] = SharedBreaker(route_key, self)
            return breaker

    def view_of(self, route_key: str) -> BreakerView:
        return self[route_key].view(route_key)

    def route_keys(self) -> list[str]:
        return sorted({r.key for model in self.catalog.models.values() for r in model.routes})

    def views(self) -> list[BreakerView]:
        """Every route of the catalog (another process may have opened any of them)."""
        return [self.view_of(key) for key in self.route_keys()]

    def reset(self) -> None:
        """Forget the failures logged so far, for every process (raises `StorageError`)."""
        keys = set(self.route_keys())
        with self._lock:
            keys |= set(self._breakers)
        reset_breakers(sorted(keys), self.wall())
