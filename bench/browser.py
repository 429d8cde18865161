"""What the browser benchmarks share: a paced model server, Streamlit in a
subprocess, headless Chromium and the counters read from it.

* `PacedServer`: a local OpenAI-compatible server (core/demo/server.py) that
  streams a given list of chunks at a given pace and notes, for each chunk
  carrying a marker, the wall-clock time it was written to the socket.
* `StreamlitProcess`: `streamlit run <script>` on a free port with its own
  database and a catalog whose only provider is the paced server.
* `WireCounter`: a TCP relay in front of a Streamlit process that counts the
  bytes the server sends as they travel (after the websocket's compression).
* `chromium()` and `Meter`: Debian's Chromium through Playwright, and per page
  a DevTools session that counts the bytes the server sends over the websocket
  (the messages, as decompressed) and the main thread's busy time.
"""

from __future__ import annotations

import random
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from core.demo.replies import StreamReply, text_stream
from core.demo.server import ChatRequest, LocalOpenAIServer
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, AppServer
from tests.e2e.helpers import IDLE

MODEL = "bench-model"
MARKER_PREFIX = "qz"  # markers look like "qz00042x": plain letters and digits survive Markdown
END = "qzENDx"


# ---------------------------------------------------------------- answers


def marker(index: int) -> str:
    return f"{MARKER_PREFIX}{index:05d}x"


def answer_chunks(count: int, *, marker_every: int = 0, seed: int = 8) -> list[str]:
    """`count` chunks of a Markdown answer (headings, paragraphs, lists, code),
    about one word each, the way models stream. With `marker_every`, every
    so many chunks is a unique marker; the last chunk is always `END`."""
    rng = random.Random(seed)
    words = ["the", "of", "model", "answer", "stream", "token", "reason", "browser", "server",
             "page", "block", "text", "quickly", "settles", "render", "latency", "history",
             "search", "store", "queue", "slot"]  # fmt: skip
    chunks: list[str] = []
    while len(chunks) < count:
        kind = rng.random()
        if kind < 0.12:
            chunks += ["\n\n##", *[f" {rng.choice(words).title()}" for _ in range(3)], "\n\n"]
        elif kind < 0.25:
            for _ in range(rng.randint(3, 6)):
                chunks += ["\n-", *[f" {rng.choice(words)}" for _ in range(rng.randint(4, 10))]]
            chunks.append("\n\n")
        elif kind < 0.32:
            chunks.append("\n\n```python\n")
            for line in range(rng.randint(4, 12)):
                chunks += [f"x{line} =", f" {rng.choice(words)!r}", "\n"]
            chunks.append("```\n\n")
        else:
            for _ in range(rng.randint(2, 6)):  # sentences of 8 to 25 words
                chunks += [f" {rng.choice(words)}" for _ in range(rng.randint(8, 25))]
                chunks.append(".")
            chunks.append("\n\n")
    chunks = chunks[: count - 1]
    if marker_every:
        for index in range(0, len(chunks), marker_every):
            chunks[index] = f" {marker(index)} "
    return [*chunks, f" {END}"]


def markers_in(chunks: list[str]) -> dict[int, str]:
    """Chunk index -> the marker it carries."""
    found = {}
    for index, chunk in enumerate(chunks):
        word = chunk.strip()
        if word.startswith(MARKER_PREFIX) and word.endswith("x"):
            found[index] = word
    return found


# ---------------------------------------------------------------- model server


