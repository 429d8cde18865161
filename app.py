"""Duet: chat with reasoning models, side by side, even when they are busy.

Entry point: page config, the shared services, who is signed in, navigation
and the sidebar. Run with `streamlit run app.py`.
"""

from __future__ import annotations

import logging

import streamlit as st

from core.auth.accounts import AuthRefused
from core.auth.settings import AuthConfigError, AuthMode
from core.catalog import CatalogError
from core.env_file import load_env_file
from core.errors import StorageError
from core.secrets import install_log_redaction
from ui import auth, state
from ui.errors import describe
from ui.format import escape_markdown
from ui.message import render_kept_text
from ui.secrets import load_secrets
from ui.select_lists import keep_lists_open_while_scrolling
from ui.share import SHARE_PARAM
from ui.sidebar import render_sidebar
from ui.theme import apply_theme

# First: every setting is read from the environment (no import reads one).
load_env_file()
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
install_log_redaction()

st.set_page_config(page_title="Duet", page_icon=":material/auto_awesome:")
apply_theme()
keep_lists_open_while_scrolling()
load_secrets()  # before the catalog is read: provider keys may come from secrets.toml
t = state.t()

try:
    auth_settings = auth.settings()
    if auth_settings.mode is AuthMode.OIDC and auth.weak_cookie_secret():
        st.error(t("auth.weak_cookie_secret"), icon=":material/settings:")
        st.stop()
    state.svc()
    if st.query_params.get(SHARE_PARAM):
        # A share link opens for anyone, signed in or not, and shows nothing else.
        shared_page = st.Page("pages/shared.py", title=t("share.page_title"))
        st.navigation([shared_page], position="hidden").run()
        st.stop()
    user = auth.signed_in_user(auth_settings)
except AuthConfigError as problem:
    st.error(
        t(
            "auth.config_error",
            name=escape_markdown(problem.name),
            value=escape_markdown(str(problem.value)),
            expected=escape_markdown(problem.expected),
        ),
        icon=":material/settings:",
    )
    st.stop()
except CatalogError as problem:
    st.error(
        t(
            "app.catalog_error",
            file=escape_markdown(str(problem.path)),
            problem=escape_markdown(problem.problem),
        ),
        icon=":material/error:",
    )
    st.stop()
except StorageError as problem:
    st.error(
        t("app.storage_error", reason=describe(t, problem.kind, problem.detail)),
        icon=":material/database:",
    )
    st.stop()
except AuthRefused as refused:  # an identity provider's answer we cannot use
    st.error(describe(t, refused.kind, refused.detail), icon=":material/lock:")
    if st.button(t("account.sign_out"), key="sign-out-refused"):
        auth.sign_out()
    st.stop()

if user is None:
    # Nobody signed in yet: the sign-in page is the only page there is.
    if auth_settings.mode is AuthMode.ACCOUNTS:
        auth.drop_dead_cookie()
    st.navigation([st.Page("pages/login.py", title=t("nav.sign_in"))], position="hidden").run()
    st.stop()

chat_page = st.Page("pages/chat.py", title=t("nav.chat"), icon=":material/chat:", default=True)
compare_page = st.Page("pages/compare.py", title=t("nav.compare"), icon=":material/view_column:")
arena_page = st.Page("pages/arena.py", title=t("nav.arena"), icon=":material/swords:")
leaderboard_page = st.Page(
    "pages/leaderboard.py", title=t("nav.leaderboard"), icon=":material/leaderboard:"
)
batch_page = st.Page("pages/batch.py", title=t("nav.batch"), icon=":material/table_rows:")
pages = [chat_page, compare_page, arena_page, leaderboard_page, batch_page]
pages.append(st.Page("pages/usage.py", title=t("nav.usage"), icon=":material/data_usage:"))
if user.is_admin:  # others do not even see it
    pages.append(st.Page("pages/status.py", title=t("nav.status"), icon=":material/monitor_heart:"))
if auth_settings.multi_user:
    pages.append(st.Page("pages/account.py", title=t("nav.account"), icon=":material/person:"))
navigation = st.navigation(pages, position="top")
sending_pages = (chat_page, compare_page, arena_page, batch_page)
# Side-by-side pages need the width; set once per run, before the page draws.
wide = navigation in (compare_page, arena_page, leaderboard_page, batch_page)
st.set_page_config(layout="wide" if wide else "centered")
auth.keep_session_in_browser()  # a new sign-in's token, to the browser's cookie
try:
    if navigation in sending_pages and not state.catalog().models:
        # Every model is in groups this person is not in (core/access.py).
        st.error(t("errors.no_model_open"), icon=":material/block:")
        st.stop()
    render_sidebar(chat_page)
    navigation.run()
except StorageError as problem:  # the database broke while the app runs
    st.error(describe(t, problem.kind, problem.detail), icon=":material/database:")
    typed = st.session_state.get("chat-input")
    typed = getattr(typed, "text", typed)  # the chat input takes files: its value has .text
    if typed:  # what was just sent must not be lost with the database
        st.caption(t("chat.unsent"))
        render_kept_text(typed)
