"""Answers being written, rendered as they grow.

The page renders the worker's progress at most four times a second and
updates only what changed, one element per render as a rule: the live
element shows the settled blocks of the current segment and the tail (see
core/streaming.py); a segment, once long enough, is left as it is and never
sent again, so the bytes sent grow linearly with the answer. Between renders it waits for
news, so text that arrives after a quiet spell (the first token) is shown at
once rather than at the next tick. When every followed answer is done the
script reruns and the page renders them from the database.

Where one answer is followed (the chat page, a temporary chat) and the app is
served with its live channel (`streamlit run serve.py`), the text does not go
through Streamlit at all while it streams: a component fetches it beside the
websocket (ui/live_component.py), and this loop only keeps the status line,
the screen reader's announcements and the end. Comparisons and battles follow
several answers at once and keep drawing them here: a browser opens at most six
connections to one server, and each streamed answer would hold one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from core.catalog import Catalog
from core.events import Phase, Status
from core.i18n import Translator
from core.markdown import prepare_markdown, too_heavy_for_markdown
from core.progress import GenerationProgress, Snapshot
from core.streaming import close_open_markup, split_settled
from ui import live_component
from ui.announce import Announcer
from ui.errors import describe_error
from ui.format import display_name, escape_markdown, model_name

# At least this long between two renders: at most four a second. Each render
# costs the browser 30-45 ms of main-thread work on a 2-core machine (React,
# then style, layout and paint; more as the page grows) and ~100 bytes of
# Streamlit's envelope besides the text. Five a second kept the browser busy
# 19-24% of a stream, four 15-21%, and the median delay from model to screen
# is then 127 ms (bench/stream_browser, bench/latency; docs/performance.md).
MIN_RENDER_GAP_S = 0.25
WAKE_S = 0.02  # how often to look for news of several answers between renders
IDLE_RENDER_S = 0.5  # render this often with no news (a retry's countdown moves)
# Streamlit drops the messages of a run that are not yet sent when the next
# run starts; the last render must reach the browser before the final rerun.
FLUSH_S = 0.05

StatusText = Callable[[Translator, Catalog, Snapshot], str]


# Settled blocks are shown by the live element, with the tail, until they
# are this many characters; then they stay as they are and a new live element
# starts after them. Each element the page adds or replaces costs Streamlit's
# frontend a re-render of the page (about 10 ms of the browser's main thread
# on this machine, more on a phone), so one element changed per render, not
# one per settled block plus the tail, is what keeps the browser quiet; the
# live element stays short, so the bytes stay linear (bench/stream_browser).
SEGMENT_CHARS = 400


class _Stream:
    """A growing text: finished segments written once, the live one replaced.

    The live element shows the settled blocks not yet frozen and the tail
    (core/streaming.py). Once those blocks are SEGMENT_CHARS long they are
    frozen: the live element is written one last time with them, and a new
    live element starts after it. A segment ends at the end of a block, except
    in a long paragraph: its pieces (cut mid-line, core/streaming.py) go into a
    "flow" container that shows them inline, as one paragraph (ui/theme.py),
    and a flow ends with its paragraph.
    """

    def __init__(self, container, key: str) -> None:
        self._key = key
        self._holder = container.empty()
        self._settled = self._holder.container()
        self._flows = 0
        self._restart()

    def _restart(self) -> None:
        self._parent = self._settled  # where the live element is: here, or in a flow
        self._in_flow = False
        self._live = None  # the element showing the pending blocks and the tail
        self._live_text = ""
        self._pending: list[tuple[str, bool]] = []  # (block, open-ended), not yet frozen
        self._count = 0  # settled blocks seen
        self._length = 0

    def show(self, text: str, *, final: bool = False) -> None:
        if len(text) < self._length:  # text was taken back (it was reasoning after all)
            self._settled = self._holder.container()
            self._restart()
        self._length = len(text)
        split = split_settled(text)
        blocks = [*split.settled, split.tail] if final else split.settled
        for index in range(self._count, len(blocks)):
            self._pending.append((blocks[index], index in split.open_ended))
        self._count = len(blocks)
        while (cut := self._segment_end(final)) is not None:
            frozen, self._pending = self._pending[:cut], self._pending[cut:]
            self._freeze(frozen)
        self._show_live("" if final else split.tail)

    def _segment_end(self, final: bool) -> int | None:
        """How many pending blocks to freeze now, if any."""
        if not self._pending:
            return None
        if final:
            return len(self._pending)
        ends = [i + 1 for i, (_, open_ended) in enumerate(self._pending) if not open_ended]
        if self._in_flow and ends:
            return ends[0]  # the paragraph ends: nothing after it may be shown inline
        if sum(len(block) for block, _ in self._pending) < SEGMENT_CHARS:
            return None
        if ends and not self._in_flow:
            return ends[-1]
        return len(self._pending)  # one long paragraph, in pieces: they go into a flow

    def _freeze(self, blocks: list[tuple[str, bool]]) -> None:
        body = _body(blocks, "")
        open_ended = blocks[-1][1]
        if open_ended and not self._in_flow:
            # The live element held the start of a paragraph that goes on: it
            # becomes a flow, and the paragraph's next pieces follow inline.
            self._flows += 1
            place = self._live if self._live is not None else self._parent
            self._parent = place.container(key=f"flow-{self._key}-{self._flows}")
            self._in_flow = True
            self._parent.markdown(body)
        elif self._live is None:
            self._parent.markdown(body)
        elif body != self._live_text:
            self._live.markdown(body)
        self._live, self._live_text = None, ""
        if not open_ended and self._in_flow:
            self._parent, self._in_flow = self._settled, False

    def _show_live(self, tail: str) -> None:
        body = _body(self._pending, tail)
        if body == self._live_text:
            return
        if self._live is None:
            self._live = self._parent.markdown(body)
        else:
            _replace(self._live, body)
        self._live_text = body


class _ChannelStream:
    """A growing text the browser streams itself (ui/live_component.py).

    Mounted once; the page sends nothing more for it. The final rerun draws
    the finished text from the database, as it does for `_Stream`.
    """

    def __init__(self, container, progress: GenerationProgress, channel: str) -> None:
        live_component.mount(container.empty(), progress, channel)

    def show(self, text: str, *, final: bool = False) -> None:
        pass  # the browser has it already


def _body(blocks: list[tuple[str, bool]], tail: str) -> str:
    """Blocks and the tail as one inert Markdown text: a paragraph's pieces
    joined as they were, blocks apart. The tail's unclosed markup is closed."""
    parts = []
    for block, open_ended in blocks:
        parts += [block, "" if open_ended else "\n\n"]
    if tail:
        parts.append(close_open_markup(tail))
    text = "".join(parts).rstrip("\n") if not tail else "".join(parts)
    return _shown(text) if text.strip() else ""


