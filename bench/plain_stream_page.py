"""Streamlit's common chat pattern, for comparison: `st.write_stream` on the SDK's stream.

Run by bench/stream_browser.py (never by the app): it streams the answer of the
model server at BENCH_BASE_URL straight into the page, inside the script run.
"""

import os

import openai
import streamlit as st

client = openai.OpenAI(base_url=os.environ["BENCH_BASE_URL"], api_key="not-needed")

if prompt := st.chat_input("Ask"):
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        stream = client.chat.completions.create(
            model=os.environ.get("BENCH_MODEL", "bench-model"),
            messages=[{"role": "user", "content": prompt}],
            stream=True,
        )
        st.write_stream(stream)
