"""Fake time for the runtime (core/clock.py): nothing waits for real.

`FakeClock(auto_advance=True)` moves time forward by the length of each sleep
at once: one generation's retry loop runs its countdowns instantly and a test
reads the exact waits in `sleeps`. With `auto_advance=False` sleepers wait
until the test calls `advance()` (from its own thread; the worker's loop runs
in another), so a test decides when a save interval has passed.
`wall` sets the epoch seconds at the start: `time.time()` for code whose
stamps meet ones the store writes with the real time (the day's usage caps).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass


@dataclass
class _Sleeper:
    wakes_at: float
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future


class FakeClock:
    def __init__(
        self, *, auto_advance: bool = True, start: float = 1_000.0, wall: float = 1_700_000_000.0
    ) -> None:
        self.auto_advance = auto_advance
        self.sleeps: list[float] = []  # every sleep asked for, in order
        self._now = start
        self._wall_offset = wall - start
        self._sleepers: list[_Sleeper] = []
        self._changed = threading.Condition()

    def monotonic(self) -> float:
        with self._changed:
            return self._now

    def wall(self) -> float:
        return self.monotonic() + self._wall_offset

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        if self.auto_advance:
            with self._changed:
                self.sleeps.append(seconds)
            self.advance(seconds)
            await asyncio.sleep(0)  # still a point where the task can be cancelled
            return
        loop = asyncio.get_running_loop()
        sleeper = _Sleeper(0.0, loop, loop.create_future())
        with self._changed:
            self.sleeps.append(seconds)
            sleeper.wakes_at = self._now + seconds
            self._sleepers.append(sleeper)
            self._changed.notify_all()
        try:
            await sleeper.future
        finally:
            with self._changed:
                if sleeper in self._sleepers:
                    self._sleepers.remove(sleeper)
                self._changed.notify_all()

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose time has come."""
        with self._changed:
            self._now += seconds
            due = [s for s in self._sleepers if s.wakes_at <= self._now]
            self._sleepers = [s for s in self._sleepers if s.wakes_at > self._now]
            self._changed.notify_all()
        for sleeper in due:
            sleeper.loop.call_soon_threadsafe(_wake, sleeper.future)

    def wait_for_sleepers(self, count: int = 1, timeout: float = 10.0) -> None:
        """Block until `count` tasks sleep on this clock (a save loop is idle again, say)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._sleepers) >= count, timeout):
                raise TimeoutError(f"{len(self._sleepers)} sleepers, expected {count}")


def _wake(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


def wait_for_progress(progress, predicate, timeout: float = 10.0):
    """The first snapshot of a running generation that satisfies `predicate`.

    Waits on the progress object's own news, not on a timer.
    """
    while not predicate(snapshot := progress.snapshot()):
        if not progress.wait_newer(snapshot.version, timeout):
            raise TimeoutError(f"still {snapshot!r}")
    return snapshot
