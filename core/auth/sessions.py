"""Staying signed in across reloads (accounts mode), without trusting the browser.

A session is a random 256-bit token held by the browser in a cookie; the
database keeps only its SHA-256 (core/store/sign_in_sessions.py), with an
expiry. The token is unguessable, so a plain hash is enough (no salt, no
slow hash: nothing to brute-force), and looking it up by hash leaks no
timing about its value. Ending a session deletes its row, so a copied
token is worthless after sign-out, a password change or expiry.
"""

from __future__ import annotations

import hashlib
import secrets

from core.store import sign_in_sessions
from core.store.views import UserView

TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 64  # a cookie longer than a token is not one of ours


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user_id: int, lifetime_s: float) -> tuple[int, str]:
    """A new session: (its id, the token for the browser to keep)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return sign_in_sessions.create(user_id, token_hash(token), lifetime_s), token


def resume(token: str | None) -> tuple[int, UserView] | None:
    """(session id, user) for a token from the browser, if its session is live."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return sign_in_sessions.user_of(token_hash(token))


def user_of(session_id: int) -> UserView | None:
    """The user of a live session (None: it expired or was ended)."""
    return sign_in_sessions.user_of_session(session_id)


def end_all(user_id: int) -> None:
    """Sign the user out everywhere."""
    sign_in_sessions.end_all(user_id)
