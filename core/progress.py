"""What a generation has produced so far, readable from any thread.

The worker applies events as they arrive; pages take a `Snapshot` a few times
a second and render it. Text is kept as a list of pieces and joined only when
a snapshot is taken, so a long answer costs linear time, not quadratic.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from core.clock import SYSTEM_CLOCK, Clock
from core.errors import AppError
from core.events import (
    Answer,
    AnswerWasReasoning,
    Event,
    Finished,
    Phase,
    Reasoning,
    ReasoningWasAnswer,
    RouteStarted,
    Status,
    Usage,
    WebSearchDone,
)
from core.secrets import scrub_known


@dataclass(frozen=True)
class Snapshot:
    message_id: int
    version: int
    reasoning: str
    answer: str
    status: Status | None  # the latest phase while no text flows (queued, retrying…)
    model_id: str
    requested_model_id: str
    provider_id: str
    upstream_model: str
    degraded_reason: str | None
    attempts: int
    started_at: float  # wall clock
    queue_s: float | None
    first_token_s: float | None
    first_answer_s: float | None
    reasoning_s: float | None  # time spent thinking, once the answer began
    elapsed_s: float
    usage: Usage | None
    outcome: str | None  # None while running; else a message status
    error: AppError | None
    finish_reason: str | None
    web_sources: object = None  # core.websearch.results.WebSources, once web search is over

    @property
    def done(self) -> bool:
        return self.outcome is not None

    @property
    def thinking(self) -> bool:
        """Reasoning is streaming and the answer has not begun."""
        return bool(self.reasoning) and not self.answer and not self.done


class GenerationProgress:
    def __init__(
        self,
        message_id: int,
        *,
        user_id: int,
        conversation_id: int | None,
        model_id: str,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._clock = clock
        self.message_id = message_id
        self.user_id = user_id
        self.conversation_id = conversation_id
        self.requested_model_id = model_id
        self._lock = threading.Lock()
        # Readers (page runs in any session) wait here for a newer version.
        self._news = threading.Condition(self._lock)
        self._reasoning: list[str] = []
        self._answer: list[str] = []
        self._version = 0
        self._scrubbed: tuple[int, str, str] = (-1, "", "")  # version, reasoning, answer
        self._status: Status | None = Status(Phase.QUEUED)
        self._model_id = model_id
        self._provider_id = ""
        self._upstream = ""
        self._degraded_reason: str | None = None
        self._attempts = 0
        self._wall_start = self._clock.wall()
        self._start = self._clock.monotonic()
        self._route_start: float | None = None
        self._queue_s: float | None = None
        self._first_token: float | None = None
        self._first_answer: float | None = None
        self._usage: Usage | None = None
        self._outcome: str | None = None
        self._error: AppError | None = None
        self._finish_reason: str | None = None
        self._web_sources: object = None
        self._ended: float | None = None

    # ------------------------------------------------------------ writes

    def apply(self, event: Event) -> None:
        with self._lock:
            self._apply(event)
            self._bump()

    def _apply(self, event: Event) -> None:
        now = self._clock.monotonic()
        if isinstance(event, Reasoning):
            self._reasoning.append(event.text)
            self._first_token = self._first_token or now
            self._status = None
        elif isinstance(event, Answer):
            self._answer.append(event.text)
            self._first_token = self._first_token or now
            self._first_answer = self._first_answer or now
            self._status = None
        elif isinstance(event, AnswerWasReasoning):
            self._reasoning = [*self._answer, *self._reasoning]
            self._answer = []
            self._first_answer = None
        elif isinstance(event, ReasoningWasAnswer):
            self._answer = [*self._reasoning, *self._answer]
            self._reasoning = []
            self._first_answer = self._first_token
        elif isinstance(event, Usage):
            self._usage = event
        elif isinstance(event, Finished):
            self._finish_reason = event.reason
        elif isinstance(event, RouteStarted):
            self._on_route(event, now)
        elif isinstance(event, WebSearchDone):
            self._web_sources = event.sources
            self._status = Status(Phase.QUEUED)
        elif isinstance(event, Status):
            self._status = event
            if event.phase is Phase.DEGRADED:
                self._degraded_reason = event.detail

    def _on_route(self, event: RouteStarted, now: float) -> None:
        # Waiting (queue, retries) ends when the request that answers starts.
        self._queue_s = now - self._start
        self._route_start = now
        self._model_id = event.model_id
        self._provider_id = event.provider_id
        self._upstream = event.upstream_model
        self._attempts = event.attempt
        self._status = Status(Phase.CONNECTING, provider=event.provider_id)

    def end(self, outcome: str, error: AppError | None = None) -> None:
        with self._lock:
            self._outcome = outcome
            self._error = error
            self._status = None
            self._ended = self._clock.monotonic()
            self._bump()

    def set_usage(self, usage: Usage) -> None:
        with self._lock:
            self._usage = usage
            self._bump()

    def _bump(self) -> None:  # with the lock held
        self._version += 1
        self._news.notify_all()

    # ------------------------------------------------------------ reads

    @property
    def version(self) -> int:
        return self._version

    @property
    def done(self) -> bool:
        return self._outcome is not None

    def wait_newer(self, version: int, timeout: float) -> bool:
        """Block until the version is past `version` (True) or `timeout` passes."""
        with self._news:
            return self._news.wait_for(lambda: self._version != version, timeout)

    def snapshot(self) -> Snapshot:
        """What there is now, with configured key values scrubbed from the text
        (a proxy may echo a key into an answer): every page shows and the
        worker stores a snapshot, never the raw pieces. Scrubbed outside the
        lock, so the stream is not held up by it."""
        with self._lock:
            end = self._ended or self._clock.monotonic()
            start = self._route_start or self._start
            raw = Snapshot(
                message_id=self.message_id,
                version=self._version,
                reasoning="".join(self._reasoning),
                answer="".join(self._answer),
                status=self._status,
                model_id=self._model_id,
                requested_model_id=self.requested_model_id,
                provider_id=self._provider_id,
                upstream_model=self._upstream,
                degraded_reason=self._degraded_reason,
                attempts=self._attempts,
                started_at=self._wall_start,
                queue_s=self._queue_s,
                first_token_s=_since(start, self._first_token),
                first_answer_s=_since(start, self._first_answer),
                reasoning_s=_between(self._first_token, self._first_answer or end)
                if self._reasoning
                else None,
                elapsed_s=end - self._start,
                usage=self._usage,
                outcome=self._outcome,
                error=self._error,
                finish_reason=self._finish_reason,
                web_sources=self._web_sources,
            )
        cached = self._scrubbed  # every page following the answer asks for the same version
        if cached[0] != raw.version:
            cached = (raw.version, scrub_known(raw.reasoning), scrub_known(raw.answer))
            self._scrubbed = cached
        return replace(raw, reasoning=cached[1], answer=cached[2])


def _since(start: float, moment: float | None) -> float | None:
    return None if moment is None else moment - start


def _between(first: float | None, second: float) -> float | None:
    return None if first is None else second - first