def _shown(text: str) -> str:
    """A block or the tail as inert Markdown; if it is too heavy for the browser
    to lay out (one enormous table never settles), as an indented code block,
    which the browser shows as plain text. The finished answer is rendered by
    ui/message.render_text, with its note."""
    if too_heavy_for_markdown(text):
        # Every line indented, at every kind of line end (a lone CR is one too),
        # so nothing in it is read as Markdown.
        return "\n".join("    " + line for line in text.splitlines())
    return prepare_markdown(text)


def _replace(element, body: str) -> None:
    if body:
        element.markdown(body)
    else:
        element.empty()


class LiveAnswer:
    """One answer being followed, inside the container it was given."""

    def __init__(
        self,
        t: Translator,
        catalog: Catalog,
        progress: GenerationProgress,
        container,
        *,
        describe_status: StatusText | None = None,
        side_channel: bool = False,
    ) -> None:
        self.t = t
        self.catalog = catalog
        self.progress = progress
        # The blind arena passes its own, which names no model and no provider.
        self._describe_status = describe_status or status_text
        self._status_line = container.empty()
        self._reasoning_slot = container.container()
        # Decided once per run: a stream that fails reruns the page (ui/live_component.py).
        self._side_channel = side_channel and live_component.available()
        self._answer = self._stream(container, "answer")
        self._panel = None
        self._reasoning: _Stream | _ChannelStream | None = None
        self._collapsed = False
        self._version = -1
        self._status_text: str | None = None
        self._announcer = Announcer(t, container, progress.message_id)  # for screen readers

    def _stream(self, container, channel: str) -> _Stream | _ChannelStream:
        if self._side_channel:
            return _ChannelStream(container, self.progress, channel)
        return _Stream(container, f"{self.progress.message_id}-{channel}")

    def has_news(self) -> bool:
        """The answer changed since it was last rendered."""
        return self.progress.version != self._version

    def wait_for_news(self, timeout: float) -> None:
        self.progress.wait_newer(self._version, timeout)

    def update(self) -> bool:
        """Render what changed; True once the answer is done."""
        snapshot = self.progress.snapshot()
        self._show_status(snapshot)
        if snapshot.version != self._version:
            self._version = snapshot.version
            self._show_text(snapshot)
            self._announcer.follow(snapshot, self._status_text or "")
        return snapshot.done

    def _show_text(self, snapshot: Snapshot) -> None:
        if snapshot.reasoning:
            if self._panel is None:
                self._panel = self._reasoning_slot.status(
                    self.t("reasoning.thinking"), expanded=True, state="running"
                )
                self._reasoning = self._stream(self._panel, "reasoning")
            self._reasoning.show(snapshot.reasoning, final=bool(snapshot.answer))
            if snapshot.answer and not self._collapsed:
                self._collapsed = True
                label = self.t("reasoning.thought_for", s=self.t.seconds(snapshot.reasoning_s or 0))
                self._panel.update(label=label, state="complete", expanded=False)
        self._answer.show(snapshot.answer, final=snapshot.done)

    def _show_status(self, snapshot: Snapshot) -> None:
        text = self._describe_status(self.t, self.catalog, snapshot)
        if text == self._status_text:
            return
        self._status_text = text
        if text:
            self._status_line.caption(text)
        else:
            self._status_line.empty()


