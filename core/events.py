"""The typed stream a generation produces.

A backend yields these events; the generation loop adds its own status events
(queued, retrying, failing over, degraded); the worker folds them into a
`GenerationProgress`; pages render that; tests assert on the events directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Reasoning:
    """A piece of the model's reasoning trace.

    `provisional`: leading text of a reasoning model served with inline tags
    but without the opening `<think>`; shown as reasoning until a
    `ReasoningConfirmed` or a `ReasoningWasAnswer` settles it.
    """

    text: str
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """A piece of the answer shown to the user."""

    text: str


@dataclass(frozen=True, slots=True)
class AnswerWasReasoning:
    """Everything emitted as answer so far was in fact reasoning.

    Some R1 deployments omit the opening `<think>` tag; we only learn that the
    text was reasoning when the closing `</think>` arrives.
    """


@dataclass(frozen=True, slots=True)
class ReasoningConfirmed:
    """The provisional reasoning so far was reasoning: a `</think>` closed it."""


@dataclass(frozen=True, slots=True)
class ReasoningWasAnswer:
    """Everything emitted as provisional reasoning so far was in fact the answer.

    A reasoning model's stream ended (or stopped, or broke) with no `</think>`:
    it simply answered, so its text moves back to the answer.
    """


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts, from the provider or estimated with tiktoken."""

    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int | None = None
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class Finished:
    """The backend signalled a proper end (`finish_reason` or `[DONE]`)."""

    reason: str


class Phase(StrEnum):
    """What a generation is doing while no text arrives."""

    QUEUED = "queued"
    CONNECTING = "connecting"
    RETRYING = "retrying"
    FAILING_OVER = "failing_over"
    DEGRADED = "degraded"
    SEARCHING = "searching"  # web search: the query was sent (`detail` is the query)
    READING = "reading"  # web search: fetching the top pages (`extra["pages"]`)


@dataclass(frozen=True, slots=True)
class Status:
    """A change of phase, with what a user needs to read it.

    `until` is a wall-clock deadline (for a retry countdown); `position` and
    `eta_s` describe a place in the admission queue.
    """

    phase: Phase
    provider: str = ""
    model: str = ""
    detail: str = ""
    attempt: int = 0
    max_attempts: int = 0
    until: float | None = None
    position: int | None = None
    eta_s: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RouteStarted:
    """A route was admitted and the request sent."""

    model_id: str
    provider_id: str
    upstream_model: str
    attempt: int


@dataclass(frozen=True, slots=True)
class WebSearchDone:
    """Web search for this answer is over: what was used, skipped, or unavailable.

    `sources` is a core.websearch.results.WebSources (typed loosely here so the
    events module stays free of the search package)."""

    sources: object


Event = (
    Reasoning
    | Answer
    | AnswerWasReasoning
    | ReasoningConfirmed
    | ReasoningWasAnswer
    | Usage
    | Finished
    | Status
    | RouteStarted
    | WebSearchDone
)
