"""Signing up, signing in and single sign-on, mapped onto rows of `users`.

Password sign-in is throttled per username and per address, sign-up per
address and overall, from attempts kept in the database (so the limits hold
across tabs, processes and restarts). An attempt is reserved before the
password is checked, so parallel guesses queue instead of all slipping under
the limit. A wrong username and a wrong password get the same answer after
the same time. Names are checked by core/auth/usernames.py.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from core.auth import passwords, sessions
from core.auth.settings import AuthSettings
from core.auth.usernames import (
    OIDC_PREFIX,
    legacy_spelling,
    normalize_username,
    problem_with,
)
from core.errors import AppError
from core.store import login_attempts
from core.store import users as user_store
from core.store.views import UserView


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


class TooManySignups(TooManyAttempts):
    kind = "too_many_signups"


class ServerBusy(AuthRefused):
    """Every password-hashing slot stayed taken (core/auth/passwords.py)."""

    kind = "sign_in_busy"


class SignupClosed(AuthRefused):
    kind = "signup_closed"


class InvalidUsername(AuthRefused):
    kind = "invalid_username"


class LookAlikeUsername(InvalidUsername):
    """Mixed scripts, or letter for letter a homoglyph of a protected name."""

    kind = "look_alike_username"


class UsernameUnavailable(AuthRefused):
    kind = "username_taken"


class WeakPassword(AuthRefused):
    kind = "weak_password"


class IdentityIncomplete(AuthRefused):
    """The identity provider sent no subject (`sub`) to recognise the user by."""

    kind = "identity_incomplete"


class EmailNotAllowed(AuthRefused):
    """Single sign-on: no verified address on the allow-list, or sign-up is closed."""

    kind = "email_not_allowed"


def sign_up(
    settings: AuthSettings,
    username: str,
    password: str,
    *,
    display_name: str = "",
    ip: str | None = None,
) -> UserView:
    """A new password account, when sign-up is open; throttled per address and overall.

    The first account (or one listed in ADMINS) is an admin.
    """
    if not settings.allow_signup:
        raise SignupClosed()
    name = _valid_new_name(settings, username)
    if name in settings.admins:  # an admin's account is made by an admin (core.auth add-user)
        raise InvalidUsername()
    check_password(password)
    limits = login_attempts.Limits(
        settings.signup_window_s, per_ip=settings.max_signups_per_ip, overall=settings.max_signups
    )
    with _attempt(login_attempts.SIGN_UP, name, ip, limits, TooManySignups) as settle:
        user = create_password_account(settings, name, password, display_name=display_name)
        settle(True)
        return user


def create_password_account(
    settings: AuthSettings,
    username: str,
    password: str,
    *,
    display_name: str = "",
    role: str | None = None,
) -> UserView:
    """An account with a password, whether sign-up is open or not (admin tools).

    With no `role`, the account is an admin when ADMINS lists it, or, with no
    ADMINS, when it is the first account.
    """
    name = _valid_new_name(settings, username)
    check_password(password)
    password_hash = _hash(password)
    try:
        return user_store.create_account(
            name,
            auth_source=user_store.PASSWORD,
            display_name=" ".join(display_name.split())[:128] or name,
            role=role or _listed_role(settings, name),
            first_becomes_admin=role is None and not settings.admins,
            password_hash=password_hash,
            # Checked again under the lock: a look-alike made at the same moment.
            too_similar=lambda others: problem_with(name, others) is not None,
        )
    except user_store.UsernameTooSimilar:
        raise LookAlikeUsername() from None
    except user_store.UsernameTaken:
        raise UsernameUnavailable() from None


def _valid_new_name(settings: AuthSettings, username: str) -> str:
    """The normalised name, if nobody could mistake it for a reserved name, an
    admin's or an existing account's."""
    name = normalize_username(username)
    problem = problem_with(name, settings.admins)
    if problem is None:
        problem = problem_with(name, user_store.usernames_of_length(len(name)))
    if problem in ("mixed_scripts", "look_alike"):
        raise LookAlikeUsername()
    if problem is not None:
        raise InvalidUsername()
    return name


def check_password(password: str) -> None:
    if not passwords.MIN_LENGTH <= len(password or "") <= passwords.MAX_LENGTH:
        raise WeakPassword(str(passwords.MIN_LENGTH))


def sign_in(
    settings: AuthSettings, username: str, password: str, *, ip: str | None = None
) -> UserView:
    """The user whose password this is; `BadCredentials` or `TooManyAttempts` otherwise.

    The attempt is reserved (and counted) before the password is checked, so
    parallel guesses cannot all slip under the limit.
    """
    name = normalize_username(username)[:64]
    limits = login_attempts.Limits(
        settings.failure_window_s,
        per_username=settings.max_failures,
        per_ip=settings.max_failures_per_ip,
    )
    with _attempt(login_attempts.SIGN_IN, name, ip, limits, TooManyAttempts) as settle:
        login = _login_of(name, username)
        ok = _verify(login.password_hash if login else None, password or "")
        settle(ok and login is not None)
    if not ok or login is None:
        raise BadCredentials()
    if passwords.needs_rehash(login.password_hash):
        user_store.set_password_hash(login.user.id, _hash(password))
    return _with_listed_role(settings, login.user, name)


def _login_of(name: str, typed: str) -> user_store.Login | None:
    if not name:
        return None
    login = user_store.login_of(name)
    legacy = legacy_spelling(typed)[:64]
    if login is None and legacy != name:
        login = user_store.login_of(legacy)
    return login


@contextmanager
def _attempt(
    kind: str,
    name: str,
    ip: str | None,
    limits: login_attempts.Limits,
    refused: type[TooManyAttempts],
) -> Iterator:
    """Reserve an attempt (it counts as failed until settled), or refuse.

    An attempt that could not check anything because the server was busy is
    forgotten, so a crowd does not lock people out.
    """
    try:
        attempt_id = login_attempts.reserve(kind, name, ip, limits)
    except login_attempts.Refused as full:
        raise refused(full.wait_s) from None
    try:
        yield lambda succeeded: login_attempts.settle(attempt_id, succeeded)
    except ServerBusy:
        login_attempts.cancel(attempt_id)
        raise


def throttle_wait(
    settings: AuthSettings, username: str, ip: str | None, now: float | None = None
) -> float:
    """Seconds until another sign-in attempt is allowed (0: allowed now)."""
    limits = login_attempts.Limits(
        settings.failure_window_s,
        per_username=settings.max_failures,
        per_ip=settings.max_failures_per_ip,
    )
    return login_attempts.wait_s(login_attempts.SIGN_IN, username, ip, limits, now)


def change_password(user_id: int, username: str, old: str, new: str) -> None:
    """Set a new password after checking the current one, and end every session
    of the account (a stolen session must not outlive the password)."""
    login = user_store.login_of(username)
    if login is None or login.user.id != user_id:
        raise BadCredentials()
    if not _verify(login.password_hash, old or ""):
        raise BadCredentials()
    check_password(new)
    user_store.set_password_hash(user_id, _hash(new))
    sessions.end_all(user_id)


def _hash(password: str) -> str:
    try:
        return passwords.hash_password(password)
    except passwords.HashingBusy:
        raise ServerBusy() from None


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return passwords.verify_password(password_hash, password)
    except passwords.HashingBusy:
        raise ServerBusy() from None


def local_user() -> UserView:
    """The single user of a laptop install (AUTH_MODE=none), created on first use."""
    return user_store.local_user()


def user_by_id(user_id: int) -> UserView:
    """A user already mapped (single sign-on's cached identity); `RecordNotFound` if gone."""
    return user_store.get_user(user_id)


def oidc_user(settings: AuthSettings, claims: Mapping[str, object]) -> UserView:
    """The user for a single sign-on identity (`st.user`), created on first sign-in.

    The identity is the issuer plus the `sub` claim: stable for a person at
    one provider, unlike a name or an e-mail address, which can change. An
    address counts (for ADMINS and ALLOWED_EMAILS) only when the provider says
    it verified it; with ALLOWED_EMAILS set, only listed addresses or domains
    get in, at every sign-in; with sign-up closed, a new identity gets in only
    when its address is listed there or in ADMINS.
    """
    sub = str(claims.get("sub") or "").strip()
    if not sub:
        raise IdentityIncomplete()
    issuer = str(claims.get("iss") or claims.get("provider") or "default")
    subject = f"{issuer}|{sub}"[:255]
    email = verified_email(claims)
    invited = settings.is_allowed_email(email) or settings.is_listed_admin(email)
    if settings.allowed_emails and not invited:
        raise EmailNotAllowed()
    display_name = " ".join(str(claims.get("name") or email or sub).split())[:128]
    user = user_store.find_by_subject(user_store.OIDC, subject)
    if user is None:
        if not (settings.allow_signup or invited):
            raise EmailNotAllowed()
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


def verified_email(claims: Mapping[str, object]) -> str | None:
    """The e-mail address, lower-cased, when the provider vouches for it; else None."""
    verified = claims.get("email_verified")
    if verified is not True and str(verified).strip().lower() != "true":
        return None  # missing counts as unverified: some providers never check
    email = str(claims.get("email") or "").strip().lower()
    return email or None


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
