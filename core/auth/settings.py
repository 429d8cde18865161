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
from ipaddress import IPv4Network, IPv6Network, ip_network

from core.auth.usernames import normalize_username


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
    # Off unless switched on: a shared deployment is by invitation (admins
    # create accounts, or list addresses in allowed_emails for single sign-on).
    allow_signup: bool = False
    # Usernames (accounts) or e-mail addresses (single sign-on) that are
    # admins. When empty, the first account becomes the admin.
    admins: frozenset[str] = field(default_factory=frozenset)
    max_failures: int = 5  # failed sign-ins per username in the window
    max_failures_per_ip: int = 20  # failed sign-ins per address in the window
    failure_window_s: float = 900.0
    max_signups_per_ip: int = 3  # new accounts per address in the sign-up window
    max_signups: int = 30  # new accounts from everyone in the sign-up window
    signup_window_s: float = 3600.0
    # Reverse proxies whose X-Forwarded-For is believed (core/auth/client_address.py).
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # Single sign-on: verified addresses ("bob@example.com") or whole domains
    # ("@example.com") allowed in; empty: anyone the provider vouches for.
    allowed_emails: frozenset[str] = field(default_factory=frozenset)
    session_lifetime_s: float = 7 * 86_400.0  # how long "stay signed in" lasts

    @property
    def multi_user(self) -> bool:
        return self.mode is not AuthMode.NONE

    def is_listed_admin(self, identity: str | None) -> bool:
        return bool(identity) and normalize_username(identity) in self.admins

    def is_allowed_email(self, email: str | None) -> bool:
        """Whether a (verified) address is on the allow-list, by itself or by its domain."""
        if not email or "@" not in email:
            return False
        email = normalize_username(email)
        return email in self.allowed_emails or "@" + email.rsplit("@", 1)[1] in self.allowed_emails


def auth_settings(environ: Mapping[str, str] | None = None) -> AuthSettings:
    """The sign-in settings; `AuthConfigError` for a value that cannot be used.

    An unknown AUTH_MODE is an error rather than "no login": falling back to
    the single local user (an admin) would open a shared deployment to all.
    """
    env = os.environ if environ is None else environ
    raw_mode = env.get("AUTH_MODE", "").strip().lower()
    if raw_mode not in _MODE_NAMES:
        raise AuthConfigError("AUTH_MODE", raw_mode, "none, accounts or oidc")
    return AuthSettings(
        mode=_MODE_NAMES[raw_mode],
        allow_signup=_flag(env, "ALLOW_SIGNUP", default=False),
        admins=frozenset(_names(env, "ADMINS")),
        max_failures=_number(env, "LOGIN_MAX_FAILURES", 5),
        max_failures_per_ip=_number(env, "LOGIN_MAX_FAILURES_PER_IP", 20),
        failure_window_s=float(_number(env, "LOGIN_LOCKOUT_S", 900)),
        max_signups_per_ip=_number(env, "SIGNUP_MAX_PER_IP", 3),
        max_signups=_number(env, "SIGNUP_MAX_PER_WINDOW", 30),
        signup_window_s=float(_number(env, "SIGNUP_WINDOW_S", 3600)),
        trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
        allowed_emails=frozenset(_names(env, "ALLOWED_EMAILS")),
        session_lifetime_s=float(_number(env, "SESSION_LIFETIME_S", 7 * 86_400)),
    )


def _names(env: Mapping[str, str], name: str) -> list[str]:
    """A comma-separated list of names or addresses, in the one spelling names are
    compared in (so ADMINS=Alice matches the account "alice", and not "Ａlice")."""
    return [normalize_username(item) for item in env.get(name, "").split(",") if item.strip()]


def _networks(env: Mapping[str, str], name: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Addresses or CIDR ranges ("10.0.0.0/8, ::1"); a typo stops the app."""
    networks = []
    for item in env.get(name, "").split(","):
        if item.strip():
            try:
                networks.append(ip_network(item.strip(), strict=False))
            except ValueError:
                raise AuthConfigError(name, item.strip(), "IP addresses or CIDR ranges") from None
    return tuple(networks)


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


# Values of [auth] cookie_secret that are examples, not secrets: the one in
# .streamlit/secrets.example.toml (then and now), and the obvious placeholders.
EXAMPLE_COOKIE_SECRETS = frozenset({"a long random string", "change-me", "changeme", "secret"})
MIN_COOKIE_SECRET = 32


def cookie_secret_problem(secret: object) -> bool:
    """True when a cookie secret must not be used: missing, an example, or short.

    Streamlit signs its single sign-on identity cookie with it; a known
    secret lets anyone forge a cookie that says they are the admin.
    """
    if not isinstance(secret, str):
        return True
    text = secret.strip()
    return (
        len(text) < MIN_COOKIE_SECRET
        or text.lower() in EXAMPLE_COOKIE_SECRETS
        or "change-me" in text.lower()
    )
