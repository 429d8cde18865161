"""Your account: who you are signed in as, your password, signing out."""

from __future__ import annotations

import streamlit as st

from core.auth.accounts import AuthRefused, change_password
from core.store.users import PASSWORD
from ui import auth, state
from ui.bootstrap import ensure_run_through_app
from ui.errors import describe
from ui.share import all_links_section

ensure_run_through_app()
t = state.t()
user = state.current_user()

st.markdown(f"## {t('account.title')}")
st.text(user.display_name)  # whatever the identity provider says: shown as plain text
st.caption(
    " · ".join(
        [
            t(f"account.source.{user.auth_source}"),
            t("account.admin") if user.is_admin else t("account.member"),
        ]
    )
)

if user.auth_source == PASSWORD:
    st.markdown(f"#### {t('account.change_password')}")
    with st.form("change-password", clear_on_submit=True):
        current = st.text_input(
            t("account.current_password"), type="password", max_chars=256, key="pw-current"
        )
        new = st.text_input(
            t("account.new_password"),
            type="password",
            max_chars=256,
            key="pw-new",
            help=t("auth.password_help"),
        )
        again = st.text_input(
            t("account.repeat_password"), type="password", max_chars=256, key="pw-again"
        )
        submitted = st.form_submit_button(t("account.save_password"))
    if submitted:
        if new != again:
            st.error(t("account.passwords_differ"), icon=":material/error:")
        else:
            try:
                # Every session of the account ends, this one too; this tab
                # gets a new one, so only the person who changed it stays in.
                change_password(user.id, user.username, current, new)
                auth.start_session(user)
                st.success(t("account.password_changed"), icon=":material/check:")
            except AuthRefused as refused:
                st.error(describe(t, refused.kind, refused.detail), icon=":material/lock:")

all_links_section(t, user.id)
st.divider()
if st.button(t("account.sign_out"), icon=":material/logout:", key="sign-out"):
    auth.sign_out()
