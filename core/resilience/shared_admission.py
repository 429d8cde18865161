"""Admission shared by every process on one PostgreSQL database.

The same interface as core/resilience/admission.py (`gate_for`, `view_for`,
`views`; a gate's `has_room`, `acquire`, `release`, `view`), with the state
in the database instead of memory:

- **Slots** are session-level advisory locks `(namespace of the gate, slot
  number)`, taken with `pg_try_advisory_lock` on this process's dedicated
  session (core/store/advisory.py) and held for the stream's duration. The
  server frees them when a process dies, so a crash never leaks a slot.
- **The line** is the table `slot_waiters`, in arrival order. Only rows of
  live processes count (their process's liveness lock is held), so "#N in
  line" is the same number on every replica and a dead process's waiters
  drop out at once.
- **Waking**: whoever frees a slot or leaves the line NOTIFYs the gate; every
  process's listener wakes its waiters, which look again. A waiter also looks
  every `RECHECK_S` (a lost notification costs a moment, never a slot).

A waiter takes a slot only when fewer live waiters are ahead of it than
slots are free, so the order is first come, first served across processes.
Looking at the line and taking a slot (which leaves the line) happen under
one transaction-level lock per gate, so nobody ever sees a waiter that has
already taken its slot still standing ahead of them (that showed "#2" for a
moment to someone about to start).

The database work of a gate runs on the store's writer thread (the worker
passes it in), which is also the only thread that touches the list of slots
this process holds: taking and giving back are ordered there, so no lock is
needed, and a slot the process already holds is never "taken" a second time
(advisory locks are re-entrant within a session).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import math
import time
from collections import deque

from sqlalchemy import text

from core.catalog import Catalog, Route
from core.errors import StorageError
from core.resilience.admission import DEFAULT_HOLD_S, GateView, PositionCallback, limit_of
from core.store.advisory import HELD_LOCKS_SQL, LIVENESS, Keeper, live_lock_held
from core.store.db import session

log = logging.getLogger(__name__)

RECHECK_S = 2.0  # a waiter looks again this often even without a notification

_LIVE_WAITERS = text(
    f"SELECT w.id FROM slot_waiters w WHERE w.gate = :gate AND {live_lock_held()} ORDER BY w.id"
)
_FORGET_DEAD = text(f"DELETE FROM slot_waiters w WHERE w.gate = :gate AND NOT {live_lock_held()}")
_JOIN = text(
    "INSERT INTO slot_waiters (gate, process_key, queued_at)"
    " VALUES (:gate, :key, :now) RETURNING id"
)
_LEAVE = text("DELETE FROM slot_waiters WHERE id = :id")
# Held until the looking transaction ends: one process at a time looks at a
# gate's line and takes from it.
_ONE_LOOKER = text("SELECT pg_advisory_xact_lock(:namespace, 0)")


class SharedGate:
    """One gate's slots and line, in the database."""

    def __init__(
        self, key: str, capacity: int, keeper: Keeper, writer: concurrent.futures.Executor
    ) -> None:
        self.key = key
        self.capacity = capacity
        self._keeper = keeper
        self._writer = writer  # one thread: the only one touching `_held`
        self._namespace = keeper.namespace(f"slots:{key}")
        self._live = keeper.namespace(LIVENESS)
        self._line = keeper.namespace(f"line:{key}")
        self._held: list[int] = []  # slot numbers this process holds (writer thread only)
        self._holds: deque[float] = deque(maxlen=20)  # this process's measurements (loop)
        self.avg_hold_s = DEFAULT_HOLD_S  # replaced whole: read from any thread

    def eta_for(self, position: int) -> float:
        return math.ceil(position / self.capacity) * self.avg_hold_s

    @property
    def has_room(self) -> bool:
        """A request arriving now would start at once (nobody waits, a slot is free)."""
        active, waiting = self._counts()
        return active < self.capacity and waiting == 0

    def view(self) -> GateView:
        active, waiting = self._counts()
        return GateView(self.key, self.capacity, active, waiting, self.avg_hold_s)

    # ------------------------------------------------------------ waiting

    async def acquire(self, ticket: int, on_position: PositionCallback | None = None) -> None:
        """Wait for a slot in arrival order across processes; hold it until `release`.

        `ticket` orders requests within one process only; across processes
        the line is the order of arrival at the gate.
        """
        loop = asyncio.get_running_loop()
        woken = asyncio.Event()
        unsubscribe = self._keeper.subscribe(
            self._channel, lambda: loop.call_soon_threadsafe(woken.set)
        )
        waiter_id = await self._blocking(self._join)
        announced = None
        try:
            while True:
                woken.clear()
                position = await self._look_or_take(waiter_id)
                if position is None:
                    return
                if on_position is not None and position != announced:
                    announced = position
                    on_position(position, self.eta_for(position))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), RECHECK_S)
        finally:
            unsubscribe()
            await asyncio.shield(self._blocking(self._leave, waiter_id))

    async def _look_or_take(self, waiter_id: int) -> int | None:
        """Take a slot if it is this waiter's turn (None), else its place in line;
        a cancellation while trying never leaks a slot."""
        attempt = asyncio.ensure_future(self._blocking(self._turn, waiter_id))
        try:
            position, slot = await asyncio.shield(attempt)
        except asyncio.CancelledError:
            _, slot = await attempt
            if slot is not None:
                self._writer.submit(self._unlock, slot)
            raise
        return None if slot is not None else position

    def release(self, held_s: float | None) -> None:
        """Free one of this process's slots of the gate and wake the line (on the
        loop; the database work is queued on the writer)."""
        if held_s is not None:
            self._holds.append(held_s)
            self.avg_hold_s = sum(self._holds) / len(self._holds)
        self._writer.submit(self._give_back_one)

    async def _blocking(self, work, *args):
        return await asyncio.get_running_loop().run_in_executor(self._writer, work, *args)

    # ------------------------------------------------------------ database

    @property
    def _channel(self) -> str:
        return f"slots:{self.key}"

    def _join(self) -> int:
        with session() as db:
            return db.scalar(
                _JOIN, {"gate": self.key, "key": self._keeper.process_key, "now": time.time()}
            )

    def _leave(self, waiter_id: int) -> None:
        with session() as db:
            db.execute(_LEAVE, {"id": waiter_id})
            db.execute(_FORGET_DEAD, {"gate": self.key, "live": self._live})
        self._keeper.notify(self._channel)  # those behind move up

    def _turn(self, waiter_id: int) -> tuple[int, int | None]:
        """(place in line, slot taken or None), looked at and taken as one step."""
        slot = None
        try:
            with session() as db:
                db.execute(_ONE_LOOKER, {"namespace": self._line})
                line = list(db.scalars(_LIVE_WAITERS, {"gate": self.key, "live": self._live}))
                held = db.scalar(HELD_LOCKS_SQL, {"namespace": self._namespace})
                ahead = line.index(waiter_id) if waiter_id in line else len(line)
                if ahead < self.capacity - held:
                    slot = self._try_slots()
                    if slot is not None:
                        db.execute(_LEAVE, {"id": waiter_id})
        except Exception:
            if slot is not None:  # taken, but the line never learned it: give it back
                self._unlock(slot)
            raise
        return ahead + 1, slot

    def _counts(self) -> tuple[int, int]:
        """(slots held by all processes, live waiters)."""
        with session() as db:
            held = db.scalar(HELD_LOCKS_SQL, {"namespace": self._namespace})
            waiting = len(list(db.scalars(_LIVE_WAITERS, {"gate": self.key, "live": self._live})))
        return held, waiting

    def _try_slots(self) -> int | None:  # on the writer
        # Advisory locks are re-entrant within a session: a slot this process
        # already holds would be "taken" again, so it is skipped.
        for slot in range(self.capacity):
            if slot in self._held:
                continue
            if self._keeper.try_lock(self._namespace, slot):
                self._held.append(slot)
                return slot
        return None

    def _give_back_one(self) -> None:  # on the writer
        if self._held:
            self._unlock(self._held[-1])

    def _unlock(self, slot: int) -> None:  # on the writer
        if slot in self._held:
            self._held.remove(slot)
        try:
            self._keeper.unlock(self._namespace, slot)
            self._keeper.notify(self._channel)
        except StorageError as exc:  # the session is gone, and the lock went with it
            log.warning("could not free slot %s of %s: %s", slot, self.key, exc)


class SharedAdmission:
    """`Admission` for PostgreSQL: every gate shared by all processes."""

    def __init__(
        self, catalog: Catalog, keeper: Keeper, writer: concurrent.futures.Executor
    ) -> None:
        self._catalog = catalog
        self._keeper = keeper
        self._writer = writer
        self._gates: dict[str, SharedGate] = {}  # replaced on change: readers see one whole

    def gate_for(self, route: Route) -> SharedGate | None:
        limit = limit_of(self._catalog, route)
        if limit is None:
            return None
        key, capacity = limit
        gate = self._gates.get(key)
        if gate is None:
            gate = SharedGate(key, capacity, self._keeper, self._writer)
            # Two threads making the first gate at once (the Status page, the loop)
            # keep one: setdefault on a copy, then the copy replaces the dict.
            gates = dict(self._gates)
            gate = gates.setdefault(key, gate)
            self._gates = gates
        return gate

    def view_for(self, route: Route) -> GateView | None:
        gate = self.gate_for(route)
        return gate.view() if gate is not None else None

    def views(self) -> list[GateView]:
        return [gate.view() for gate in self._gates.values()]
