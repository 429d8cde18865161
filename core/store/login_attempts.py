"""Recent sign-in and sign-up attempts, for throttling guessing and account spam.

Attempts live in the database, not in a session or a process, so the limit
holds across browser tabs, sessions, processes and restarts. They are kept
a day.

An attempt is reserved before the password is checked: the row is written
as a failure, and counted against the limit in the same transaction
(core/store/write_lock.py), so parallel guesses queue up and only as many
as the limit allows go on to the (expensive) password check. A correct
password then marks its row as a success.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from core.store import write_lock
from core.store.db import session
from core.store.models import LoginAttempt

KEEP_S = 86_400.0
SIGN_IN, SIGN_UP = "sign_in", "sign_up"


@dataclass(frozen=True)
class Limits:
    """At most `per_username` failures on one name, `per_ip` from one address, and
    `overall` attempts of this kind from everyone (0: no such limit), in `window_s`."""

    window_s: float
    per_username: int = 0
    per_ip: int = 0
    overall: int = 0


class Refused(Exception):
    """No attempt left; `wait_s` until the oldest counted one leaves the window."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"retry in {wait_s:.0f} s")
        self.wait_s = wait_s


class _Rollback(Exception):
    pass


def reserve(
    kind: str, username: str, ip: str | None, limits: Limits, now: float | None = None
) -> int:
    """Record an attempt as failed, if the limits allow one more; return its id.

    Raises `Refused` (and records nothing) when a limit is reached.
    """
    now = time.time() if now is None else now
    try:
        with session() as db:
            write_lock.hold(db, f"login_attempts:{kind}")
            attempt = LoginAttempt(
                kind=kind, username=username[:64], ip=ip, succeeded=False, attempted_at=now
            )
            db.add(attempt)
            db.flush()  # the write first: on SQLite it takes the database's write lock
            wait = _wait(db, kind, attempt, limits, now)
            if wait > 0:
                raise _Rollback(wait)
            db.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - KEEP_S))
            return attempt.id
    except _Rollback as refused:
        raise Refused(refused.args[0]) from None


def settle(attempt_id: int, succeeded: bool) -> None:
    """The outcome of a reserved attempt (a reserved attempt counts as failed until then)."""
    with session() as db:
        db.execute(
            update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=succeeded)
        )


def cancel(attempt_id: int) -> None:
    """Forget a reserved attempt that never got to check anything (the server was busy)."""
    with session() as db:
        db.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))


def wait_s(
    kind: str, username: str, ip: str | None, limits: Limits, now: float | None = None
) -> float:
    """Seconds until another attempt would be allowed (0: allowed now); records nothing."""
    now = time.time() if now is None else now
    with session() as db:
        probe = LoginAttempt(kind=kind, username=username[:64], ip=ip, id=-1)
        return _wait(db, kind, probe, limits, now)


def _wait(db, kind: str, attempt: LoginAttempt, limits: Limits, now: float) -> float:
    """Seconds the attempt must wait, counting every other attempt in the window."""
    since = now - limits.window_s
    others = (LoginAttempt.kind == kind, LoginAttempt.id != attempt.id)
    waits = [0.0]
    counted = []
    if limits.per_username:
        last_success = db.scalar(
            select(func.max(LoginAttempt.attempted_at)).where(
                *others, LoginAttempt.username == attempt.username, LoginAttempt.succeeded.is_(True)
            )
        )
        failed_on_name = (
            LoginAttempt.username == attempt.username,
            LoginAttempt.succeeded.is_(False),
        )
        counted.append((limits.per_username, max(since, last_success or 0.0), failed_on_name))
    if limits.per_ip and attempt.ip:
        from_ip = (LoginAttempt.ip == attempt.ip,)
        if kind == SIGN_IN:
            from_ip += (LoginAttempt.succeeded.is_(False),)
        counted.append((limits.per_ip, since, from_ip))
    if limits.overall:
        counted.append((limits.overall, since, ()))
    for limit, start, conditions in counted:
        times = _times(db, (*others, *conditions, LoginAttempt.attempted_at > start))
        if len(times) >= limit:
            waits.append(times[-limit] + limits.window_s - now)
    return max(waits)


def _times(db, conditions) -> list[float]:
    return list(
        db.scalars(
            select(LoginAttempt.attempted_at).where(*conditions).order_by(LoginAttempt.attempted_at)
        )
    )
