"""The live channel (core/live_channel.py): who may read an answer being
written, and what the browser is sent.

A real uvicorn server in a thread serves the channel's Starlette routes; the
tests read it with real HTTP requests (http.client), while a thread applies
core.events to a real GenerationProgress, as the worker does. The Markdown
renderer is injected (the product's is core.live_tree.block_nodes); here it is
one that keeps the Markdown as one text node, so the tests can read it back.
"""

from __future__ import annotations

import http.client
import itertools
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette

from core.events import (
    Answer,
    AnswerWasReasoning,
    Phase,
    Reasoning,
    ReasoningWasAnswer,
    Status,
)
from core.live_channel import (
    ANSWER,
    REASONING,
    ChannelEvents,
    LiveChannelRoutes,
    StreamRegistry,
    accepts_gzip,
    encode_event,
    script_url,
    stream_url,
)
from core.progress import GenerationProgress
from core.secrets import register_secret
from core.store.views import COMPLETE
from core.streaming import close_open_markup, split_settled
from tests.fake_time import FakeClock


def as_text(markdown: str) -> list:
    """A real renderer, simple enough to read back: the Markdown as one text node."""
    return [markdown]


def new_progress(message_id: int = 7) -> GenerationProgress:
    return GenerationProgress(message_id, user_id=1, conversation_id=1, model_id="demo-swift")


# ---------------------------------------------------------------- a real server


class Server:
    """uvicorn serving the channel's routes on a free loopback port, in a thread."""

    def __init__(self, routes: LiveChannelRoutes) -> None:
        self.routes = routes
        self.tokens: list[str] = []  # what must never show up in a log
        # log_config=None: uvicorn's loggers (the access log too) propagate to
        # the root logger, where caplog sees every line the server writes.
        config = uvicorn.Config(
            Starlette(routes=routes.routes), log_config=None, log_level="debug", access_log=True
        )
        self._server = uvicorn.Server(config)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> Server:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        connection.request("GET", path, headers=headers or {})
        return connection.getresponse()


@pytest.fixture
def registry() -> StreamRegistry:
    return StreamRegistry()


