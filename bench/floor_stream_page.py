"""The floor of Streamlit's own cost, for comparison: one Markdown element replaced
four times a second, as our page's live element is, and nothing else on the page
but a chat message and the chat input.

Run by bench/stream_trace.py (never by the app): it streams the answer of the
model server at BENCH_BASE_URL into one `st.empty()`, which shows the newest
~400 characters (our live element's size, ui/live.SEGMENT_CHARS) at most four
times a second (ui/live.MIN_RENDER_GAP_S). What the browser spends here is
what any Streamlit page pays per element update.
"""

import os
import time

import openai
import streamlit as st

GAP_S = 0.25
SHOWN = 400

client = openai.OpenAI(base_url=os.environ["BENCH_BASE_URL"], api_key="not-needed")

if prompt := st.chat_input("Ask"):
    with st.chat_message("assistant"):
        slot = st.empty()
        text, shown_at = "", 0.0
        stream = client.chat.completions.create(
            model=os.environ.get("BENCH_MODEL", "bench-model"),
            messages=[{"role": "user", "content": prompt}],
            stream=True,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
            if time.monotonic() - shown_at >= GAP_S:
                slot.markdown(text[-SHOWN:])
                shown_at = time.monotonic()
        slot.markdown(text[-SHOWN:])
