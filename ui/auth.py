"""Who is signed in, in each of the three ways to run (see core/auth/settings.py).

- none: the single local user, an admin (a laptop install).
- accounts: a sign-in session (core/auth/sessions.py) started by the sign-in
  page after the password was checked. The browser keeps its token in a
  cookie (ui/session_cookie.py), so a reload resumes it; every run checks
  the session is still live, so sign-out or a password change anywhere
  signs every tab out at its next click.
- oidc: Streamlit's `st.user`, from its signed identity cookie, mapped onto a
  row of `users` by issuer and subject.

Session state is kept on the server; a browser can only change the values of
widgets, and no widget uses the keys below.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from core.auth import sessions
from core.auth.accounts import local_user, oidc_user, user_by_id
from core.auth.client_address import client_address as address_behind_proxies
from core.auth.client_address import limit_key
from core.auth.settings import AuthMode, AuthSettings, auth_settings, cookie_secret_problem
from core.errors import RecordNotFound
from core.store.views import UserView
from ui import session_cookie

SIGNED_IN = "auth_session_id"  # accounts: the id of this browser's sign-in session
COOKIE_TO_WRITE = "auth_cookie_to_write"  # accounts: (token, lifetime) not yet in the browser
COOKIE_WRITTEN = "auth_cookie_written"  # accounts: the token this page put in the browser
DEAD_COOKIE = "auth_dead_cookie"  # accounts: a token to drop from the browser after sign-out
SSO_IDENTITY = "auth_sso_identity"  # oidc: (subject, user id) of the mapped user
LOCAL = "user"  # none: the local user's view, cached for the session
KEEP_ON_SIGN_OUT = ("locale",)


def settings() -> AuthSettings:
    return auth_settings()


def signed_in_user(config: AuthSettings | None = None) -> UserView | None:
    """The user of this session, or None when someone has to sign in first."""
    config = config or settings()
    if config.mode is AuthMode.NONE:
        if LOCAL not in st.session_state:
            st.session_state[LOCAL] = local_user()
        return st.session_state[LOCAL]
    if config.mode is AuthMode.ACCOUNTS:
        return _account_user()
    return _sso_user(config)


def _account_user() -> UserView | None:
    session_id = st.session_state.get(SIGNED_IN)
    if session_id is None:  # a new tab or a reload: the browser's cookie, if any
        resumed = sessions.resume(session_cookie.read())
        if resumed is None:
            return None
        session_id, user = resumed
        st.session_state[SIGNED_IN] = session_id
        return user
    user = sessions.user_of(session_id)  # each run: ended or expired signs out now
    if user is None:
        _forget_session()
    return user


def _forget_session() -> None:
    """This page's session ended: forget it, and drop its token from the browser."""
    st.session_state.pop(SIGNED_IN, None)
    pending = st.session_state.pop(COOKIE_TO_WRITE, None)
    written = st.session_state.pop(COOKIE_WRITTEN, None)
    dead = written or (pending[0] if pending else None)
    if dead:
        st.session_state[DEAD_COOKIE] = dead


def _sso_user(config: AuthSettings) -> UserView | None:
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return None
    identity = (str(claims.get("iss") or claims.get("provider") or ""), str(claims.get("sub")))
    cached = st.session_state.get(SSO_IDENTITY)
    if cached and cached[0] == identity:
        try:
            return user_by_id(cached[1])
        except RecordNotFound:
            pass
    user = oidc_user(config, claims)
    st.session_state[SSO_IDENTITY] = (identity, user.id)
    return user


def client_address(config: AuthSettings | None = None) -> str | None:
    """What per-address limits count this browser as (core/auth/client_address.py):
    the peer, or the client named by trusted proxies in X-Forwarded-For."""
    config = config or settings()
    peer = st.context.ip_address  # None for 127.0.0.1 and ::1
    forwarded = st.context.headers.get_all("X-Forwarded-For") if config.trusted_proxies else []
    address = address_behind_proxies(
        peer if isinstance(peer, str) else None, forwarded, config.trusted_proxies
    )
    return limit_key(address)


def start_session(user: UserView, config: AuthSettings | None = None) -> None:
    """After a password was checked: this browser is `user`'s, across reloads too."""
    config = config or settings()
    session_id, token = sessions.start(user.id, config.session_lifetime_s)
    st.session_state[SIGNED_IN] = session_id
    st.session_state[COOKIE_TO_WRITE] = (token, config.session_lifetime_s)
    st.session_state.pop(DEAD_COOKIE, None)


def keep_session_in_browser() -> None:
    """Hand a new session's token to the browser, until it says the cookie is written.

    The key names the session, so a later session's cookie is never taken
    as written because an earlier one was. The token stays in this session's
    (server-side) state, so sign-out can drop it from the browser too.
    """
    pending = st.session_state.get(COOKIE_TO_WRITE)
    if pending is not None:
        key = f"session-cookie-{st.session_state.get(SIGNED_IN)}"
        with st.sidebar:
            if session_cookie.write(*pending, key=key):
                st.session_state.pop(COOKIE_TO_WRITE, None)
                st.session_state[COOKIE_WRITTEN] = pending[0]


def drop_dead_cookie() -> None:
    """On the sign-in page: cookies whose sessions ended are removed from the browser,
    the one this page wrote and the one the browser sent when the page was opened."""
    dead = (st.session_state.get(DEAD_COOKIE), session_cookie.read())
    for index, token in enumerate(dict.fromkeys(t for t in dead if t)):
        session_cookie.clear(token, key=f"session-cookie-clear-{index}")


def sign_out(config: AuthSettings | None = None) -> None:
    """End every session of this user (all browsers), forget everything of this
    one but its language, then leave."""
    config = config or settings()
    session_id = st.session_state.get(SIGNED_IN)
    user = sessions.user_of(session_id) if session_id is not None else None
    if user is not None:
        sessions.end_all(user.id)
    _forget_session()
    for key in list(st.session_state.keys()):
        if key not in (*KEEP_ON_SIGN_OUT, DEAD_COOKIE):
            del st.session_state[key]
    st.query_params.clear()
    if config.mode is AuthMode.OIDC:
        st.logout()  # clears Streamlit's identity cookie and ends the session
    st.rerun()


def sso_providers() -> list[str | None]:
    """The providers configured in secrets.toml [auth]: None is the default one."""
    section = sso_config()
    if section is None:
        return []
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return ([None] if "client_id" in section else []) + named


def weak_cookie_secret() -> bool:
    """Whether [auth] cookie_secret is missing, the example's, or too short to sign
    Streamlit's identity cookie safely (anyone who knows it can forge a sign-in)."""
    section = sso_config()
    return section is not None and cookie_secret_problem(section.get("cookie_secret"))


def sso_config() -> Mapping | None:
    """secrets.toml's [auth] section, or None when single sign-on is not set up."""
    if not st.secrets.load_if_toml_exists():
        return None
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) else None
