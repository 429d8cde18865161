"""Users: every conversation, comparison, vote and batch belongs to one.

Password hashes never leave this module inside a view: `UserView` has no
such field, and `login_of()` is the one reader, for the sign-in check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import RecordNotFound
from core.store import write_lock
from core.store.db import session
from core.store.models import User
from core.store.views import UserView, view_of

LOCAL_USERNAME = "local"
# Where an account comes from: the laptop's single user, an account kept by
# the app (a password), or single sign-on through an identity provider.
LOCAL, PASSWORD, OIDC = "local", "password", "oidc"
ADMIN, USER = "admin", "user"


class UsernameTaken(Exception):
    """Another account already has this username."""


class UsernameTooSimilar(UsernameTaken):
    """Another account has a name the caller's `too_similar` says this one imitates."""


@dataclass(frozen=True)
class Login:
    """What a password sign-in needs to check: the user and the stored hash."""

    user: UserView
    password_hash: str | None


def ensure_user(
    username: str, *, display_name: str = "", role: str = USER, auth_source: str = LOCAL
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
    return ensure_user(LOCAL_USERNAME, display_name="You", role=ADMIN)


def get_user(user_id: int) -> UserView:
    with session() as db:
        user = db.get(User, user_id)
        if user is None:
            raise RecordNotFound(f"user {user_id}")
        return view_of(user, UserView)


def create_account(
    username: str,
    *,
    auth_source: str,
    display_name: str = "",
    role: str = USER,
    first_becomes_admin: bool = False,
    password_hash: str | None = None,
    subject: str | None = None,
    too_similar: Callable[[list[str]], bool] | None = None,
) -> UserView:
    """A new password or single sign-on account; `UsernameTaken` if the name is used.

    With `first_becomes_admin`, the account is an admin when no other
    password or single sign-on account exists yet. With `too_similar`, the
    account is refused (`UsernameTooSimilar`) when it says yes to the other
    usernames of the same length. Both are decided after the row is written,
    in one transaction that holds the write lock (core/store/write_lock.py):
    of two accounts made at the same moment, exactly one sees itself alone,
    and a look-alike cannot slip in beside the name it imitates.
    """
    with session() as db:
        write_lock.hold(db, "users:new-account")
        user = User(
            username=username,
            display_name=display_name or username,
            role=role,
            auth_source=auth_source,
            password_hash=password_hash,
            subject=subject,
            created_at=time.time(),
        )
        db.add(user)
        try:
            db.flush()  # the write first: on SQLite it takes the database's write lock
        except IntegrityError as taken:  # the same name, signed up a moment ago
            raise UsernameTaken(username) from taken
        if too_similar is not None and too_similar(_same_length_names(db, user)):
            raise UsernameTooSimilar(username)
        if first_becomes_admin and not _other_accounts(db, user.id):
            user.role = ADMIN
            db.flush()
        return view_of(user, UserView)


def _other_accounts(db, user_id: int) -> int:
    return db.scalar(
        select(func.count(User.id)).where(
            User.auth_source.in_((PASSWORD, OIDC)), User.id != user_id
        )
    )


def _same_length_names(db, user: User) -> list[str]:
    return list(
        db.scalars(
            select(User.username).where(
                func.length(User.username) == len(user.username), User.id != user.id
            )
        )
    )


def usernames_of_length(length: int) -> list[str]:
    """Every username of `length` characters (a new name must not imitate one)."""
    with session() as db:
        return list(db.scalars(select(User.username).where(func.length(User.username) == length)))


def login_of(username: str) -> Login | None:
    """The password account called `username`, with its hash (for signing in only)."""
    with session() as db:
        user = db.scalar(
            select(User).where(User.username == username, User.auth_source == PASSWORD)
        )
        if user is None:
            return None
        return Login(view_of(user, UserView), user.password_hash)


def find_by_subject(auth_source: str, subject: str) -> UserView | None:
    """The account an identity provider's subject maps onto, if there is one."""
    with session() as db:
        user = db.scalar(
            select(User).where(User.auth_source == auth_source, User.subject == subject)
        )
        return view_of(user, UserView) if user is not None else None


def set_password_hash(user_id: int, password_hash: str) -> None:
    with session() as db:
        db.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


def update_profile(
    user_id: int, *, display_name: str | None = None, role: str | None = None
) -> None:
    """Change what an identity provider or the admin list says about a user."""
    values = {k: v for k, v in {"display_name": display_name, "role": role}.items() if v}
    if values:
        with session() as db:
            db.execute(update(User).where(User.id == user_id).values(**values))
