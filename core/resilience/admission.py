"""Admission control: a FIFO queue in front of each route's concurrency limit.

Every browser session of the process shares these gates. A request that
finds all slots taken waits in line; its place is its ticket, taken when the
user pressed Send, so a request that comes back after a retry keeps its place
instead of going to the back.

A gate changes only on the worker's event loop (acquire, release), so it needs
no lock: after each change it publishes an immutable `GateView`, and readers on
other threads (the Status page) read the last one published. The gates of
`Admission` are replaced, never changed in place, for the same reason.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from core.catalog import Catalog, Route

PositionCallback = Callable[[int, float], None]  # (place in line from 1, estimated wait s)

DEFAULT_HOLD_S = 10.0  # assumed length of an answer before any was measured


@dataclass(frozen=True)
class GateView:
    key: str
    capacity: int
    active: int
    waiting: int
    avg_hold_s: float


@dataclass(order=True)
class _Waiter:
    ticket: int
    future: asyncio.Future = field(compare=False)
    on_position: PositionCallback | None = field(default=None, compare=False)


class Gate:
    def __init__(self, key: str, capacity: int) -> None:
        self.key = key
        self.capacity = capacity
        self.active = 0
        self._waiters: list[_Waiter] = []
        self._holds: deque[float] = deque(maxlen=20)
        self.avg_hold_s = DEFAULT_HOLD_S
        self._published = GateView(key, capacity, 0, 0, DEFAULT_HOLD_S)

    @property
    def has_room(self) -> bool:
        """A request arriving now would start at once."""
        view = self._published
        return view.active < view.capacity and not view.waiting

    def eta_for(self, position: int) -> float:
        return math.ceil(position / self.capacity) * self.avg_hold_s

    async def acquire(self, ticket: int, on_position: PositionCallback | None = None) -> None:
        ahead = self._waiters and self._waiters[0].ticket < ticket
        if self.active < self.capacity and not ahead:
            self.active += 1
            self._publish()
            return
        waiter = _Waiter(ticket, asyncio.get_running_loop().create_future(), on_position)
        bisect.insort(self._waiters, waiter)
        self._announce_positions()
        try:
            await waiter.future
        except asyncio.CancelledError:
            granted = waiter.future.done() and not waiter.future.cancelled()
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            if granted:
                self.release(None)
            else:
                self._announce_positions()
            raise

    def release(self, held_s: float | None) -> None:
        if held_s is not None:
            self._holds.append(held_s)
            self.avg_hold_s = sum(self._holds) / len(self._holds)
        self.active -= 1
        while self._waiters and self.active < self.capacity:
            waiter = self._waiters.pop(0)
            if waiter.future.done():
                continue
            self.active += 1
            waiter.future.set_result(None)
        self._announce_positions()

    def _announce_positions(self) -> None:
        self._publish()
        for position, waiter in enumerate(list(self._waiters), start=1):
            if waiter.on_position is not None:
                waiter.on_position(position, self.eta_for(position))

    def _publish(self) -> None:
        self._published = GateView(
            self.key, self.capacity, self.active, len(self._waiters), self.avg_hold_s
        )

    def view(self) -> GateView:
        """The gate as it was after its last change (safe from any thread)."""
        return self._published


class Admission:
    """The gate in front of each route: per route, per provider, or none.

    A route's own `max_concurrency` gives it a gate of its own; otherwise
    the provider's `max_concurrency` is shared by all its routes; with
    neither, requests are not limited by the app.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._gates: dict[str, Gate] = {}  # replaced on change: readers see one whole

    def gate_for(self, route: Route) -> Gate | None:
        """The route's gate (made on first use, on the loop); None when the app does
        not limit it."""
        limit = self._limit_of(route)
        if limit is None:
            return None
        key, capacity = limit
        gate = self._gates.get(key)
        if gate is None:
            gate = Gate(key, capacity)
            self._gates = {**self._gates, key: gate}
        return gate

    def view_for(self, route: Route) -> GateView | None:
        """The line in front of a route now; None when the app does not limit it."""
        limit = self._limit_of(route)
        if limit is None:
            return None
        key, capacity = limit
        gate = self._gates.get(key)
        return gate.view() if gate is not None else GateView(key, capacity, 0, 0, DEFAULT_HOLD_S)

    def _limit_of(self, route: Route) -> tuple[str, int] | None:
        return limit_of(self._catalog, route)

    def views(self) -> list[GateView]:
        return [gate.view() for gate in self._gates.values()]


def limit_of(catalog: Catalog, route: Route) -> tuple[str, int] | None:
    """(the gate's key, its number of slots) for a route; None when the app does not limit it."""
    provider = catalog.providers[route.provider]
    if route.max_concurrency:
        return f"route:{route.key}", route.max_concurrency
    if provider.max_concurrency:
        return f"provider:{provider.id}", provider.max_concurrency
    return None
