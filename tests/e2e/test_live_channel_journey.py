"""The chat's answer streams beside Streamlit, and falls back when it cannot.

While an answer is written, its text travels over the app's own route
(core/live_channel.py) and a component draws it (ui/live_channel.js): the
websocket stays almost silent, which is what keeps the browser's main thread
free (docs/performance.md). When the browser cannot read that route, or the
app is started without it (`streamlit run app.py`), the answer is drawn by
Streamlit as before. Either way the person sees the whole answer, formatted.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import AppServer
from tests.e2e.helpers import last_answer, open_app, send, wait_idle

LONG = "Write a long detailed essay about tortoises"


def _count_frames(page) -> list[bytes | str]:
    """The messages the server sends over the page's websocket, as they arrive."""
    frames: list[bytes | str] = []
    # Lambdas: Playwright cannot take a builtin method as a handler.
    page.on(
        "websocket",
        lambda socket: socket.on("framereceived", lambda payload: frames.append(payload)),
    )
    return frames


def _streamed_in_pieces(page) -> set[int]:
    """How long the answer's text was at a few moments while it streamed."""
    answer = last_answer(page)
    lengths = set()
    for _ in range(10):
        lengths.add(len(answer.inner_text()))
        page.wait_for_timeout(150)
    return lengths


def test_the_answer_streams_over_the_live_channel_while_the_websocket_rests(page, app_server):
    frames = _count_frames(page)  # before the page opens its websocket
    open_app(page, app_server.url)
    send(page, "Warm up")  # the first page runs of a fresh session are not the stream's
    wait_idle(page)
    page.get_by_role("button", name="New chat").click()
    wait_idle(page)
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if "/api/live/" in r.url else None)
    send(page, LONG)
    live = last_answer(page).locator(".duet-live").last
    expect(live).to_contain_text(re.compile(r"\w{4,}"), timeout=30_000)
    during_start, started = len(frames), time.monotonic()
    lengths = _streamed_in_pieces(page)
    rate = (len(frames) - during_start) / (time.monotonic() - started)
    assert len(lengths) >= 4, "the answer should grow in place while it streams"
    assert any("channel=answer" in url for url in streams)
    # The page's loop sends only the status line and the screen reader's
    # batches (0.6 a second measured); drawing the text with Streamlit elements
    # sent 5-8 a second.
    assert rate < 2.5, f"{rate:.1f} websocket messages a second while the answer streamed"
    wait_idle(page, timeout=90_000)
    # The finished answer is Streamlit's Markdown, with its footer, as before.
    expect(last_answer(page).locator(".duet-live")).to_have_count(0)
    expect(last_answer(page)).to_contain_text("Demo Thinker · offline")


def test_an_unreadable_channel_falls_back_to_streamlit_and_loses_nothing(page, app_server):
    # A proxy that refuses the route, say: the browser cannot read the stream.
    page.route("**/api/live/**", lambda route: route.abort())
    open_app(page, app_server.url)
    send(page, LONG)
    expect(page.get_by_text("Thinking…")).to_be_visible(timeout=30_000)
    assert len(_streamed_in_pieces(page)) >= 3, "the page should draw the stream itself"
    wait_idle(page, timeout=90_000)
    answer = last_answer(page)
    expect(answer).to_contain_text("tortoise")
    expect(answer).to_contain_text("Demo Thinker · offline")
    expect(answer.locator(".duet-live")).to_have_count(0)


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory):
    server = AppServer(tmp_path_factory.mktemp("plain"), script="app.py")
    yield server
    server.stop()


def test_started_without_serve_py_the_answer_still_streams(browser, plain_server):
    page = browser.new_page()
    streams: list[str] = []
    page.on("request", lambda r: streams.append(r.url) if "/api/live" in r.url else None)
    try:
        open_app(page, plain_server.url)
        send(page, LONG)
        expect(page.get_by_text("Thinking…")).to_be_visible(timeout=30_000)
        assert len(_streamed_in_pieces(page)) >= 3
        wait_idle(page, timeout=90_000)
        expect(last_answer(page)).to_contain_text("Demo Thinker · offline")
        assert streams == []  # nothing tried the route that is not there
    finally:
        page.close()
