"""The live channel: an answer being written, streamed beside Streamlit.

Every Streamlit element update costs the browser 10-16 ms of React work; text
that arrives over a plain HTTP route and is appended by a small component costs
almost nothing (docs/performance.md, "Issue 19, fourth step"). The chat page
opens a stream for the answer it follows (`open_stream`), hands the token to
its component over the viewer's own websocket, and the component reads
`GET /api/live/<message id>?channel=answer|reasoning` with the token in its
`Authorization` header. What the browser's module (ui/live_channel.js) reads:

    data: {"reset": true?, "blocks": [{"nodes": Nodes, "joins": bool}, ...]?, "tail": Nodes?}

one JSON line per event (reset: clear what is shown first; blocks: append in
order, `joins` when the next block's first paragraph goes on inline; tail:
replace the tail, [] empties it), at most one every MIN_EVENT_GAP_S; comments
(`: open` at once, `: wait` after KEEPALIVE_S of silence); and, once the
channel is final, `event: end` with `data: {}`. Nodes are core/live_tree.py's.

Three parts:
- `StreamRegistry`: who may read which stream. A token is a random 192-bit
  capability for one message's one channel, minted by the page only for an
  answer its viewer may see. The route cannot see Streamlit's session or
  `st.user` (they live behind the websocket), so the token is the only proof.
  The page script (a thread of its own) and the route (the server's event
  loop) share the process-wide `REGISTRY`, under a lock.
- `ChannelEvents`: successive snapshots of a progress -> the events that bring
  the browser from what it shows to what ui/live._Stream would show: settled
  blocks appended, the tail replaced, `reset` when text was taken back.
- `LiveChannelRoutes`: the Starlette routes (serve.py mounts them with `st.App`).

The token is never in a URL (so in no access log), never logged, never stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import threading
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from core.clock import SYSTEM_CLOCK, Clock
from core.progress import GenerationProgress, Snapshot
from core.streaming import close_open_markup, split_settled

log = logging.getLogger(__name__)

ANSWER = "answer"
REASONING = "reasoning"
CHANNELS = (ANSWER, REASONING)

# A followed answer is let go this long after the registry first sees it done
# (at an open or a lookup; the page has rerun by then and draws it from the
# database), or this long after its stream was opened, whichever comes first.
# A stream already open keeps going to its end.
KEEP_DONE_S = 60.0
KEEP_OPEN_S = 30 * 60.0
# A token whose answer was let go is still recognised this long, so its
# reader is told "not followed here any more" (404) rather than "not allowed".
REMEMBER_S = 30 * 60.0

# At most one event this often: the product's render rate (ui/live.MIN_RENDER_GAP_S;
# core never imports ui). One event is one task, one layout and one paint in the
# browser; 0.25 s kept the main thread under 10% in the benchmark (side-slow).
MIN_EVENT_GAP_S = 0.25
# How often a stream looks at its progress's version: the first news after a
# quiet spell is sent within this. An asyncio sleep, so no thread waits per stream.
POLL_S = 0.05
# A comment this long after the last thing sent: nginx cuts a stream that
# stays silent for 60 s (proxy_read_timeout), and an answer can wait longer
# than that in a queue or on a provider's keep-alives.
KEEPALIVE_S = 15.0

STREAM_PATH = "/api/live/{message_id}"
SCRIPT_PATH = "/api/live-channel.js"
SCRIPT_FILE = Path(__file__).resolve().parent.parent / "ui" / "live_channel.js"

Node = str | list  # "text" | [tag, {attr: value}, Node, ...] (core/live_tree.py)
Render = Callable[[str], list]  # Markdown -> nodes (core.live_tree.block_nodes)


# ---------------------------------------------------------------- who may read


@dataclass
class _Entry:
    # Deliberately without the token: nothing that prints an entry can leak it.
    message_id: int
    channel: str
    progress: GenerationProgress | None  # None once let go
    opened_at: float
    done_seen_at: float | None = None  # when this registry first saw the answer done
    released_at: float | None = None


@dataclass(frozen=True)
class Access:
    """What a token opens for one message's channel."""

    progress: GenerationProgress | None  # None: the answer is no longer followed here


