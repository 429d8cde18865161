"""How people sign in, read from the environment (and so from .env and secrets.toml).

Streamlit copies the top-level values of `.streamlit/secrets.toml` into the
environment when it starts, so `AUTH_MODE = "accounts"` there works as well
as `AUTH_MODE=accounts` in the environment or `.env`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class AuthMode(StrEnum):
    NONE = "none"  # one local user: a laptop install
    ACCOUNTS = "accounts"  # usernames and passwords kept by the app
    OIDC = "oidc"  # single sign-on through Streamlit's st.login


_MODE_NAMES = {
    "": AuthMode.NONE,
    "none": AuthMode.NONE,
    "off": AuthMode.NONE,
    "local": AuthMode.NONE,
    "accounts": AuthMode.ACCOUNTS,
    "password": AuthMode.ACCOUNTS,
    "oidc": AuthMode.OIDC,
    "sso": AuthMode.OIDC,
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class AuthConfigError(Exception):
    """A sign-in setting has a value the app cannot use: it must not guess."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"{name}={value!r}: expected {expected}")


@dataclass(frozen=True)
class AuthSettings:
    mode: AuthMode = AuthMode.NONE
    allow_signup: bool = True
    # Usernames (accounts) or e-mail addresses (single sign-on) that are
    # admins. When empty, the first account becomes the admin.
    admins: frozenset[str] = field(default_factory=frozenset)
    max_failures: int = 5  # failed sign-ins per username in the window
    max_failures_per_ip: int = 20  # failed sign-ins per address in the window
    failure_window_s: float = 900.0

    @property
    def multi_user(self) -> bool:
        return self.mode is not AuthMode.NONE

    def is_listed_admin(self, identity: str | None) -> bool:
        return bool(identity) and identity.strip().lower() in self.admins


def auth_settings(environ: Mapping[str, str] | None = None) -> AuthSettings:
    """The sign-in settings; `AuthConfigError` for a value that cannot be used.

    An unknown AUTH_MODE is an error rather than "no login": falling back to
    the single local user (an admin) would open a shared deployment to all.
    """
    env = os.environ if environ is None else environ
    raw_mode = env.get("AUTH_MODE", "").strip().lower()
    if raw_mode not in _MODE_NAMES:
        raise AuthConfigError("AUTH_MODE", raw_mode, "none, accounts or oidc")
    admins = {name.strip().lower() for name in env.get("ADMINS", "").split(",") if name.strip()}
    return AuthSettings(
        mode=_MODE_NAMES[raw_mode],
        allow_signup=_flag(env, "ALLOW_SIGNUP", default=True),
        admins=frozenset(admins),
        max_failures=_number(env, "LOGIN_MAX_FAILURES", 5),
        max_failures_per_ip=_number(env, "LOGIN_MAX_FAILURES_PER_IP", 20),
        failure_window_s=float(_number(env, "LOGIN_LOCKOUT_S", 900)),
    )


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise AuthConfigError(name, raw, "true or false")


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise AuthConfigError(name, raw, "a whole number above 0")
    return int(raw)
