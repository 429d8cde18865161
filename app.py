"""Duet: chat with reasoning models, side by side, even when they are busy.

Entry point: page config, the shared services, navigation and the sidebar.
Run with `streamlit run app.py`.
"""

from __future__ import annotations

import logging

import streamlit as st

from core.catalog import CatalogError
from core.errors import StorageError
from ui import state
from ui.sidebar import render_sidebar
from ui.theme import apply_theme

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="Duet", page_icon=":material/auto_awesome:")
apply_theme()
t = state.t()

try:
    state.svc()
except CatalogError as problem:
    st.error(
        t("app.catalog_error", file=problem.path, problem=problem.problem), icon=":material/error:"
    )
    st.stop()
except StorageError as problem:
    st.error(t("app.storage_error", detail=problem.detail), icon=":material/database:")
    st.stop()

chat_page = st.Page("pages/chat.py", title=t("nav.chat"), icon=":material/chat:", default=True)
compare_page = st.Page("pages/compare.py", title=t("nav.compare"), icon=":material/view_column:")
arena_page = st.Page("pages/arena.py", title=t("nav.arena"), icon=":material/swords:")
leaderboard_page = st.Page(
    "pages/leaderboard.py", title=t("nav.leaderboard"), icon=":material/leaderboard:"
)
batch_page = st.Page("pages/batch.py", title=t("nav.batch"), icon=":material/table_rows:")
status_page = st.Page("pages/status.py", title=t("nav.status"), icon=":material/monitor_heart:")
navigation = st.navigation(
    [chat_page, compare_page, arena_page, leaderboard_page, batch_page, status_page],
    position="top",
)
# Side-by-side pages need the width; set once per run, before the page draws.
wide = navigation in (compare_page, arena_page, leaderboard_page, batch_page)
st.set_page_config(layout="wide" if wide else "centered")
render_sidebar(chat_page)
navigation.run()