class StreamRegistry:
    """Tokens -> the progress they open, for this process.

    Thread-safe: page scripts open streams from their own threads, the route
    looks them up from the server's event loop; every call holds the lock for
    a dictionary operation or a sweep, never while waiting.
    """

    def __init__(
        self,
        clock: Clock = SYSTEM_CLOCK,
        *,
        keep_done_s: float = KEEP_DONE_S,
        keep_open_s: float = KEEP_OPEN_S,
        remember_s: float = REMEMBER_S,
    ) -> None:
        self._clock = clock
        self._keep_done_s = keep_done_s
        self._keep_open_s = keep_open_s
        self._remember_s = remember_s
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def open(self, progress: GenerationProgress, channel: str) -> str:
        """A new token that opens `channel` of `progress`'s answer, and nothing else.

        Call it only for an answer the viewer may see. Old entries are swept here.
        """
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
        token = secrets.token_urlsafe(24)
        now = self._clock.monotonic()
        with self._lock:
            self._sweep(now)
            self._entries[token] = _Entry(progress.message_id, channel, progress, now)
        return token

    def lookup(self, token: str, message_id: int, channel: str) -> Access | None:
        """None if `token` does not open this message's channel (403); else
        the access, whose progress is None once the answer was let go (404)."""
        now = self._clock.monotonic()
        with self._lock:
            entry = self._entries.get(token)
            if entry is None or entry.message_id != message_id or entry.channel != channel:
                return None
            self._age(entry, now)
            if entry.progress is None and now - (entry.released_at or now) >= self._remember_s:
                del self._entries[token]
                return None
            return Access(entry.progress)

    def find(self, token: str, message_id: int, channel: str) -> GenerationProgress | None:
        """The progress `token` opens for this message's channel, or None."""
        access = self.lookup(token, message_id, channel)
        return access.progress if access is not None else None

    def __len__(self) -> int:
        """Entries held (followed or remembered)."""
        with self._lock:
            return len(self._entries)

    def followed(self) -> int:
        """Entries still holding their answer's progress."""
        with self._lock:
            return sum(1 for entry in self._entries.values() if entry.progress is not None)

    def _sweep(self, now: float) -> None:  # with the lock held
        for token, entry in list(self._entries.items()):
            self._age(entry, now)
            if entry.progress is None and now - (entry.released_at or now) >= self._remember_s:
                del self._entries[token]

    def _age(self, entry: _Entry, now: float) -> None:  # with the lock held
        """Let go of the entry's progress once it is due."""
        if entry.progress is None:
            return
        if entry.done_seen_at is None and entry.progress.done:
            entry.done_seen_at = now
        done_long_ago = (
            entry.done_seen_at is not None and now - entry.done_seen_at >= self._keep_done_s
        )
        if done_long_ago or now - entry.opened_at >= self._keep_open_s:
            entry.progress = None
            entry.released_at = now


REGISTRY = StreamRegistry()
"""The process's registry: the page script and the route import the same module."""


def open_stream(progress: GenerationProgress, channel: str) -> str:
    """A token for the browser: opens this answer's `channel` ("answer" or
    "reasoning") on this process, and nothing else. Never log or store it."""
    return REGISTRY.open(progress, channel)


def find(token: str, message_id: int, channel: str) -> GenerationProgress | None:
    """The progress the token opens for this message's channel, or None."""
    return REGISTRY.find(token, message_id, channel)


# ---------------------------------------------------------------- events


