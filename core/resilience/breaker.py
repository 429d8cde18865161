"""Per-route circuit breakers, shared by every user of the process.

A route that keeps answering "busy" is skipped by everyone until a cool-down
has passed; then one trial request is let through, and its result closes the
breaker again or re-opens it for another cool-down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerView:
    route_key: str
    state: BreakerState
    failures: int
    retry_in_s: float


class CircuitBreaker:
    def __init__(
        self, threshold: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = max(1, threshold)
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False
        self._lock = threading.Lock()

    def allows(self) -> bool:
        """Whether a request may use the route now (claims the trial if due)."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return True
            if self._state is BreakerState.OPEN:
                if self._clock() - self._opened_at < self.cooldown_s:
                    return False
                self._state = BreakerState.HALF_OPEN
                self._trial_in_flight = False
            if self._trial_in_flight:
                return False
            self._trial_in_flight = True
            return True

    def release_trial(self) -> None:
        """A trial ended with neither success nor busy (cancelled, say)."""
        with self._lock:
            self._trial_in_flight = False

    def record_success(self) -> None:
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._trial_in_flight = False

    def record_busy(self) -> None:
        with self._lock:
            self._failures += 1
            self._trial_in_flight = False
            if self._state is BreakerState.HALF_OPEN or self._failures >= self.threshold:
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()

    def seconds_until_trial(self) -> float:
        with self._lock:
            if self._state is not BreakerState.OPEN:
                return 0.0
            return max(0.0, self.cooldown_s - (self._clock() - self._opened_at))

    def view(self, route_key: str) -> BreakerView:
        retry_in = self.seconds_until_trial()
        with self._lock:
            return BreakerView(route_key, self._state, self._failures, retry_in)


class BreakerBoard:
    """The breakers of every route, created on first use."""

    def __init__(
        self, threshold: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()

    def __getitem__(self, route_key: str) -> CircuitBreaker:
        with self._lock:
            breaker = self._breakers.get(route_key)
            if breaker is None:
                breaker = CircuitBreaker(self.threshold, self.cooldown_s, self._clock)
                self._breakers[route_key] = breaker
            return breaker

    def view_of(self, route_key: str) -> BreakerView:
        """A route's breaker as it stands; closed if the route never failed."""
        with self._lock:
            breaker = self._breakers.get(route_key)
        if breaker is None:
            return BreakerView(route_key, BreakerState.CLOSED, 0, 0.0)
        return breaker.view(route_key)

    def views(self) -> list[BreakerView]:
        with self._lock:
            items = sorted(self._breakers.items())
        return [breaker.view(key) for key, breaker in items]

    def reset(self) -> None:
        """Close every breaker (an operator knows the providers recovered)."""
        with self._lock:
            self._breakers.clear()