class PacedServer:
    """Streams the configured answer to every request, one chunk per `delay`.

    The server's own sleeping happens inside the step generator, so the time
    noted for a marker is taken just before its bytes are written.
    """

    def __init__(self) -> None:
        self.chunks: list[str] = ["Hello."]
        self.delay = 0.01
        self.first_delay = 0.0
        self.reasoning: list[str] = []
        self.sent_at: dict[str, float] = {}  # marker -> time.time() when written
        self.first_sent = self.last_sent = 0.0  # time.time() of the first and last chunk
        self.requests = 0
        self._lock = threading.Lock()
        self._server = LocalOpenAIServer(self._respond)

    def configure(
        self,
        chunks: list[str],
        *,
        delay: float,
        first_delay: float = 0.0,
        reasoning: list[str] | None = None,
    ) -> None:
        with self._lock:
            self.chunks, self.delay, self.first_delay = chunks, delay, first_delay
            self.reasoning = reasoning or []
            self.sent_at = {}
            self.first_sent = self.last_sent = 0.0

    def _respond(self, request: ChatRequest) -> StreamReply:
        with self._lock:
            self.requests += 1
            chunks, delay, first, reasoning = (
                self.chunks, self.delay, self.first_delay, self.reasoning
            )  # fmt: skip
        return StreamReply(self._paced(request.model, chunks, delay, first, reasoning))

    def _paced(self, model, chunks, delay, first, reasoning):
        markers = markers_in(chunks)
        offset = len(reasoning)
        steps = text_stream(model, reasoning=reasoning, answer=chunks, usage=(10, len(chunks), 0))
        due = time.monotonic() + first
        for index, step in enumerate(steps):
            if index < offset + len(chunks):
                due += delay if index else 0.0
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            now = time.time()
            if index == 0:
                self.first_sent = now
            if index == offset + len(chunks) - 1:
                self.last_sent = now
            word = markers.get(index - offset)
            if word is not None:
                self.sent_at[word] = now
            yield step

    def start(self) -> PacedServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def base_url(self) -> str:
        return self._server.base_url("bench")


def write_catalog(directory: Path, base_url: str) -> Path:
    """A catalog with one model, served by the paced server."""
    path = directory / "models.toml"
    path.write_text(
        f'default_model = "{MODEL}"\n\n'
        "[policy]\nper_user_generations = 100\nmessages_per_minute = 10000\n\n"
        f'[providers.bench]\nlabel = "Bench server"\nbase_url = "{base_url}"\n\n'
        f'[models.{MODEL}]\nlabel = "Bench model"\n'
        f'routes = [{{ provider = "bench", model = "{MODEL}" }}]\n'
        "context_window = 1000000\nmax_output_tokens = 100000\n",
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------- streamlit


class StreamlitProcess(AppServer):
    """`streamlit run <script>` from the repository root, on a free port, with its
    own database (in a temporary folder unless DATABASE_URL is given)."""

    POLL_S = 0.02  # start-up is measured: notice the server is up at once

    def __init__(self, script: str = "serve.py", **env: str) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="bench-streamlit-")
        super().__init__(Path(self._folder.name), script, DEMO_SPEED="1", **env)
        self.healthy_s = time.monotonic() - self.started

    def memory_kb(self) -> dict[str, int]:
        """Resident memory now (VmRSS) and at its peak so far (VmHWM), in KiB."""
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
        return fields

    def stop(self) -> None:
        super().stop()
        self._folder.cleanup()