@pytest.fixture
def serve(registry: StreamRegistry) -> Iterator:
    servers: list[Server] = []

    def start(**options) -> Server:
        options.setdefault("registry", registry)
        server = Server(LiveChannelRoutes(as_text, **options)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def read_sse(response: http.client.HTTPResponse, *, gzip: bool = False) -> list:
    """Every event and comment until the stream ends: dicts for data events,
    "end" for the end event, the comment's text for a comment."""
    inflater = zlib.decompressobj(31) if gzip else None
    buffer = b""
    items: list = []
    while chunk := response.read1(65536):
        buffer += inflater.decompress(chunk) if inflater else chunk
        while b"\n\n" in buffer:
            raw, buffer = buffer.split(b"\n\n", 1)
            items.append(parse_item(raw.decode()))
    assert buffer == b"", "the stream ended in the middle of an event"
    return items


def parse_item(raw: str):
    if raw.startswith(":"):
        return raw[1:].strip()
    lines = raw.split("\n")
    if lines[0] == "event: end":
        assert lines[1:] == ["data: {}"]
        return "end"
    assert len(lines) == 1 and lines[0].startswith("data: "), raw
    return json.loads(lines[0].removeprefix("data: "))


def events_of(items: list) -> list:
    return [item for item in items if isinstance(item, dict) or item == "end"]


class Screen:
    """What the browser's module shows, built from the events (core/live_channel.py)."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, bool]] = []
        self.tail = ""

    def apply(self, event: dict) -> None:
        if event.get("reset"):
            self.blocks, self.tail = [], ""
        for block in event.get("blocks", []):
            self.blocks.append(("".join(block["nodes"]), block["joins"]))
        if "tail" in event:
            self.tail = "".join(event["tail"])


def feed(progress: GenerationProgress, steps: list, *, gap_s: float = 0.03) -> threading.Thread:
    """Apply events (or end the answer: COMPLETE) from a thread, as the worker does."""

    def run() -> None:
        for step in steps:
            time.sleep(gap_s)
            if step == COMPLETE:
                progress.end(COMPLETE)
            else:
                progress.apply(step)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------- who may read


def test_without_a_token_or_with_a_wrong_one_the_stream_is_refused(serve, registry):
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    server = serve()
    for headers in ({}, auth("not-the-token"), {"Authorization": token}, auth(token + "x")):
        response = server.get("/api/live/7?channel=answer", headers)
        assert response.status == 403
        assert response.getheader("Content-Type").startswith("text/plain")
        assert b"token" in response.read()


def test_the_token_in_the_url_opens_nothing(serve, registry):
    token = registry.open(new_progress(), ANSWER)
    response = serve().get(f"/api/live/7?channel=answer&token={token}")
    assert response.status == 403


def test_a_token_opens_only_its_own_message_and_channel(serve, registry):
    token = registry.open(new_progress(7), ANSWER)
    registry.open(new_progress(8), ANSWER)  # the other message exists
    server = serve()
    assert server.get("/api/live/8?channel=answer", auth(token)).status == 403
    assert server.get("/api/live/7?channel=reasoning", auth(token)).status == 403
    assert server.get("/api/live/7?channel=other", auth(token)).status == 403
    assert server.get("/api/live/x7?channel=answer", auth(token)).status == 403


def test_after_its_answer_is_let_go_a_token_gets_404_then_403():
    clock = FakeClock(auto_advance=False)
    registry = StreamRegistry(clock, keep_done_s=60, keep_open_s=1800, remember_s=600)
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    progress.end(COMPLETE)
    assert registry.find(token, 7, ANSWER) is progress  # seen done now: kept 60 s more
    clock.advance(59)
    assert registry.find(token, 7, ANSWER) is progress
    clock.advance(1)
    access = registry.lookup(token, 7, ANSWER)
    assert access is not None and access.progress is None  # 404: no longer followed
    assert registry.followed() == 0
    clock.advance(600)
    registry.open(new_progress(9), ANSWER)  # each open sweeps
    assert registry.lookup(token, 7, ANSWER) is None  # forgotten: 403
    assert len(registry) == 1


def test_an_answer_still_running_is_let_go_30_minutes_after_its_stream_was_opened():
    clock = FakeClock(auto_advance=False)
    registry = StreamRegistry(clock)
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    clock.advance(30 * 60 - 1)
    assert registry.find(token, 7, ANSWER) is progress
    clock.advance(1)
    assert registry.find(token, 7, ANSWER) is None
    assert registry.lookup(token, 7, ANSWER) is not None  # known: 404, not 403


def test_a_stream_let_go_answers_404_over_http(serve):
    clock = FakeClock(auto_advance=False)
    registry = StreamRegistry(clock, keep_done_s=60)
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    progress.end(COMPLETE)
    registry.find(token, 7, ANSWER)
    clock.advance(61)
    response = serve(registry=registry).get("/api/live/7?channel=answer", auth(token))
    assert response.status == 404
    assert response.getheader("Cache-Control") == "no-store"
    assert b"no longer" in response.read()


def test_tokens_are_unguessable_and_never_repeat(registry):
    tokens = {registry.open(new_progress(), ANSWER) for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(token) >= 32 for token in tokens)  # 24 random bytes, base64


def test_opening_from_many_threads_at_once_loses_no_token(registry):
    progress = new_progress()
    tokens: list[str] = []

    def open_many() -> None:
        for _ in range(200):
            tokens.append(registry.open(progress, ANSWER))

    threads = [threading.Thread(target=open_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(registry) == 1600
    assert all(registry.find(token, 7, ANSWER) is progress for token in tokens)


# ---------------------------------------------------------------- the stream

PARAGRAPH = (
    "The first sentence of a long paragraph runs on for a while, well past the "
    "length at which the stream cuts it into pieces of its own. A second sentence "
    "follows it, long enough again to be a piece of its own when the time comes. "
    "And a third one closes it after all of that writing."
)
ANSWER_TEXT = (
    f"# Title\n\n{PARAGRAPH}\n\n- one\n- two\n\n```python\nprint('hi')\n```\n\nThe **end**."
)


def chunks(text: str, size: int = 9) -> list[Answer]:
    return [Answer(text[i : i + size]) for i in range(0, len(text), size)]


def test_an_answer_streams_as_blocks_in_order_with_a_replaced_tail_then_ends(serve, registry):
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    server = serve()
    response = server.get("/api/live/7?channel=answer", auth(token))
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("X-Accel-Buffering") == "no"
    writer = feed(progress, [*chunks(ANSWER_TEXT), COMPLETE], gap_s=0.01)
    items = read_sse(response)
    writer.join()
    events = events_of(items)
    assert events[-1] == "end"
    final = events[-2]
    assert final["tail"] == []  # the last event settles the tail
    screen = Screen()
    tails = []
    for event in events[:-1]:
        screen.apply(event)
        tails.append(screen.tail)
    split = split_settled(ANSWER_TEXT)
    expected = [(block, i in split.open_ended) for i, block in enumerate(split.settled)]
    expected.append((split.tail, False))
    assert screen.blocks == expected
    assert screen.tail == ""
    assert any(joins for _, joins in screen.blocks), "the paragraph was cut into pieces"
    assert len([t for t in tails if t]) >= 2, "the tail was replaced as text arrived"
    assert all(not event.get("reset") for event in events[:-1])
    assert server.routes.streaming == 0


def test_events_are_spaced_by_the_gap_but_the_first_news_comes_at_once(serve, registry):
    # A gap far longer than a loaded machine's delays, so the test can tell
    # "at once" from "at the next tick" without timing anything closely.
    gap = 3.0
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    response = serve(min_gap_s=gap).get("/api/live/7?channel=answer", auth(token))
    time.sleep(0.5)  # a quiet spell
    sent = time.monotonic()
    writer = feed(progress, [*chunks("word " * 200, 5), COMPLETE], gap_s=0.04)
    arrivals = []
    inflater_buffer = b""
    while chunk := response.read1(65536):
        inflater_buffer += chunk
        while b"\n\n" in inflater_buffer:
            raw, inflater_buffer = inflater_buffer.split(b"\n\n", 1)
            if raw.startswith(b"data: "):
                arrivals.append(time.monotonic())
    writer.join()
    assert arrivals[0] - sent < gap / 2, "the first words after a quiet spell come at once"
    # The last event (the end) goes at once: the test below.
    gaps = [b - a for a, b in itertools.pairwise(arrivals[:-1])]
    assert len(gaps) >= 2  # 8 s of writing
    assert min(gaps) >= gap - 0.1, gaps  # less what the reader's own timing blurs


def test_the_end_of_an_answer_is_sent_at_once_not_at_the_next_tick(serve, registry):
    gap = 3.0  # far longer than a loaded machine's delays (see the test above)
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    response = serve(min_gap_s=gap).get("/api/live/7?channel=answer", auth(token))
    progress.apply(Answer("The first words"))
    received = b""
    while b"first words" not in received:
        received += response.read1(65536)
    progress.apply(Answer(" and the last."))
    ended = time.monotonic()
    progress.end(COMPLETE)
    received = b""
    while b"event: end" not in received:
        received += response.read1(65536)
    assert time.monotonic() - ended < gap / 2, "the end waited for the next tick"
    assert b"the last." in received


def test_the_reasoning_channel_ends_when_the_answer_begins(serve, registry):
    progress = new_progress()
    token = registry.open(progress, REASONING)
    response = serve().get("/api/live/7?channel=reasoning", auth(token))
    steps = [Reasoning("Let me think.\n\nFirst, "), Reasoning("the facts."), Answer("Hello")]
    writer = feed(progress, steps)
    items = read_sse(response)  # returns: the stream ended without the answer being done
    writer.join()
    assert not progress.done
    events = events_of(items)
    assert events[-1] == "end"
    screen = Screen()
    for event in events[:-1]:
        screen.apply(event)
    assert screen.blocks == [("Let me think.", False), ("First, the facts.", False)]
    assert screen.tail == ""


def test_text_taken_back_is_a_reset(serve, registry):
    """A reasoning model's untagged start was the answer all along (or the other
    way round): the channel clears what it showed and shows what there is now."""
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    server = serve(min_gap_s=0.0)
    response = server.get("/api/live/7?channel=answer", auth(token))
    steps = [Answer("Maybe this is the answer.\n\nOr not")]
    writer = feed(progress, steps)
    writer.join()
    time.sleep(0.3)  # seen by the stream
    writer = feed(progress, [AnswerWasReasoning(), Answer("The real answer."), COMPLETE], gap_s=0.2)
    items = read_sse(response)
    writer.join()
    events = events_of(items)
    resets = [event for event in events[:-1] if event.get("reset")]
    assert len(resets) == 1
    screen = Screen()
    for event in events[:-1]:
        screen.apply(event)
    assert screen.blocks == [("The real answer.", False)]


def test_the_reasoning_channel_is_reset_when_its_text_was_the_answer(serve, registry):
    progress = new_progress()
    token = registry.open(progress, REASONING)
    response = serve().get("/api/live/7?channel=reasoning", auth(token))
    writer = feed(progress, [Reasoning("Provisional thoughts"), ReasoningWasAnswer()], gap_s=0.3)
    items = read_sse(response)
    writer.join()
    events = events_of(items)
    assert events[-1] == "end"
    assert events[-2].get("reset") is True
    screen = Screen()
    for event in events[:-1]:
        screen.apply(event)
    assert screen.blocks == [] and screen.tail == ""


def test_gzip_inflates_to_the_same_events(serve, registry):
    plain_progress, zipped_progress = new_progress(7), new_progress(8)
    server = serve()
    plain = server.get("/api/live/7?channel=answer", auth(registry.open(plain_progress, ANSWER)))
    zipped = server.get(
        "/api/live/8?channel=answer",
        {**auth(registry.open(zipped_progress, ANSWER)), "Accept-Encoding": "gzip, deflate"},
    )
    assert plain.getheader("Content-Encoding") is None
    assert zipped.getheader("Content-Encoding") == "gzip"
    # Both progresses get the whole answer before the streams look: same events.
    for progress in (plain_progress, zipped_progress):
        for event in chunks(ANSWER_TEXT):
            progress.apply(event)
        progress.end(COMPLETE)
    assert events_of(read_sse(zipped, gzip=True)) == events_of(read_sse(plain))


def test_each_gzipped_event_can_be_read_as_soon_as_it_arrives(serve, registry):
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    response = serve().get("/api/live/7?channel=answer", {**auth(token), "Accept-Encoding": "gzip"})
    inflater = zlib.decompressobj(31)
    assert inflater.decompress(response.read1(65536)) == b": open\n\n"
    progress.apply(Answer("First words"))
    text = b""
    while b"\n\n" not in text:
        text += inflater.decompress(response.read1(65536))
    assert json.loads(text.removeprefix(b"data: ")) == {"tail": ["First words"]}
    progress.end(COMPLETE)
    response.read()


def test_a_silent_stream_gets_a_keepalive_comment(serve, registry):
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    response = serve(keepalive_s=0.3).get("/api/live/7?channel=answer", auth(token))
    # The answer waits in a queue: its place changes, but nothing is shown.
    queue = [Status(Phase.QUEUED, position=n) for n in range(50, 0, -1)]
    waited = time.monotonic()
    feed(progress, queue, gap_s=0.02).join()
    waited = time.monotonic() - waited
    progress.apply(Answer("Now."))
    progress.end(COMPLETE)
    items = read_sse(response)
    assert items[0] == "open"
    waits = items[1 : items.index(next(i for i in items if isinstance(i, dict)))]
    assert waits and set(waits) == {"wait"}
    assert 2 <= len(waits) <= waited / 0.3 + 1  # one per 0.3 s of silence, not one per poll


def test_the_stream_stops_when_the_reader_goes_away(serve, registry):
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    server = serve()
    response = server.get("/api/live/7?channel=answer", auth(token))
    progress.apply(Answer("Some words"))
    assert response.read1(65536)
    assert server.routes.streaming == 1
    response.close()  # the tab is closed
    deadline = time.monotonic() + 5
    while server.routes.streaming and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.routes.streaming == 0
    assert not progress.done  # the answer itself goes on


def test_the_text_sent_is_the_scrubbed_snapshot(serve, registry):
    key = "sk-live-" + "Zq7Xw3Ev9Rt5Yu1Io8Pa"
    register_secret(key)
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    response = serve().get("/api/live/7?channel=answer", auth(token))
    text = f"Your key is {key}.\n\nAnd again: {key[:10]}"
    writer = feed(progress, [*chunks(text, 4), Answer(key[10:] + " done"), COMPLETE])
    body = b""
    while chunk := response.read1(65536):
        body += chunk
    writer.join()
    assert key.encode() not in body
    assert key[3:].encode() not in body  # nor without its prefix
    assert b"[redacted]" in body


def test_the_token_never_appears_in_the_servers_log(serve, registry, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    # Another test's server (Streamlit's own, in this process) may have given
    # uvicorn's loggers handlers of their own: make them reach caplog again.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    progress = new_progress()
    token = registry.open(progress, ANSWER)
    server = serve()
    server.get("/api/live/7?channel=answer", auth(token + "wrong")).read()
    server.get("/api/live/8?channel=answer", auth(token)).read()
    response = server.get("/api/live/7?channel=answer", auth(token))
    feed(progress, [Answer("Hello."), COMPLETE]).join()
    read_sse(response)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/live/7" in logged, "the access log was captured"
    assert token not in logged
    assert token[:12] not in logged


def test_the_module_is_served_cached_and_is_404_when_missing(serve, tmp_path: Path):
    script = tmp_path / "live_channel.js"
    server = serve(script=script)
    missing = server.get("/api/live-channel.js")
    assert missing.status == 404
    missing.read()
    script.write_text("export default function (component) {}\n")
    response = server.get("/api/live-channel.js")
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/javascript")
    assert response.getheader("Cache-Control") == "max-age=3600"
    assert response.read() == script.read_bytes()


def test_routes_follow_the_base_url_path(registry):
    routes = LiveChannelRoutes(as_text, registry=registry, base_url="/duet/")
    assert [route.path for route in routes.routes] == [
        "/duet/api/live/{message_id}",
        "/duet/api/live-channel.js",
    ]


def test_the_urls_given_to_the_browser_are_the_routes_paths(serve, registry):
    assert stream_url(-3, REASONING) == "/api/live/-3?channel=reasoning"
    assert stream_url(7, ANSWER, "duet/") == "/duet/api/live/7?channel=answer"
    assert script_url("/duet") == "/duet/api/live-channel.js"
    assert script_url() == "/api/live-channel.js"
    with pytest.raises(ValueError):
        stream_url(7, "everything")
    temporary = new_progress(-3)  # a temporary chat's answer has a negative id
    token = registry.open(temporary, REASONING)
    temporary.apply(Answer("Hi"))
    response = serve().get(stream_url(-3, REASONING), auth(token))
    assert response.status == 200
    assert events_of(read_sse(response)) == [{"tail": []}, "end"]  # no reasoning: final at once


def test_gzip_is_used_only_when_the_reader_accepts_it():
    assert accepts_gzip("gzip, deflate, br, zstd")
    assert accepts_gzip("deflate, gzip;q=0.5")
    assert accepts_gzip("*")
    assert not accepts_gzip("")
    assert not accepts_gzip("br")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("gzip;q=0, *")


# ---------------------------------------------------------------- ChannelEvents


def shown_by_stream(texts: list[str], final_at_end: bool = True) -> tuple[list, str]:
    """What ui/live._Stream shows for these successive texts: its blocks (each
    with whether the paragraph goes on inline) and its tail, from the same
    core/streaming calls and the same rules (a shorter text starts over;
    final settles the tail)."""
    blocks: list[tuple[str, bool]] = []
    count, length, tail = 0, 0, ""
    for number, text in enumerate(texts):
        final = final_at_end and number == len(texts) - 1
        if len(text) < length:
            blocks, count = [], 0
        length = len(text)
        split = split_settled(text)
        settled = [*split.settled, split.tail] if final else split.settled
        for index in range(count, len(settled)):
            blocks.append((settled[index], index in split.open_ended))
        count = len(settled)
        tail = "" if final else close_open_markup(split.tail)
    return [(b, j) for b, j in blocks if b.strip()], tail if tail.strip() else ""


def replay(channel_events: ChannelEvents, texts: list[str], final_at_end: bool = True) -> Screen:
    screen = Screen()
    for number, text in enumerate(texts):
        event = channel_events.update_text(text, final=final_at_end and number == len(texts) - 1)
        if event is not None:
            screen.apply(event)
    return screen


SAMPLES = [
    ANSWER_TEXT,
    "量子计算利用量子力学的原理进行计算。" * 30 + "\n\n" + "它的基本单位是量子比特。" * 20,
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\nAfter the table.",
    "```\n" + "code line\n" * 120 + "```\n\nDone.",
    "1. first\n2. second\n\n> quoted **bold** and `code`\n\n" + "x" * 5000,
]


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("size", [1, 7, 64, 1000])
def test_events_rebuild_exactly_what_the_streamlit_path_shows(sample: str, size: int):
    texts = [sample[: end + size] for end in range(0, len(sample), size)]
    # Every intermediate state matches too, not only the end.
    for upto in sorted({1, len(texts) // 3, len(texts) // 2, len(texts)} - {0}):
        screen = replay(ChannelEvents(ANSWER, as_text), texts[:upto], final_at_end=False)
        blocks, tail = shown_by_stream(texts[:upto], final_at_end=False)
        assert (screen.blocks, screen.tail) == (blocks, tail)
    events = ChannelEvents(ANSWER, as_text)
    screen = replay(events, texts)
    assert (screen.blocks, screen.tail) == shown_by_stream(texts)
    assert events.finished


def test_a_shorter_text_starts_over_as_the_streamlit_path_does():
    texts = ["Thinking out loud.\n\nStill", "Thinking out loud.\n\nStill thinking", "", "Answer."]
    screen = replay(ChannelEvents(ANSWER, as_text), texts)
    assert (screen.blocks, screen.tail) == shown_by_stream(texts)


def test_no_event_when_nothing_shown_changed():
    events = ChannelEvents(ANSWER, as_text)
    assert events.update_text("", final=False) is None
    assert events.update_text("Hello", final=False) == {"tail": ["Hello"]}
    assert events.update_text("Hello", final=False) is None
    assert events.update_text("Hello **wor", final=False) == {"tail": ["Hello **wor**"]}
    assert events.update_text("Hello **world**\n\n", final=False) == {
        "blocks": [{"nodes": ["Hello **world**"], "joins": False}],
        "tail": [],
    }
    assert events.update_text("Hello **world**\n\n", final=True) == {"tail": []}
    assert events.finished
    assert events.update_text("Hello **world**\n\nmore", final=True) is None


def test_the_tail_goes_through_close_open_markup_but_settled_blocks_do_not():
    events = ChannelEvents(ANSWER, as_text)
    event = events.update_text("```python\nprint(1)", final=False)
    assert event == {"tail": ["```python\nprint(1)\n```"]}
    event = events.update_text("```python\nprint(1)", final=True)
    assert event == {"blocks": [{"nodes": ["```python\nprint(1)"], "joins": False}], "tail": []}


def test_a_text_changed_before_its_end_starts_over():
    """A key completed mid-stream is scrubbed: the text before its end changes."""
    events = ChannelEvents(ANSWER, as_text)
    events.update_text("Done.\n\nabcdef", final=False)
    event = events.update_text("Done.\n\n[redacted] x", final=False)
    assert event is not None and event["reset"] is True
    assert event["blocks"] == [{"nodes": ["Done."], "joins": False}]


def test_unknown_channels_are_refused(registry):
    with pytest.raises(ValueError):
        ChannelEvents("everything", as_text)
    with pytest.raises(ValueError):
        registry.open(new_progress(), "everything")


def test_streamlit_run_serve_py_serves_it_as_an_app_with_routes():
    """`streamlit run serve.py` reads the file's syntax tree to decide how to
    serve it: as the st.App (app.py plus our routes), not as a page script."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(Path(__file__).resolve().parent.parent / "serve.py")
    assert found.is_asgi_app
    assert found.import_string == "serve:app"


