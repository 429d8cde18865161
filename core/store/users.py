"""Users: every conversation, comparison, vote and batch belongs to one."""

from __future__ import annotations

import time

from sqlalchemy import select

from core.errors import RecordNotFound
from core.store.db import session
from core.store.models import User
from core.store.views import UserView, view_of

LOCAL_USERNAME = "local"


def ensure_user(
    username: str, *, display_name: str = "", role: str = "user", auth_source: str = "local"
) -> UserView:
    """The user called `username`, created on first sight."""
    with session() as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(
                username=username,
                display_name=display_name or username,
                role=role,
                auth_source=auth_source,
                created_at=time.time(),
            )
            db.add(user)
            db.flush()
        return view_of(user, UserView)


def local_user() -> UserView:
    """The single user of a laptop install (no login configured)."""
    return ensure_user(LOCAL_USERNAME, display_name="You", role="admin")


def get_user(user_id: int) -> UserView:
    with session() as db:
        user = db.get(User, user_id)
        if user is None:
            raise RecordNotFound(f"user {user_id}")
        return view_of(user, UserView)