class ChannelEvents:
    """Successive snapshots of one channel -> the events of the live channel.

    The text is cut exactly as ui/live._Stream cuts it (core/streaming.py):
    settled blocks, each sent once with whether the paragraph goes on inline
    after it (`joins`), and the tail, after close_open_markup, sent again
    whenever it changed. Text that was taken back (the answer was reasoning
    after all, or the other way round) is a `reset` followed by what there is
    now. When the channel is final, the tail is settled into a last block, the
    tail emptied, and `finished` is set: the route then sends `end`.
    """

    def __init__(self, channel: str, render: Render) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
        self.channel = channel
        self._render = render
        self._text = ""  # the channel's text the browser was last brought to
        self._sent = 0  # settled blocks sent
        self._tail = ""  # the tail shown, as given to render (after close_open_markup)
        self.finished = False

    def update(self, snapshot: Snapshot) -> dict | None:
        """The event that brings the browser to `snapshot`, or None if it shows it already."""
        if self.channel == ANSWER:
            return self.update_text(snapshot.answer, final=snapshot.done)
        # The reasoning is final once the answer has begun: the page folds it away.
        return self.update_text(snapshot.reasoning, final=bool(snapshot.answer) or snapshot.done)

    def update_text(self, text: str, *, final: bool) -> dict | None:
        if self.finished or (text == self._text and not final):
            return None
        event: dict = {}
        # A text that shrank, or (a key completed and scrubbed) changed before
        # its end, is not what the browser holds: start over. ui/live._Stream
        # restarts on a shorter text; a changed one of equal length it would miss.
        if not text.startswith(self._text):
            event["reset"] = True
            self._sent, self._tail = 0, ""
        self._text = text
        split = split_settled(text)
        blocks = [*split.settled, split.tail] if final else split.settled
        new = [
            {"nodes": self._render(block), "joins": index in split.open_ended}
            for index, block in enumerate(blocks[self._sent :], start=self._sent)
            if block.strip()  # only a final tail can be blank: nothing to show
        ]
        self._sent = len(blocks)
        if new:
            event["blocks"] = new
        tail = "" if final else close_open_markup(split.tail) if split.tail.strip() else ""
        if tail != self._tail or final or "reset" in event:
            event["tail"] = self._render(tail) if tail else []
            self._tail = tail
        self.finished = final
        return event or None


def encode_event(event: dict) -> bytes:
    """`data: <one line of JSON>` and a blank line. JSON escapes every line
    end inside strings, so the event is one line whatever the text holds."""
    line = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    # A lone surrogate (a model's JSON may escape one) has no UTF-8 form: "?".
    return b"data: " + line.encode("utf-8", "replace") + b"\n\n"


END_EVENT = b"event: end\ndata: {}\n\n"
KEEPALIVE_COMMENT = b": wait\n\n"
# Sent as soon as a stream opens: the response's headers and first bytes go out
# at once (through nginx and the gzip stream), so the browser knows the stream
# is there even while the answer waits in a queue.
OPENING_COMMENT = b": open\n\n"


# ---------------------------------------------------------------- the routes

_served = threading.Event()


def serve_here() -> None:
    """Say that this process serves the routes (serve.py, once): only then do
    pages mount the component, so `streamlit run app.py` never tries them."""
    _served.set()


def routes_served() -> bool:
    return _served.is_set()


