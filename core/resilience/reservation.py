"""Answers-at-once slots reserved for every column of a send, or for none.

A comparison sends one answer per column. Checking that the person has room
for all of them and then sending them one by one leaves a gap: another tab
(or another replica) sending in between takes a slot, and the last column is
refused as "too many at once" while the first ones already run. So the worker
reserves the slots of all columns in one step (`Worker.reserve`), and the
sends made while the reservation is held (in the same thread or task: a
context variable says whose they are) use its slots without counting again.

On PostgreSQL several processes count the same person's answers, so the
count-and-reserve step and the sends that fill the reservation take the
person's *turn*: a transaction-level advisory lock on the user and lane. Another
process counting that person's answers meanwhile waits a moment for the
turn, and then sees the stored answers it has to count. A dead process's
turn ends with its connection. On SQLite one process holds every count, and
the worker's own lock is the turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import text

TURN_TIMEOUT = "10s"  # a turn is held for a few inserts; longer means something is stuck


@dataclass
class Reservation:
    """Slots one send holds for its answers; `left` are not filled yet."""

    user_id: int
    lane: str
    left: int


_HELD: ContextVar[Reservation | None] = ContextVar("held_reservation", default=None)


def held(user_id: int, lane: str) -> Reservation | None:
    """The reservation this thread or task holds for the user's lane, while it
    has slots left to fill."""
    reservation = _HELD.get()
    if reservation is None or reservation.user_id != user_id or reservation.lane != lane:
        return None
    return reservation if reservation.left > 0 else None


@contextmanager
def holding(reservation: Reservation) -> Iterator[Reservation]:
    """Make the sends of this thread or task fill `reservation`."""
    token = _HELD.set(reservation)
    try:
        yield reservation
    finally:
        _HELD.reset(token)


def is_holding() -> bool:
    """Whether this thread or task is inside a reservation (it holds the turn)."""
    return _HELD.get() is not None


class Turns:
    """Who may count a person's answers now: on PostgreSQL one session at a time
    across every process; in memory, everyone (the worker's lock suffices)."""

    def __init__(self, *, shared: bool) -> None:
        self.shared = shared
        # Called when a turn has to wait for another holder: lets a test order two
        # senders without sleeping.
        self.on_wait: Callable[[], None] | None = None

    @contextmanager
    def turn(self, user_id: int, lane: str) -> Iterator[None]:
        """The person's turn in one lane (lanes count apart: a batch's starts never
        wait for a comparison's sends)."""
        if not self.shared or is_holding():
            yield  # the holder of a reservation already has the turn
            return
        from core.store.advisory import key31  # PostgreSQL only
        from core.store.db import session

        with session() as db:
            schema = db.scalar(text("SELECT current_schema()"))
            key = {"ns": key31(f"{schema}:answers:{lane}"), "user": user_id}
            db.execute(text(f"SET LOCAL lock_timeout = '{TURN_TIMEOUT}'"))
            if not db.scalar(text("SELECT pg_try_advisory_xact_lock(:ns, :user)"), key):
                if self.on_wait is not None:
                    self.on_wait()
                db.execute(text("SELECT pg_advisory_xact_lock(:ns, :user)"), key)
            yield  # the commit at the end of the session ends the turn