# ---------------------------------------------------------------- behind nginx

NGINX = "/usr/sbin/nginx"
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


@pytest.fixture
def nginx_in_front(serve, tmp_path: Path) -> Iterator[tuple[Server, int]]:
    """deploy/duet.conf.template, rendered as deploy/run-replicas renders it,
    in front of one server of the channel's routes."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (.ci/run installs it)")
    server = serve()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        listen = probe.getsockname()[1]
    (tmp_path / "tmp").mkdir()
    (tmp_path / "nginx.conf").write_text((DEPLOY / "nginx.conf").read_text())
    upstream = f"    server 127.0.0.1:{server.port} max_fails=1 fail_timeout=10s;"
    conf = (DEPLOY / "duet.conf.template").read_text()
    conf = conf.replace("@LISTEN@", f"127.0.0.1:{listen}").replace("@UPSTREAMS@", upstream)
    (tmp_path / "duet.conf").write_text(conf)
    nginx = subprocess.Popen(
        [
            NGINX,
            "-p",
            f"{tmp_path}/",
            "-c",
            f"{tmp_path}/nginx.conf",
            "-e",
            f"{tmp_path}/error.log",
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=0.2).close()
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield server, listen
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
    access_log = (tmp_path / "access.log").read_text()
    assert "/api/live/7" in access_log
    assert not any(token in access_log for token in server.tokens)


def test_behind_nginx_events_arrive_before_the_stream_ends_with_the_route_cookie(
    nginx_in_front, registry
):
    server, listen = nginx_in_front
    for encoding in ("identity", "gzip"):
        progress = new_progress()  # an answer not begun: its first words are news
        token = registry.open(progress, ANSWER)
        server.tokens.append(token)
        connection = http.client.HTTPConnection("127.0.0.1", listen, timeout=20)
        headers = {**auth(token), "Accept-Encoding": encoding}
        connection.request("GET", "/api/live/7?channel=answer", headers=headers)
        response = connection.getresponse()
        assert response.status == 200
        # The first response of a browser sets the cookie that pins it to a replica.
        assert response.getheader("Set-Cookie", "").startswith("duet_route=")
        inflater = zlib.decompressobj(31) if encoding == "gzip" else None
        received = b""
        while b": open\n\n" not in received:
            chunk = response.read1(65536)
            received += inflater.decompress(chunk) if inflater else chunk
        words = f"Words number {encoding} "
        progress.apply(Answer(words))
        applied = time.monotonic()
        received = b""
        while b"\n\n" not in received:
            chunk = response.read1(65536)
            received += inflater.decompress(chunk) if inflater else chunk
        # A buffering proxy would hold these few bytes until the stream ended,
        # which it does not do while the test waits (the bound only guards a hang).
        assert time.monotonic() - applied < 10.0
        assert words.encode() in received
        connection.close()


def test_a_renderer_that_fails_closes_the_stream_without_end_and_the_server_goes_on(
    registry, caplog
):
    def fragile(markdown: str) -> list:
        if "boom" in markdown:
            raise RuntimeError("cannot render this")
        return [markdown]

    caplog.set_level(logging.DEBUG)
    server = Server(LiveChannelRoutes(fragile, registry=registry)).start()
    try:
        progress = new_progress()
        token = registry.open(progress, ANSWER)
        response = server.get("/api/live/7?channel=answer", auth(token))
        feed(progress, [Answer("Fine.\n\nboom")]).join()
        items = read_sse(response)  # returns: the server closed the stream
        assert "end" not in items
        assert server.routes.streaming == 0
        assert "could not render" in caplog.text
        assert token not in caplog.text
        other = registry.open(new_progress(8), ANSWER)
        assert server.get("/api/live/8?channel=answer", auth(other)).status == 200
    finally:
        server.stop()


# ---------------------------------------------------------------- inside Streamlit


PROBE_TEXT = "# Probe\n\nA first paragraph.\n\n" + "Words go on. " * 60 + "\n\nThe end."


def test_inside_streamlits_own_server_the_stream_arrives_gzipped_and_whole(tmp_path: Path):
    """`streamlit run` of an st.App, as serve.py is run: Streamlit's middleware
    (its gzip among them) passes the route's own gzip stream on untouched."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token_file = tmp_path / "token"
    log_file = tmp_path / "streamlit.log"
    root = Path(__file__).resolve().parent.parent
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "tests/live_channel_probe_app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--logger.level",
                "debug",
            ],
            cwd=root,
            env={
                **os.environ,
                "LIVE_PROBE_TOKEN_FILE": str(token_file),
                "LIVE_PROBE_TEXT": PROBE_TEXT,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not token_file.exists() or not token_file.read_text():
            assert process.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, "streamlit did not start"
            time.sleep(0.1)
        token = token_file.read_text()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:  # the server may still be binding its port
            try:
                connection.request(
                    "GET",
                    "/api/live/4242?channel=answer",
                    headers={**auth(token), "Accept-Encoding": "gzip"},
                )
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, log_file.read_text()
                time.sleep(0.1)
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Encoding") == "gzip"
        assert response.getheader("X-Accel-Buffering") == "no"
        events = events_of(read_sse(response, gzip=True))
        assert events[-1] == "end"
        screen = Screen()
        for event in events[:-1]:
            screen.apply(event)
        split = split_settled(PROBE_TEXT)
        assert [block for block, _ in screen.blocks] == [*split.settled, split.tail]
        refused = status_of(port, "/api/live/4242?channel=answer", auth("forged"))
        assert refused == 403
    finally:
        process.terminate()
        process.wait(timeout=20)
    logged = log_file.read_text()
    assert "Found ASGI app" in logged, "Streamlit's log (at debug level) was captured"
    assert token not in logged


def status_of(port: int, path: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def test_a_lone_surrogate_in_the_text_does_not_end_the_stream():
    # A model's JSON may escape half a pair ("\ud83d"): Python keeps it, UTF-8 cannot.
    event = encode_event({"tail": ["before \ud83d after"]})
    assert json.loads(event.removeprefix(b"data: ").decode()) == {"tail": ["before ? after"]}
