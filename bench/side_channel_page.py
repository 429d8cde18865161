"""An answer streamed beside Streamlit, for comparison: the page's text arrives
over a plain HTTP route and a small component appends it client-side.

Served by bench/side_channel_app.py (its `st.App` adds the route) and run by
bench/stream_trace.py (never by the app). Like bench/floor_stream_page.py, it
has a chat input and one answer; unlike it, while the answer streams the page
sends no Streamlit message at all: the component (bench/side_channel_live.js,
an `st.components.v2` component mounted once per answer) fetches the answer's
events with a token the page minted and appends text nodes. When the answer
has ended the script replaces the component with the answer rendered as the
product renders a finished answer (core/markdown.prepare_markdown: inert
Markdown), the hand-over a product version would make.
"""

import os

import streamlit as st

from bench import side_channel_stream as channel
from core.markdown import prepare_markdown

CSS = """
.duet-side-block { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 1rem; }
.duet-side-spoken { position: absolute; width: 1px; height: 1px; overflow: hidden;
                    clip-path: inset(50%); white-space: nowrap; }
"""
# BENCH_SIDE_HAND_OVER=0: the streamed text stays as it is (the side channel's
# floor of bytes: the answer is not sent a second time).
HAND_OVER = os.environ.get("BENCH_SIDE_HAND_OVER", "1") != "0"
# BENCH_SIDE_STEP_PX=N: the answer's box grows N pixels at a time (0: with its text).
STEP_PX = int(os.environ.get("BENCH_SIDE_STEP_PX", "0"))
live_answer = st.components.v2.component(
    "duet_side_channel",
    js=channel.STUB,
    css=CSS,
    # In the page's own DOM: no iframe to resize, and the page's font.
    isolate_styles=False,
)

if prompt := st.chat_input("Ask"):
    with st.chat_message("assistant"):
        slot = st.empty()
        answer = channel.start(prompt)
        path = channel.ROUTE.format(answer_id=answer.id)
        with slot:
            live_answer(
                data={"path": path, "token": channel.mint(answer.id), "stepPx": STEP_PX},
                key=answer.id,
            )
        # The script waits without sending anything; the text travels beside it.
        answer.done.wait()
        if HAND_OVER:
            slot.markdown(prepare_markdown(answer.text()))
