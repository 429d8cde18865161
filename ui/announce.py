"""What a screen reader hears while an answer is written (docs/accessibility.md).

A live answer changes four times a second; announcing each change would read
out every token, and announcing nothing leaves a blind user guessing. Here the
answer is announced in settled blocks (paragraphs, list items, sentences of a
long paragraph: core/streaming.py decides what has settled), a busy state
("You are #3 in line") once when it begins rather than at every tick of its
countdown, and the end of the answer once.

How it reaches the browser. One constant script, installed on every page
(ui/theme.py), keeps a single polite live region (`aria-live="polite"`)
outside Streamlit's React tree, so it survives reruns and page changes, in a
closed shadow root, so that its copies of the answer's text are not found
again by text searches on the page (a person's "find", and browser tests).
Each announcement is the block's plain text (its Markdown, made safe by
core.markdown.prepare_markdown, parsed with markdown-it and stripped of
markup), base64-encoded for the same reason, in a hidden text element (`display:
none`) whose first word is a stable key: message id and what is said (block
7, the end, the retry of attempt 2). One element, not a keyed container
around it: each element is a message to the browser and a React pass there
(docs/performance.md). Settled blocks travel in batches (BATCH_CHARS), one
encoded block per word after the key, which names the first block.
The script decodes them and puts them in the region with `textContent`,
which cannot become markup, the first time the key appears; a rerun that
renders the same answer again announces nothing twice (blocks are heard by
their number, whichever batch brings them).
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

import streamlit as st
from markdown_it import MarkdownIt

from core.events import Phase
from core.i18n import Translator
from core.markdown import prepare_markdown
from core.progress import Snapshot
from core.store.views import ERROR, STOPPED
from core.streaming import split_settled

REGION_ID = "duet-live-region"  # the live region's id (tests read it)
_KEY = "a11y-say"  # the announcements' container keys start with this
_HOLDER = "a11y-announcer"  # hidden; styled in ui/theme.py

# Our own script; it holds no text of a user or a model (tests/test_no_raw_html.py).
# It copies textContent, which cannot become markup. The region keeps its last
# 200 announcements: enough for a screen reader that lags behind, not a leak.
_SCRIPT = """<script>
(() => {
  if (window.__duetAnnouncer) return;
  window.__duetAnnouncer = true;
  const host = document.createElement("div");
  host.setAttribute("data-testid", "duetLiveRegionHost");
  host.style.cssText = "position:absolute;width:1px;height:1px;overflow:hidden;" +
    "clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;margin:-1px;padding:0;border:0";
  const region = document.createElement("div");
  region.id = "duet-live-region";
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-relevant", "additions");
  region.setAttribute("aria-atomic", "false");
  host.attachShadow({mode: "closed"}).appendChild(region);
  document.body.appendChild(host);
  window.__duetLiveRegion = region;  // for browser tests, which cannot see inside
  const heard = new Set();
  // An announcement is one text element in an announcer's container: its
  // first word is its key, the others the encoded text.
  const SOURCES = '[class*="st-key-a11y-announcer-"] [data-testid="stText"]';
  const pattern = /^a11y-say-[\\w-]+$/;
  const decode = (encoded) => {
    try {
      const bytes = Uint8Array.from(atob(encoded.trim()), (c) => c.charCodeAt(0));
      return new TextDecoder().decode(bytes).trim();
    } catch (error) {
      return "";
    }
  };
  // Settled blocks come in batches, one encoded block per word: "…-block-7"
  // holds blocks 7, 8, 9…, and each is heard once, however a later run
  // batches them ("-" is a block with nothing to say).
  const batch = /^(a11y-say-[\\w-]*-block-)(\\d+)$/;
  const say = (id, token) => {
    if (heard.has(id)) return;
    const text = token === "-" ? "" : decode(token);
    if (!text) return;
    heard.add(id);
    const line = document.createElement("p");
    line.textContent = text;
    region.appendChild(line);
    while (region.childElementCount > 200) region.firstElementChild.remove();
  };
  const scan = () => {
    for (const source of document.querySelectorAll(SOURCES)) {
      const tokens = (source.textContent || "").split(/\\s+/).filter(Boolean);
      const key = tokens.shift();
      if (!key || !pattern.test(key)) continue;
      const blocks = key.match(batch);
      if (!blocks) {
        if (tokens.length) say(key, tokens[0]);
        continue;
      }
      const whole = `${key}:${tokens.length}`;  // a batch read to its end
      if (heard.has(whole)) continue;
      tokens.forEach((token, i) => say(blocks[1] + (Number(blocks[2]) + i), token));
      if (tokens.length) heard.add(whole);
    }
  };
  new MutationObserver(scan).observe(document.body, {childList: true, subtree: true,
    characterData: true});
  scan();
})();
</script>"""

_ICON = re.compile(r":material/[a-z0-9_]+:\s*")
# CommonMark plus GFM tables, as Streamlit renders them; only text is kept.
_PARSER = MarkdownIt("commonmark").enable("table")
_TEXT_TOKENS = frozenset({"text", "code_inline", "html_inline", "math_inline"})


def plain_text(markdown: str) -> str:
    """What a reader sees of `markdown`, without the markup: words, code, cells.

    Raw HTML counts as text: Streamlit shows it as text (it is never rendered).
    """
    parts: list[str] = []
    for token in _PARSER.parse(prepare_markdown(markdown)):
        if token.type == "inline":  # one paragraph, heading or cell: its pieces touch
            parts.append(
                "".join(
                    c.content if c.type in _TEXT_TOKENS else " " if c.type.endswith("break") else ""
                    for c in token.children or ()
                )
            )
        elif token.type in ("fence", "code_block", "html_block"):
            parts.append(token.content)
    return " ".join(" ".join(parts).split())


_NOTES = "a11y-notes"  # session state: texts to announce on the next run
_NOTE_COUNT = "a11y-note-count"  # session state: announcements made that way (their keys)


def install_live_region() -> None:
    """Put the live region on the page, on every run of every page (ui/theme.py),
    and announce what an action of the previous run asked to (announce_on_next_run).

    A screen reader reliably announces only changes to a region that was
    already on the page, so it is made before the first answer, not with it.
    """
    st.html(_SCRIPT, unsafe_allow_javascript=True, width="content")
    notes = st.session_state.pop(_NOTES, [])
    if notes:
        holder = st.container(key=f"{_HOLDER}-notes")
        for text in notes:
            number = st.session_state[_NOTE_COUNT] = st.session_state.get(_NOTE_COUNT, 0) + 1
            _say(holder, f"{_KEY}-note-{number}", text)


def announce_on_next_run(text: str) -> None:
    """Announce `text` once the page has rerun (for an action that reruns it, like Stop)."""
    st.session_state.setdefault(_NOTES, []).append(text)


def _say(holder, key: str, markdown: str) -> None:
    text = plain_text(markdown)
    if text:
        holder.text(f"{key} {_encoded(text)}")


def _encoded(text: str) -> str:
    """One word (base64 has no spaces); "-" when there is nothing to say."""
    return base64.b64encode(text.encode()).decode("ascii") if text else "-"


# Settled blocks are said in batches, one hidden element for several: each
# element is a message to the browser and a re-render of Streamlit's page
# (about 10 ms of its main thread, bench/stream_browser), and a block a render
# was most of what the page cost while an answer streamed. A batch goes once
# it holds BATCH_CHARS characters (about a minute of speech even for a fast
# listener) or BATCH_WAIT_S after its first block settled. The size decides
# only on streams far faster than speech, where the next batch arrives long
# before the last one has been read out; at 600 characters a fast model's
# answer sent a batch every second, about a point of the page's busy time.
BATCH_CHARS = 2000
BATCH_WAIT_S = 2.0


class Announcer:
    """The announcements for one answer being followed, inside its container."""

    def __init__(self, t: Translator, container, message_id: int) -> None:
        self.t = t
        self._id = message_id
        self._holder = container.container(key=f"{_HOLDER}-{message_id}")
        self._blocks = 0  # settled blocks of the answer announced or waiting in the batch
        self._batch: list[str] = []  # plain text of settled blocks not yet said
        self._batch_from = 0  # the index of its first block
        self._batch_since = 0.0
        self._phase: Phase | None = None
        self._thinking = False
        self._ended = False
        self._keys: set[str] = set()  # the keys used in this run

    def follow(self, snapshot: Snapshot, status_text: str) -> None:
        """Announce what changed since the last render: new blocks, a new busy state, the end."""
        self._busy(snapshot, status_text)
        if snapshot.thinking and not self._thinking:
            self._thinking = True
            self._say("thinking", self.t("reasoning.thinking"))
        self._answer(snapshot)
        if snapshot.done and not self._ended:
            self._ended = True
            self._end(snapshot, status_text)

    def _busy(self, snapshot: Snapshot, status_text: str) -> None:
        phase = snapshot.status.phase if snapshot.status and not snapshot.done else None
        if phase == self._phase:
            return  # a countdown ticking is not news
        self._phase = phase
        if phase is not None and status_text:
            # The same phase comes back after a failover or a fallback: the route
            # and the model tell those apart (hashed: keys become class names).
            status = snapshot.status
            where = f"{snapshot.model_id}|{status.provider}|{status.attempt}"
            digest = hashlib.blake2s(where.encode(), digest_size=4).hexdigest()
            self._say(f"busy-{phase}-{digest}", _ICON.sub("", status_text))

    def _answer(self, snapshot: Snapshot) -> None:
        split = split_settled(snapshot.answer)
        blocks = [*split.settled, split.tail] if snapshot.done else split.settled
        for index in range(self._blocks, len(blocks)):
            if not self._batch:
                self._batch_from, self._batch_since = index, time.monotonic()
            self._batch.append(plain_text(blocks[index]) if blocks[index].strip() else "")
        self._blocks = max(self._blocks, len(blocks))
        full = sum(len(text) for text in self._batch) >= BATCH_CHARS
        if snapshot.done or full or time.monotonic() - self._batch_since >= BATCH_WAIT_S:
            self._say_batch()

    def _say_batch(self) -> None:
        """Say the settled blocks waiting, in one element whose key names the first
        (the page's script hears each block once, however runs batch them)."""
        batch, self._batch = self._batch, []
        if any(batch):
            key = f"{_KEY}-{self._id}-block-{self._batch_from}"
            self._keys.add(key)
            self._holder.text(" ".join([key, *(_encoded(text) for text in batch)]))

    def _end(self, snapshot: Snapshot, status_text: str) -> None:
        if snapshot.outcome == ERROR and status_text:
            self._say("end", _ICON.sub("", status_text))
        elif snapshot.outcome == STOPPED:
            self._say("end", self.t("a11y.answer_stopped"))
        else:
            self._say("end", self.t("a11y.answer_done"))

    def _say(self, what: str, markdown: str) -> None:
        """Announce `markdown` as `what` of this answer: the same `what` is heard once,
        however many runs of the page render it."""
        self._say_batch()  # what settled before is heard before this
        key = f"{_KEY}-{self._id}-{what}"
        if key in self._keys:  # said already in this run: a key may appear only once
            key = f"{key}-{len(self._keys)}"
        self._keys.add(key)
        _say(self._holder, key, markdown)
