"""Duet's launcher: `streamlit run serve.py` serves the whole app plus the live channel.

Why a second entry point: answers being written reach the browser over a
plain HTTP route (`/api/live/<message id>`, core/live_channel.py) and are
appended by a small component, which costs the browser almost nothing, where
every Streamlit element update costs it 10-16 ms of React work
(docs/performance.md, "Issue 19, fourth step"). Streamlit serves routes of
our own only through `st.App`.

`streamlit run serve.py` finds the `st.App` below by reading this file's
syntax tree (streamlit/web/server/app_discovery.py) and serves it with uvicorn,
exactly as `streamlit run app.py` would serve app.py: the same routes and
middleware (XSRF, uploads, the websocket, its compression), the same
.streamlit/config.toml and command-line flags, the same pages. Our routes come
first and authenticate for themselves (Streamlit's XSRF check covers only its
own routes).

`streamlit run app.py` still works: the routes are missing then, pages do not
mount the component (`core.live_channel.routes_served`), and they draw the
answer with Streamlit elements, as before the live channel.
"""

import streamlit as st
from streamlit import config

from core import live_channel as channel
from core import live_tree
from core.websocket_window import use_wide_window

# Streamlit prefixes its own routes with server.baseUrlPath (read by
# `streamlit run` before it imports this file); ours follow it.
live_channel = channel.LiveChannelRoutes(
    live_tree.block_nodes, base_url=config.get_option("server.baseUrlPath")
)
channel.serve_here()
use_wide_window()  # page runs compressed against the run before (core/websocket_window.py)

app = st.App("app.py", routes=live_channel.routes)
