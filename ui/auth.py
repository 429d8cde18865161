"""Who is signed in, in each of the three ways to run (see core/auth/settings.py).

- none: the single local user, an admin (a laptop install).
- accounts: this session's user id, set by the sign-in page after the password
  was checked; a reload starts a new session, so it asks again.
- oidc: Streamlit's `st.user`, from its signed identity cookie, mapped onto a
  row of `users` by issuer and subject.

Session state is kept on the server; a browser can only change the values of
widgets, and no widget uses the keys below.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from core.auth.accounts import oidc_user
from core.auth.settings import AuthMode, AuthSettings, auth_settings
from core.errors import RecordNotFound
from core.store.users import get_user, local_user
from core.store.views import UserView

SIGNED_IN = "auth_user_id"  # accounts: the id of the user who gave their password
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
    user_id = st.session_state.get(SIGNED_IN)
    if user_id is None:
        return None
    try:
        return get_user(user_id)  # read each run: a removed user is signed out
    except RecordNotFound:
        st.session_state.pop(SIGNED_IN, None)
        return None


def _sso_user(config: AuthSettings) -> UserView | None:
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return None
    identity = (str(claims.get("iss") or claims.get("provider") or ""), str(claims.get("sub")))
    cached = st.session_state.get(SSO_IDENTITY)
    if cached and cached[0] == identity:
        try:
            return get_user(cached[1])
        except RecordNotFound:
            pass
    user = oidc_user(config, claims)
    st.session_state[SSO_IDENTITY] = (identity, user.id)
    return user


def client_address() -> str | None:
    """The browser's IP address as the server sees it (None behind some proxies)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def start_session(user: UserView) -> None:
    """After a password was checked: this session belongs to `user`."""
    st.session_state[SIGNED_IN] = user.id


def sign_out(config: AuthSettings | None = None) -> None:
    """Forget everything of this session but its language, then leave."""
    config = config or settings()
    for key in list(st.session_state.keys()):
        if key not in KEEP_ON_SIGN_OUT:
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


def sso_config() -> Mapping | None:
    """secrets.toml's [auth] section, or None when single sign-on is not set up."""
    if not st.secrets.load_if_toml_exists():
        return None
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) else None