def stream_url(message_id: int, channel: str, base_url: str = "") -> str:
    """Where the browser reads a message's channel (give it to the component
    as its `path`); `base_url` is server.baseUrlPath, as serve.py passes it."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
    path = STREAM_PATH.format(message_id=message_id)
    return f"{_base(base_url)}{path}?channel={channel}"


def script_url(base_url: str = "") -> str:
    """Where the browser's module is served (the component's stub imports it)."""
    return _base(base_url) + SCRIPT_PATH


def _base(base_url: str) -> str:
    return "/" + base_url.strip("/") if base_url.strip("/") else ""


_MESSAGE_ID = re.compile(r"-?\d{1,18}")  # temporary chats' answers have negative ids
_NO_STORE = {"Cache-Control": "no-store"}


class LiveChannelRoutes:
    """The live channel's HTTP routes, for `st.App(routes=...)` (serve.py)."""

    def __init__(
        self,
        render: Render,
        *,
        registry: StreamRegistry = REGISTRY,
        clock: Clock = SYSTEM_CLOCK,
        script: Path = SCRIPT_FILE,
        base_url: str = "",
        min_gap_s: float = MIN_EVENT_GAP_S,
        poll_s: float = POLL_S,
        keepalive_s: float = KEEPALIVE_S,
    ) -> None:
        self._render = render
        self._registry = registry
        self._clock = clock
        self._script = script
        self.stream_path = _base(base_url) + STREAM_PATH
        self.script_path = script_url(base_url)
        self._min_gap_s = min_gap_s
        self._poll_s = poll_s
        self._keepalive_s = keepalive_s
        self.streaming = 0  # streams being served now

    @property
    def routes(self) -> list[Route]:
        return [
            Route(self.stream_path, self.stream, methods=["GET"]),
            Route(self.script_path, self.script, methods=["GET"]),
        ]

    async def script(self, _request: Request) -> Response:
        """The browser's module (ui/live_channel.js), cached by the browser for an hour."""
        if not self._script.is_file():
            return PlainTextResponse("The live channel's script is not installed.", 404)
        return FileResponse(
            self._script, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
        )

    async def stream(self, request: Request) -> Response:
        """Server-Sent Events for one message's channel (the format: this module's docstring)."""
        raw_id = request.path_params["message_id"]
        channel = request.query_params.get("channel", ANSWER)
        token = _bearer(request.headers.get("authorization", ""))
        access = None
        if token and _MESSAGE_ID.fullmatch(raw_id) and channel in CHANNELS:
            access = self._registry.lookup(token, int(raw_id), channel)
        if access is None:
            return PlainTextResponse(
                "This answer's live text needs a valid token.", 403, headers=_NO_STORE
            )
        if access.progress is None:
            return PlainTextResponse(
                "This answer is no longer being written here.", 404, headers=_NO_STORE
            )
        headers = {**_NO_STORE, "X-Accel-Buffering": "no"}  # nginx: pass each event on at once
        body = self._events(access.progress, channel)
        if accepts_gzip(request.headers.get("accept-encoding", "")):
            # Set here, so Starlette's GZipMiddleware (which would hold small
            # writes back) leaves the response alone; the browser inflates it
            # as it arrives.
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
            body = _gzipped(body)
        return StreamingResponse(body, media_type="text/event-stream", headers=headers)

    async def _events(self, progress: GenerationProgress, channel: str) -> AsyncIterator[bytes]:
        """What the channel has become, at most every min_gap_s; `: wait` after
        keepalive_s of silence; `end` once final. Starlette cancels this when
        the client goes away (StreamingResponse listens for the disconnect)."""
        events = ChannelEvents(channel, self._render)
        clock = self._clock
        self.streaming += 1
        log.debug("live channel: message %s, %s: stream opened", progress.message_id, channel)
        try:
            yield OPENING_COMMENT
            seen = None
            last_event = float("-inf")
            last_write = clock.monotonic()
            while True:
                now = clock.monotonic()
                version = progress.version  # read before the snapshot: later news is seen next time
                # The end goes at once: the page reruns as soon as the answer is
                # done and puts the stored answer in place of this stream, so
                # its last words must not wait for the next tick.
                due = now - last_event >= self._min_gap_s or progress.done
                if version != seen and due:
                    seen = version
                    # Scrubbing, cutting and rendering a long text takes
                    # milliseconds: off the loop that serves every websocket.
                    try:
                        event = await asyncio.to_thread(_next_event, events, progress)
                    except Exception:  # a renderer's bug must not take the server's loop with it
                        # The stream closes without `end`: the component reports
                        # `failed` and the page draws the answer itself.
                        log.exception(
                            "live channel: message %s, %s: could not render; stream closed",
                            progress.message_id,
                            channel,
                        )
                        return
                    if event is not None:
                        yield encode_event(event)
                        last_event = last_write = now
                    if events.finished:
                        yield END_EVENT
                        return
                # Apart from the above: news that changes nothing shown (a
                # queue position, a retry) must not hold the comment back.
                if clock.monotonic() - last_write >= self._keepalive_s:
                    yield KEEPALIVE_COMMENT
                    last_write = clock.monotonic()
                await clock.sleep(self._poll_s)
        finally:
            self.streaming -= 1
            log.debug("live channel: message %s, %s: stream closed", progress.message_id, channel)


def _next_event(events: ChannelEvents, progress: GenerationProgress) -> dict | None:
    # Always the snapshot: keys scrubbed, never the raw pieces.
    return events.update(progress.snapshot())


async def _gzipped(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """One gzip stream per response, flushed after every chunk: each event
    leaves at once, and later events are coded against the text before them."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    async for chunk in chunks:
        yield packer.compress(chunk) + packer.flush(zlib.Z_SYNC_FLUSH)
    yield packer.flush()


def _bearer(header: str) -> str:
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip: named (or `*`) with a
    quality above zero; `gzip;q=0` refuses it whatever `*` says."""
    qualities: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        quality = re.fullmatch(r"\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*", params)
        qualities[name.strip().lower()] = float(quality.group(1)) if quality else 1.0
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0
