"""Recent sign-in attempts, for throttling password guessing.

Attempts live in the database, not in a session or a process, so the limit
holds across browser tabs, sessions and restarts. They are kept a day.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, func, select

from core.store.db import session
from core.store.models import LoginAttempt

KEEP_S = 86_400.0


def record_attempt(username: str, ip: str | None, succeeded: bool, at: float | None = None) -> None:
    at = time.time() if at is None else at
    with session() as db:
        db.add(LoginAttempt(username=username[:64], ip=ip, succeeded=succeeded, attempted_at=at))
        db.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < at - KEEP_S))


def failures_for_username(username: str, since: float) -> list[float]:
    """Times of failed attempts on `username` since `since` and since its last success."""
    with session() as db:
        last_success = db.scalar(
            select(func.max(LoginAttempt.attempted_at)).where(
                LoginAttempt.username == username[:64], LoginAttempt.succeeded.is_(True)
            )
        )
        since = max(since, last_success or 0.0)
        return _failure_times(db, LoginAttempt.username == username[:64], since)


def failures_from_ip(ip: str, since: float) -> list[float]:
    """Times of failed attempts from one address since `since`, on any username."""
    with session() as db:
        return _failure_times(db, LoginAttempt.ip == ip, since)


def _failure_times(db, condition, since: float) -> list[float]:
    return list(
        db.scalars(
            select(LoginAttempt.attempted_at)
            .where(condition, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > since)
            .order_by(LoginAttempt.attempted_at)
        )
    )
