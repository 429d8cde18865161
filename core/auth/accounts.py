"""Signing up, signing in and single sign-on, mapped onto rows of `users`.

Password sign-in is throttled per username and per address, from attempts
kept in the database (so the limit holds across tabs and restarts); a wrong
username and a wrong password get the same answer after the same time.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
import unicodedata
from collections.abc import Mapping

from core.auth import passwords
from core.auth.settings import AuthSettings
from core.errors import AppError
from core.store import login_attempts
from core.store import users as user_store
from core.store.views import UserView

USERNAME = re.compile(r"^[\w.\-]{3,32}$")
RESERVED = ("local", "admin", "root", "system")
OIDC_PREFIX = "sso-"  # usernames made for single sign-on users; not for sign-up


class AuthRefused(AppError):
    """A sign-up or sign-in that cannot go ahead; `kind` says why."""

    kind = "bad_credentials"


class BadCredentials(AuthRefused):
    kind = "bad_credentials"


class TooManyAttempts(AuthRefused):
    """Too many failed sign-ins; `detail` is the wait in whole minutes."""

    kind = "too_many_attempts"

    def __init__(self, wait_s: float) -> None:
        super().__init__(str(max(1, math.ceil(wait_s / 60))))
        self.wait_s = wait_s


class SignupClosed(AuthRefused):
    kind = "signup_closed"


class InvalidUsername(AuthRefused):
    kind = "invalid_username"


class UsernameUnavailable(AuthRefused):
    kind = "username_taken"


class WeakPassword(AuthRefused):
    kind = "weak_password"


class IdentityIncomplete(AuthRefused):
    """The identity provider sent no subject (`sub`) to recognise the user by."""

    kind = "identity_incomplete"


def normalize_username(name: str) -> str:
    """One spelling per name: compatibility-normalized, trimmed, lower case."""
    return unicodedata.normalize("NFKC", name or "").strip().lower()


def sign_up(
    settings: AuthSettings, username: str, password: str, *, display_name: str = ""
) -> UserView:
    """A new password account. The first one (or a listed admin) is an admin."""
    if not settings.allow_signup:
        raise SignupClosed()
    return create_password_account(settings, username, password, display_name=display_name)


def create_password_account(
    settings: AuthSettings,
    username: str,
    password: str,
    *,
    display_name: str = "",
    role: str | None = None,
) -> UserView:
    """An account with a password, whether sign-up is open or not (admin tools)."""
    name = normalize_username(username)
    if not USERNAME.match(name) or name in RESERVED or name.startswith(OIDC_PREFIX):
        raise InvalidUsername()
    check_password(password)
    try:
        return user_store.create_account(
            name,
            auth_source=user_store.PASSWORD,
            display_name=" ".join(display_name.split())[:128] or name,
            role=role or _listed_role(settings, name),
            first_becomes_admin=role is None and not settings.admins,
            password_hash=passwords.hash_password(password),
        )
    except user_store.UsernameTaken:
        raise UsernameUnavailable() from None


def check_password(password: str) -> None:
    if not passwords.MIN_LENGTH <= len(password or "") <= passwords.MAX_LENGTH:
        raise WeakPassword(str(passwords.MIN_LENGTH))


def sign_in(
    settings: AuthSettings, username: str, password: str, *, ip: str | None = None
) -> UserView:
    """The user whose password this is; `BadCredentials` or `TooManyAttempts` otherwise."""
    name = normalize_username(username)[:64]
    wait = throttle_wait(settings, name, ip)
    if wait:
        raise TooManyAttempts(wait)
    login = user_store.login_of(name) if name else None
    ok = passwords.verify_password(login.password_hash if login else None, password or "")
    login_attempts.record_attempt(name, ip, ok)
    if not ok or login is None:
        raise BadCredentials()
    if passwords.needs_rehash(login.password_hash):
        user_store.set_password_hash(login.user.id, passwords.hash_password(password))
    return _with_listed_role(settings, login.user, name)


def throttle_wait(
    settings: AuthSettings, username: str, ip: str | None, now: float | None = None
) -> float:
    """Seconds until another attempt is allowed (0: allowed now)."""
    now = time.time() if now is None else now
    since = now - settings.failure_window_s
    waits = [0.0]
    failures = login_attempts.failures_for_username(username, since)
    if len(failures) >= settings.max_failures:
        waits.append(failures[-settings.max_failures] + settings.failure_window_s - now)
    if ip:
        failures = login_attempts.failures_from_ip(ip, since)
        if len(failures) >= settings.max_failures_per_ip:
            waits.append(failures[-settings.max_failures_per_ip] + settings.failure_window_s - now)
    return max(waits)


def change_password(user_id: int, username: str, old: str, new: str) -> None:
    """Set a new password after checking the current one."""
    login = user_store.login_of(username)
    if login is None or login.user.id != user_id:
        raise BadCredentials()
    if not passwords.verify_password(login.password_hash, old or ""):
        raise BadCredentials()
    check_password(new)
    user_store.set_password_hash(user_id, passwords.hash_password(new))


def oidc_user(settings: AuthSettings, claims: Mapping[str, object]) -> UserView:
    """The user for a single sign-on identity (`st.user`), created on first sign-in.

    The identity is the issuer plus the `sub` claim: stable for a person at
    one provider, unlike a name or an e-mail address, which can change.
    """
    sub = str(claims.get("sub") or "").strip()
    if not sub:
        raise IdentityIncomplete()
    issuer = str(claims.get("iss") or claims.get("provider") or "default")
    subject = f"{issuer}|{sub}"[:255]
    email = claims.get("email") if claims.get("email_verified") is not False else None
    email = str(email).strip().lower() if email else None
    display_name = " ".join(str(claims.get("name") or email or sub).split())[:128]
    user = user_store.find_by_subject(user_store.OIDC, subject)
    if user is None:
        try:
            user = user_store.create_account(
                OIDC_PREFIX + hashlib.sha256(subject.encode()).hexdigest()[:16],
                auth_source=user_store.OIDC,
                display_name=display_name,
                role=_listed_role(settings, email),
                first_becomes_admin=not settings.admins,
                subject=subject,
            )
        except user_store.UsernameTaken:  # the same person, signing in twice at once
            user = user_store.find_by_subject(user_store.OIDC, subject)
            if user is None:
                raise
    elif display_name != user.display_name:
        user_store.update_profile(user.id, display_name=display_name)
    return _with_listed_role(settings, user_store.get_user(user.id), email)


def _listed_role(settings: AuthSettings, identity: str | None) -> str:
    return user_store.ADMIN if settings.is_listed_admin(identity) else user_store.USER


def _with_listed_role(settings: AuthSettings, user: UserView, identity: str | None) -> UserView:
    """When ADMINS is configured it decides, at every sign-in, who is an admin."""
    if not settings.admins:
        return user
    role = _listed_role(settings, identity)
    if role != user.role:
        user_store.update_profile(user.id, role=role)
        return user_store.get_user(user.id)
    return user
