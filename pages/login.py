"""Signing in: a username and password kept by the app, or single sign-on."""

from __future__ import annotations

import streamlit as st

from core.auth.accounts import AuthRefused, sign_in, sign_up
from core.auth.settings import AuthMode
from core.store.views import UserView
from ui import auth, state
from ui.bootstrap import ensure_run_through_app
from ui.errors import describe
from ui.format import escape_markdown

ensure_run_through_app()
t = state.t()
settings = auth.settings()


def password_form(key: str, *, new_account: bool) -> UserView | None:
    """A sign-in or sign-up form; the user once the password was accepted."""
    # clear_on_submit: the password does not stay in session state afterwards.
    with st.form(key, clear_on_submit=True):
        username = st.text_input(
            t("auth.username"),
            max_chars=64,
            key=f"{key}-username",
            autocomplete="username",
            help=t("auth.username_help") if new_account else None,
        )
        display_name = (
            st.text_input(t("auth.display_name"), max_chars=128, key=f"{key}-display-name")
            if new_account
            else ""
        )
        password = st.text_input(
            t("auth.password"),
            type="password",
            max_chars=256,
            key=f"{key}-password",
            autocomplete="new-password" if new_account else "current-password",
            help=t("auth.password_help") if new_account else None,
        )
        label = t("auth.create_account") if new_account else t("auth.sign_in")
        if not st.form_submit_button(label, type="primary", width="stretch"):
            return None
    try:
        ip = auth.client_address(settings)
        if new_account:
            return sign_up(settings, username, password, display_name=display_name, ip=ip)
        return sign_in(settings, username, password, ip=ip)
    except AuthRefused as refused:
        st.error(describe(t, refused.kind, refused.detail), icon=":material/lock:")
    return None


def password_sign_in() -> None:
    if settings.allow_signup:
        sign_in_tab, sign_up_tab = st.tabs([t("auth.sign_in"), t("auth.create_account")])
    else:
        sign_in_tab, sign_up_tab = st.container(), None
    with sign_in_tab:
        user = password_form("sign-in", new_account=False)
    if sign_up_tab is not None:
        with sign_up_tab:
            user = user or password_form("sign-up", new_account=True)
    else:
        st.caption(t("auth.signup_closed_hint"))
    if user is not None:
        auth.start_session(user, settings)
        st.rerun()


def single_sign_on() -> None:
    providers = auth.sso_providers()
    if not providers:
        st.error(t("auth.sso_not_configured"), icon=":material/settings:")
        return
    for provider in providers:
        name = (provider or t("auth.sso_default")).replace("_", " ").title()
        if st.button(
            t("auth.sign_in_with", provider=escape_markdown(name)),
            key=f"sso-{provider or 'default'}",
            type="primary",
            width="stretch",
            icon=":material/login:",
        ):
            st.login(provider)


st.markdown(f"## {t('auth.title')}")
st.caption(t("auth.subtitle"))
if settings.mode is AuthMode.OIDC:
    single_sign_on()
else:
    password_sign_in()
