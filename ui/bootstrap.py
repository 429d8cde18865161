"""Make sure every page runs through app.py.

Streamlit decides once per process whether the app is a "pages/ directory"
app (multipage v1) or uses `st.navigation`: it assumes v1 whenever a pages/
folder exists, until app.py first calls `st.navigation`. So the first request
of a fresh server that asks for a page's URL directly (a reload of /status
after a restart) would run that page file alone: no sidebar, no page config,
and Streamlit's own page list. A page that finds itself run that way switches
the process to `st.navigation` and reruns; the same URL then goes through
app.py. (tests/app and the browser journeys cover this.)
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_run_through_app() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
