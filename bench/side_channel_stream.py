"""The server half of the side-channel benchmark page: answers streamed over a
plain HTTP route instead of as Streamlit element updates.

Run inside the Streamlit process started from bench/side_channel_app.py (never
by the app). The page script (bench/side_channel_page.py) starts an answer
here, mints a token for it and mounts a small component; the component fetches
`/api/answer-stream/<id>` with the token and appends the text to the page
itself, so no Streamlit message travels per chunk. Both the route (imported by
uvicorn with the launcher) and the page script (run by Streamlit's script
runner) import this module, so they share one process-wide registry.

What a product version would need beyond this is in docs/performance.md
("Issue 19, fourth step: a side channel").
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import openai
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse

ROUTE = "/api/answer-stream/{answer_id}"
SCRIPT_ROUTE = "/api/side-channel-live.js"
SCRIPT = Path(__file__).with_name("side_channel_live.js")
# What the page mounts: a stub that imports the component's code from SCRIPT_ROUTE.
# Inline code travels inside every mount's element message (3 kB per answer); a
# module URL is fetched once per tab and cached, as a packaged component's is.
# (Streamlit takes a one-line string holding "/" for a file path: hence two lines.)
STUB = (
    "// bench/side_channel_live.js\n"
    "export default async (c) => (await import("
    f'new URL("{SCRIPT_ROUTE}", document.baseURI).href)).default(c);'
)
# How often the route sends what arrived since its last event. One event is one
# task in the browser (read, append, a frame), so this is the page's update rate;
# half of it is added to the median chunk -> visible delay.
GAP_S = float(os.environ.get("BENCH_SIDE_GAP_MS", "100")) / 1000
# BENCH_SIDE_GZIP=1: each event gzip-compressed with a sync flush, so it leaves at
# once and the browser inflates it as it comes (Starlette's GZipMiddleware would
# hold small writes back; it passes a response that has its own encoding).
GZIP = os.environ.get("BENCH_SIDE_GZIP", "0") == "1"
TOKEN_TTL_S = 600  # a token opens its answer's stream for this long after the page minted it
# Per process: tokens are good only on the replica that minted them. A product
# shares the key across replicas (see docs/performance.md).
_KEY = secrets.token_bytes(32)


@dataclass
class Answer:
    """One answer being written: its text so far and whether it has ended."""

    id: str
    pieces: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, piece: str) -> None:
        with self._lock:
            self.pieces.append(piece)

    def text(self) -> str:
        with self._lock:
            joined = "".join(self.pieces)
            self.pieces[:] = [joined]
            return joined


_answers: dict[str, Answer] = {}
_answers_lock = threading.Lock()


def start(prompt: str) -> Answer:
    """Start streaming the model server's answer to `prompt` in a thread of its own."""
    answer = Answer(id=secrets.token_urlsafe(12))
    with _answers_lock:
        _answers[answer.id] = answer
    threading.Thread(target=_produce, args=(answer, prompt), daemon=True).start()
    return answer


def find(answer_id: str) -> Answer | None:
    with _answers_lock:
        return _answers.get(answer_id)


def _produce(answer: Answer, prompt: str) -> None:
    client = openai.OpenAI(base_url=os.environ["BENCH_BASE_URL"], api_key="not-needed")
    try:
        stream = client.chat.completions.create(
            model=os.environ.get("BENCH_MODEL", "bench-model"),
            messages=[{"role": "user", "content": prompt}],
            stream=True,
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                answer.add(chunk.choices[0].delta.content)
    finally:
        answer.done.set()


# ---------------------------------------------------------------- tokens


def mint(answer_id: str, *, now: float | None = None) -> str:
    """A bearer token that opens this answer's stream, and nothing else, for a
    while. Only the page that started the answer sees it (over its websocket)."""
    expires = int((now if now is not None else time.time()) + TOKEN_TTL_S)
    return f"{expires}.{_signature(answer_id, expires)}"


def verify(token: str, answer_id: str, *, now: float | None = None) -> bool:
    expires_text, _, signature = token.partition(".")
    if not expires_text.isdigit():
        return False
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(signature, _signature(answer_id, expires))


def _signature(answer_id: str, expires: int) -> str:
    mac = hmac.new(_KEY, f"answer-stream\n{answer_id}\n{expires}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


# ---------------------------------------------------------------- the routes


async def live_script(_request: Request) -> Response:
    """The component's code, cached by the browser."""
    return FileResponse(SCRIPT, media_type="text/javascript",
                        headers={"Cache-Control": "max-age=3600"})  # fmt: skip


async def answer_stream(request: Request) -> Response:
    """Server-Sent Events: what the answer has added every GAP_S, then `end`.

    The token comes in the Authorization header, not the URL, so it is in no
    access log. `?from=N` resumes after the first N characters (a reconnect).
    """
    answer_id = request.path_params["answer_id"]
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    if not verify(token, answer_id):
        return PlainTextResponse("This answer's stream needs a valid token.", status_code=403)
    answer = find(answer_id)
    if answer is None:
        return PlainTextResponse("No such answer on this server.", status_code=404)
    start_at = request.query_params.get("from", "0")
    sent = int(start_at) if start_at.isdigit() else 0
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # nginx: pass on at once
    events = _events(request, answer, sent)
    if GZIP and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        events = _gzipped(events)
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


async def _events(request: Request, answer: Answer, sent: int):
    while True:
        finished = answer.done.is_set()
        text = answer.text()
        if len(text) > sent:
            yield event(text[sent:])
            sent = len(text)
        if finished:
            yield "event: end\ndata:\n\n"
            return
        if await request.is_disconnected():
            return
        await asyncio.sleep(GAP_S)


async def _gzipped(events):
    """One gzip stream over all events, flushed after each: later events are
    coded against the text before them (the answer repeats its words)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    async for text in events:
        yield packer.compress(text.encode()) + packer.flush(zlib.Z_SYNC_FLUSH)
    yield packer.flush()


def event(text: str) -> str:
    """One SSE event carrying `text`: a `data:` line per line. A CR would end a
    line for the browser's SSE parser too, so line ends are made LF first."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "".join(f"data: {line}\n" for line in lines) + "\n"