class WireCounter:
    """A TCP relay between the browser and a server, counting the bytes the
    server sends as they travel: DevTools reports a websocket's messages once
    inflated, so what permessage-deflate saves is seen only here."""

    CHUNK = 65536

    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._to_browser = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def to_browser(self) -> int:
        with self._lock:
            return self._to_browser

    def _accept(self) -> None:
        while True:
            try:
                browser_side, _ = self._listener.accept()
            except OSError:  # closed
                return
            server_side = socket.create_connection(self._target)
            for source, sink, counted in (
                (browser_side, server_side, False),
                (server_side, browser_side, True),
            ):
                threading.Thread(
                    target=self._pump, args=(source, sink, counted), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(self.CHUNK):
                sink.sendall(data)
                if counted:
                    with self._lock:
                        self._to_browser += len(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._listener.close()


# ---------------------------------------------------------------- browser


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, *, timeout_ms: float = 120_000):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(timeout_ms)
    return context.new_page()


class Meter:
    """Bytes received over the page's websockets and the main thread's busy time.

    Binary websocket frames (Streamlit's protobuf messages) arrive base64
    encoded in `payloadData`; their size is that of the decoded bytes.
    """

    def __init__(self, page) -> None:
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Performance.enable")
        self.bytes = 0
        self.frames = 0
        self.cdp.on("Network.webSocketFrameReceived", self._on_frame)

    def _on_frame(self, event: dict) -> None:
        response = event["response"]
        payload = response.get("payloadData", "")
        if response.get("opcode") == 2:
            size = len(payload) * 3 // 4 - payload[-2:].count("=")
        else:
            size = len(payload.encode())
        self.bytes += size
        self.frames += 1

    def busy_s(self) -> float:
        """Seconds the renderer's main thread has spent running tasks so far."""
        return self._metric("TaskDuration")

    def cpu_s(self) -> float:
        """CPU seconds the renderer's main thread has used so far. Unlike the
        tasks' wall-clock time (busy_s), this leaves out the time the thread
        waited for a core: on a machine loaded by other work, busy_s grows
        and cpu_s does not. (A CPU throttled by DevTools is a waiting thread
        too: the phone-class figures are busy_s.)"""
        return self._metric("ThreadTime")

    def _metric(self, name: str) -> float:
        metrics = self.cdp.send("Performance.getMetrics")["metrics"]
        return next(m["value"] for m in metrics if m["name"] == name)

    def mark(self) -> tuple[int, float, float]:
        return self.bytes, self.busy_s(), time.monotonic()

    def throttle(self, rate: float) -> None:
        """Slow the page's CPU down `rate` times (1: full speed), as DevTools'
        "4x slowdown" does to stand in for a mid-range phone."""
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})


class RouteMeter:
    """Bytes of the answer streams that travel beside the websocket (the
    product's live channel, core/live_channel.py; the benchmark's side channel)
    from DevTools' Network events on the page's session: the response bodies
    as the page read them (`body`) and as they travelled (`wire`: DevTools'
    encoded length, gzip-compressed where the route compressed)."""

    def __init__(self, cdp, paths: tuple[str, ...]) -> None:
        self._paths = paths
        self.requests: set[str] = set()
        self.body = 0
        self.wire = 0
        cdp.on("Network.requestWillBeSent", lambda event: self._on_request(event))
        cdp.on("Network.dataReceived", lambda event: self._on_data(event))

    def _on_request(self, event: dict) -> None:
        if any(path in event["request"]["url"] for path in self._paths):
            self.requests.add(event["requestId"])

    def _on_data(self, event: dict) -> None:
        if event["requestId"] in self.requests:
            self.body += event.get("dataLength", 0)
            self.wire += event.get("encodedDataLength", 0)


def open_page(page, url: str) -> None:
    page.goto(url)
    page.locator('[data-testid="stApp"]').wait_for()
    wait_idle(page)


def wait_idle(page, *, settle_ms: int = 500) -> None:
    """Until the script run is over and stays over for `settle_ms`."""
    while True:
        page.locator(IDLE).wait_for()
        page.wait_for_timeout(settle_ms)
        if page.locator(IDLE).count() == 1:
            return


def send(page, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for()
    page.wait_for_function("el => !el.disabled", arg=box.element_handle())
    box.fill(text)
    box.press("Enter")


def wait_for_text(page, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for()


def new_chat(page) -> None:
    """Our app's "New chat" (the plain page has none: it shows one answer at a time)."""
    button = page.locator(".st-key-new-chat button")
    if button.count():
        button.click()
        wait_idle(page)


def warm_up(page, server: PacedServer) -> None:
    """One short answer with a code block, as a person's first question would be.

    A fresh browser loads Streamlit's code highlighter when the first code
    block appears (0.4-1 s of main-thread work); a person pays that once per
    tab, so it is kept out of the figures (docs/performance.md says so).
    """
    server.configure(answer_chunks(300), delay=0.002)
    send(page, "Warm up.")
    wait_for_text(page, END)
    wait_idle(page)
    new_chat(page)
