"""Normalize the ways providers deliver a model's reasoning.

Three conventions are in use (checked against the providers' docs):

* a `reasoning_content` field in each delta (DeepSeek, SiliconFlow, DashScope,
  Hunyuan, older vLLM);
* a `reasoning` field (OpenRouter, Ollama's /v1 endpoint, recent vLLM);
* inline `<think>…</think>` in `content` (many self-hosted servers), where
  tags can be split across chunks and some R1 deployments omit the opening tag.

`ReasoningNormalizer` turns any mix of them into `Reasoning` and `Answer`
events, holding back at most a few characters that might be half a tag. For
a model that thinks, untagged leading text is provisional reasoning until the
stream settles it (`ReasoningConfirmed` or `ReasoningWasAnswer`); a stream cut
short before that is settled as an answer by core/generation.py.
"""

from __future__ import annotations

from enum import Enum, auto

from core.events import (
    Answer,
    AnswerWasReasoning,
    Event,
    Reasoning,
    ReasoningConfirmed,
    ReasoningWasAnswer,
)

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


def reasoning_field(delta: object) -> str:
    """The reasoning text carried by an SDK delta, whichever field holds it.

    The openai SDK keeps unknown fields as attributes (and in `model_extra`).
    """
    for name in ("reasoning_content", "reasoning"):
        value = getattr(delta, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def _partial_tag_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class _State(Enum):
    START = auto()  # nothing but whitespace seen in `content` yet
    THINKING = auto()  # inside <think>…
    PROVISIONAL = auto()  # a reasoning model's leading text, no <think> seen
    ANSWERING = auto()


class ReasoningNormalizer:
    """Stateful splitter fed with (reasoning field, content) pairs per delta.

    `expects_reasoning` says the model thinks (`reasoning = true`, or its
    thinking switched on). Its leading content is then shown as provisional
    reasoning, because R1 on vLLM or Ollama often omits `<think>` (the chat
    template already opened it), until the stream settles it: a `</think>`
    confirms it; the end of the stream, or reasoning arriving in a field,
    shows it was the answer. A model not expected to think streams its text as
    the answer, and a late `</think>` moves that text to the reasoning.
    """

    def __init__(self, *, expects_reasoning: bool = False) -> None:
        self._expects_reasoning = expects_reasoning
        self._state = _State.START
        self._buffer = ""
        self._closed = False  # a </think> has been consumed: tags are over
        self._field_reasoning_seen = False
        self._provisional_started = False  # provisional reasoning was emitted
        self._answer_started = False

    def feed(self, reasoning_text: str, content: str) -> list[Event]:
        events: list[Event] = []
        if reasoning_text:
            if self._state is _State.PROVISIONAL:
                # This server puts reasoning in a field, so the content before
                # it was never inline reasoning: it was the answer.
                self._settle_as_answer(events)
            self._field_reasoning_seen = True
            events.append(Reasoning(reasoning_text))
        self._buffer += content
        if self._buffer:
            events.extend(self._drain(final=False))
        return events

    def finish(self) -> list[Event]:
        """Flush whatever was held back; call once when the stream ends."""
        events = self._drain(final=True)
        if self._state is _State.PROVISIONAL:
            self._settle_as_answer(events)
        return events

    def _drain(self, *, final: bool) -> list[Event]:
        events: list[Event] = []
        while self._buffer:
            progressed = self._step(events, final=final)
            if not progressed:
                break
        return events

    def _step(self, events: list[Event], *, final: bool) -> bool:
        if self._state is _State.START:
            return self._step_start(final=final)
        if self._state is _State.THINKING:
            return self._step_thinking(events, final=final)
        if self._state is _State.PROVISIONAL:
            return self._step_provisional(events, final=final)
        return self._step_answering(events, final=final)

    def _step_start(self, *, final: bool) -> bool:
        stripped = self._buffer.lstrip()
        if stripped.startswith(OPEN_TAG):
            self._buffer = stripped[len(OPEN_TAG) :].lstrip("\n")
            self._state = _State.THINKING
            return True
        if OPEN_TAG.startswith(stripped) and not final:
            return False  # maybe the start of "<think>"; wait for more
        # Reasoning that came in a field already: what follows is the answer.
        provisional = self._expects_reasoning and not self._field_reasoning_seen and not final
        self._state = _State.PROVISIONAL if provisional else _State.ANSWERING
        return True

    def _step_thinking(self, events: list[Event], *, final: bool) -> bool:
        end = self._buffer.find(CLOSE_TAG)
        if end >= 0:
            if end:
                events.append(Reasoning(self._buffer[:end]))
            self._buffer = self._buffer[end + len(CLOSE_TAG) :].lstrip("\n")
            self._state = _State.ANSWERING
            self._closed = True
            return True
        self._emit_ready(events, final=final, provisional=False)
        return False

    def _step_provisional(self, events: list[Event], *, final: bool) -> bool:
        end = self._buffer.find(CLOSE_TAG)
        if end >= 0:
            if end:
                events.append(Reasoning(self._buffer[:end], provisional=True))
            events.append(ReasoningConfirmed())
            self._buffer = self._buffer[end + len(CLOSE_TAG) :].lstrip("\n")
            self._state = _State.ANSWERING
            self._closed = True
            return True
        if final:
            self._settle_as_answer(events)
            return True
        self._provisional_started |= self._emit_ready(events, final=False, provisional=True)
        return False

    def _emit_ready(self, events: list[Event], *, final: bool, provisional: bool) -> bool:
        """Emit the buffer as reasoning, keeping back what may be half a `</think>`."""
        keep = 0 if final else _partial_tag_suffix(self._buffer, CLOSE_TAG)
        ready = self._buffer[: len(self._buffer) - keep]
        if ready:
            events.append(Reasoning(ready, provisional=provisional))
        self._buffer = self._buffer[len(ready) :]
        return bool(ready)

    def _settle_as_answer(self, events: list[Event]) -> None:
        """The provisional reasoning was the answer: move it back, go on answering.

        Whatever is still held back (half a tag that never completed) follows it
        as answer text.
        """
        if self._provisional_started:
            events.append(ReasoningWasAnswer())
        self._state = _State.ANSWERING
        self._answer_started = self._provisional_started
        self._provisional_started = False
        if self._buffer:
            events.append(Answer(self._buffer))
            self._answer_started = True
            self._buffer = ""

    def _step_answering(self, events: list[Event], *, final: bool) -> bool:
        # A closing tag with no opening one: the stream started inside the
        # reasoning (some R1 servers drop "<think>"). Only plausible while no
        # reasoning arrived through a field and no tag was closed before.
        watch_close = not self._closed and not self._field_reasoning_seen
        if watch_close:
            end = self._buffer.find(CLOSE_TAG)
            if end >= 0:
                if self._answer_started:
                    events.append(AnswerWasReasoning())
                if end:
                    events.append(Reasoning(self._buffer[:end]))
                self._buffer = self._buffer[end + len(CLOSE_TAG) :].lstrip("\n")
                self._closed = True
                self._answer_started = False
                return True
        keep = 0 if final or not watch_close else _partial_tag_suffix(self._buffer, CLOSE_TAG)
        ready = self._buffer[: len(self._buffer) - keep]
        if ready and not self._answer_started:
            ready = ready.lstrip("\n") if self._closed else ready
        if ready:
            events.append(Answer(ready))
            self._answer_started = True
        self._buffer = self._buffer[len(self._buffer) - keep :] if keep else ""
        return False
