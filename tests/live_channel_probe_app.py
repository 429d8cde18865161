"""A launcher like serve.py, for tests/test_live_channel.py: the live channel's
routes inside Streamlit's own server (`streamlit run` of an `st.App`), with its
middleware (sessions, XSRF, its gzip) and uvicorn settings, as in the product.

At import it opens a stream for an answer of its own and writes the token to
the file named by LIVE_PROBE_TOKEN_FILE; the answer (LIVE_PROBE_TEXT) is written once the test
reads the stream. (The product's page opens streams from its script instead:
the same module, so the same registry.)
"""

import os
import threading
import time
from pathlib import Path

import streamlit as st

from core.events import Answer
from core.live_channel import ANSWER, LiveChannelRoutes, open_stream
from core.progress import GenerationProgress

PROBE_TEXT = os.environ["LIVE_PROBE_TEXT"]

live_channel = LiveChannelRoutes(lambda markdown: [markdown])
progress = GenerationProgress(4242, user_id=1, conversation_id=None, model_id="probe")
Path(os.environ["LIVE_PROBE_TOKEN_FILE"]).write_text(open_stream(progress, ANSWER))


def _write() -> None:
    while not live_channel.streaming:
        time.sleep(0.02)
    for start in range(0, len(PROBE_TEXT), 9):
        progress.apply(Answer(PROBE_TEXT[start : start + 9]))
        time.sleep(0.005)
    progress.end("complete")


threading.Thread(target=_write, daemon=True).start()

app = st.App("live_channel_probe_page.py", routes=live_channel.routes)
