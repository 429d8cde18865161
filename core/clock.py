"""Where the runtime reads the time and waits: the system's clock, or a test's.

The worker, the generation's retry loop, the circuit breakers and the progress
timings take a `Clock` instead of calling `time` and `asyncio.sleep`, so their
rules (backoff, budgets, cool-downs, save intervals) are tested on fake time:
fast, exact, and without flakes on a busy machine. The watchdogs (time to first
token, total deadline) are `asyncio` timeouts and follow the event loop's own
clock: they guard real sockets.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds for measuring intervals (never jumps)."""

    def wall(self) -> float:
        """Epoch seconds, for times shown to people and stored."""

    async def sleep(self, seconds: float) -> None:
        """Wait on the running event loop."""


class SystemClock:
    """The real time."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()
