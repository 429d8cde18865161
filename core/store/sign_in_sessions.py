"""Signed-in browsers: a session is a row keyed by the SHA-256 of its token.

The token itself (core/auth/sessions.py) is only ever in the browser; a copy
of this table, a backup or a log of its queries cannot be turned back into
a session. Deleting a user's rows signs every browser of theirs out.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, select

from core.store.db import session
from core.store.models import SignInSession, User
from core.store.views import UserView, view_of


def create(user_id: int, token_hash: str, lifetime_s: float, now: float | None = None) -> int:
    """A new session for `user_id`, valid for `lifetime_s`; expired rows go."""
    now = time.time() if now is None else now
    with session() as db:
        db.execute(delete(SignInSession).where(SignInSession.expires_at <= now))
        row = SignInSession(
            user_id=user_id, token_hash=token_hash, created_at=now, expires_at=now + lifetime_s
        )
        db.add(row)
        db.flush()
        return row.id


def user_of(token_hash: str, now: float | None = None) -> tuple[int, UserView] | None:
    """(session id, user) for a live session with this token hash; None when it
    does not exist, has expired or was ended."""
    now = time.time() if now is None else now
    with session() as db:
        found = db.execute(
            select(SignInSession.id, User)
            .join(User, User.id == SignInSession.user_id)
            .where(SignInSession.token_hash == token_hash, SignInSession.expires_at > now)
        ).first()
        return (found[0], view_of(found[1], UserView)) if found else None


def user_of_session(session_id: int, now: float | None = None) -> UserView | None:
    """The user of a live session, by its id (each run of a signed-in page)."""
    now = time.time() if now is None else now
    with session() as db:
        user = db.scalar(
            select(User)
            .join(SignInSession, SignInSession.user_id == User.id)
            .where(SignInSession.id == session_id, SignInSession.expires_at > now)
        )
        return view_of(user, UserView) if user is not None else None


def end_all(user_id: int) -> int:
    """End every session of a user (sign-out, password change); return how many."""
    with session() as db:
        return db.execute(delete(SignInSession).where(SignInSession.user_id == user_id)).rowcount
