"""The page of tests/live_channel_probe_app.py (the test reads only its routes)."""

import streamlit as st

st.write("The live channel's probe.")
