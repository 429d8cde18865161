"""Launcher of the side-channel benchmark page: Streamlit plus one HTTP route.

`streamlit run bench/side_channel_app.py` finds the `st.App` below (by reading
this file's syntax tree, streamlit/web/server/app_discovery.py) and serves it
with uvicorn: Streamlit's own routes and middleware, the same configuration
(.streamlit/config.toml), and our route in front of them. The page itself is
bench/side_channel_page.py. Run by bench/stream_trace.py (never by the app).
"""

import streamlit as st
from starlette.routing import Route

from bench.side_channel_stream import ROUTE, SCRIPT_ROUTE, answer_stream, live_script

app = st.App(
    "side_channel_page.py",
    routes=[Route(ROUTE, answer_stream), Route(SCRIPT_ROUTE, live_script)],
)