def status_text(t: Translator, catalog: Catalog, snapshot: Snapshot) -> str:
    """What the user reads while no text flows: the queue, a retry, a failover."""
    if snapshot.error is not None and snapshot.done:
        return describe_error(t, snapshot.error, catalog, snapshot.requested_model_id)
    parts = []
    if snapshot.degraded_reason:
        parts.append(
            ":material/swap_horiz: "
            + t(
                "answer.degraded_live",
                model=model_name(catalog, snapshot.model_id),
                requested=model_name(catalog, snapshot.requested_model_id),
            )
        )
    status = snapshot.status
    if status is not None and not snapshot.done:
        # Core names providers in the catalog's default language.
        extra = dict(status.extra)
        if "from" in extra:
            extra["from"] = display_name(catalog, str(extra["from"]))
        status = replace(status, provider=display_name(catalog, status.provider), extra=extra)
        parts.append(phase_text(t, status))
    return "  \n".join(p for p in parts if p)


def phase_text(t: Translator, status: Status) -> str:
    reason = (
        t(f"reason.{status.detail}") if status.detail and t.has(f"reason.{status.detail}") else ""
    )
    if status.phase is Phase.QUEUED and status.position:
        return ":material/hourglass_top: " + t(
            "status.queued", position=status.position, eta=t.seconds(status.eta_s or 0)
        )
    if status.phase is Phase.RETRYING:
        remaining = max(0, round((status.until or time.time()) - time.time()))
        return ":material/autorenew: " + t(
            "status.retrying",
            provider=escape_markdown(status.provider or ""),
            reason=reason or t("reason.busy"),
            seconds=remaining,
            attempt=status.attempt,
            max=status.max_attempts,
        )
    if status.phase is Phase.FAILING_OVER:
        return ":material/alt_route: " + t(
            "status.failing_over",
            provider=escape_markdown(status.provider or ""),
            previous=status.extra.get("from", ""),
            reason=reason or t("reason.busy"),
        )
    if status.phase is Phase.DEGRADED:
        return ""
    return ":material/more_horiz: " + t("status.connecting")


def follow(answers: list[LiveAnswer], *, max_s: float | None = None) -> None:
    """Keep rendering until every answer is done, then rerun to show them from the store.

    A click anywhere stops this loop (Streamlit reruns the script); the
    answers keep being written by the worker and the next run attaches again.
    """
    started = time.monotonic()
    while True:
        rendered = time.monotonic()
        done = [answer.update() for answer in answers]
        if all(done):
            break
        if max_s is not None and rendered - started > max_s:
            return
        _wait_for_news(answers, rendered)
    time.sleep(FLUSH_S)
    st.rerun()


def _wait_for_news(answers: list[LiveAnswer], rendered: float) -> None:
    """Until the next render is due: news, no sooner than MIN_RENDER_GAP_S after the last
    render, or IDLE_RENDER_S without any."""
    time.sleep(MIN_RENDER_GAP_S)
    while (left := rendered + IDLE_RENDER_S - time.monotonic()) > 0:
        if any(answer.has_news() for answer in answers):
            return
        # Woken by the first answer's news at once (the only one, on the chat
        # page); the others' news is looked for every WAKE_S.
        answers[0].wait_for_news(left if len(answers) == 1 else min(left, WAKE_S))
