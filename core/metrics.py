"""What one answer cost in time, tokens and money, and who won a comparison.

Times come from the answer's stored timings (see core/progress.py):

* queue wait: from Send until the request that answered was sent (the
  admission queue, and any retries and failovers before it);
* time to first token: from that request to its first token, reasoning or
  answer;
* time to first answer token: the same, to the first token of the answer
  itself (after the reasoning);
* total time: from Send to the last token, queue included;
* output tokens per second: completion tokens (reasoning included) over the
  time from the first token to the last; none when no token was counted or
  no time was left to stream in.

This module is the one definition of these numbers: an answer's caption, the
comparison's winners, batch results, the leaderboard and the Status page all
compute cost, speed and percentiles here, so they never disagree.

Token counts are the provider's own when it reported usage; otherwise they
are tiktoken estimates and `estimated` says so. Cost uses the catalog's list
prices (USD per million tokens) of the model that actually answered.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.catalog import Model
from core.store.views import COMPLETE, MessageView

PER_MILLION = 1_000_000


@dataclass(frozen=True)
class AnswerMetrics:
    queue_s: float | None
    ttft_s: float | None
    first_answer_s: float | None
    total_s: float | None
    tokens_per_s: float | None
    prompt_tokens: int | None
    reasoning_tokens: int | None
    answer_tokens: int | None
    estimated: bool  # the token counts are tiktoken estimates
    cost_usd: float | None
    model_id: str | None
    provider_id: str | None
    upstream_model: str | None
    complete: bool


@dataclass(frozen=True)
class Winners:
    """Indices of the best columns; empty when nothing tells them apart."""

    fastest: tuple[int, ...]  # shortest total time
    first_token: tuple[int, ...]  # shortest time to first token
    cheapest: tuple[int, ...]


def seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


def cost_usd(
    prompt_tokens: int | None, completion_tokens: int | None, model: Model | None
) -> float | None:
    """The list-price cost of one answer; None without a model or token counts."""
    if model is None or prompt_tokens is None or completion_tokens is None:
        return None
    return (
        prompt_tokens * model.price_input + completion_tokens * model.price_output
    ) / PER_MILLION


def output_rate(
    completion_tokens: int | None,
    duration_ms: int | None,
    queue_ms: int | None,
    ttft_ms: int | None,
) -> float | None:
    """Completion tokens per second between the first token and the last.

    None without a count, or with a count of 0: an answer of no tokens (or one
    whose provider reported none) says nothing about a model's speed, and
    counting it as 0 tokens/s would drag a median down.
    """
    if not completion_tokens or duration_ms is None or ttft_ms is None:
        return None
    streaming_ms = duration_ms - (queue_ms or 0) - ttft_ms
    if streaming_ms <= 0:
        return None
    return completion_tokens / (streaming_ms / 1000)


def answer_tokens(completion_tokens: int | None, reasoning_tokens: int | None) -> int | None:
    if completion_tokens is None:
        return None
    return max(0, completion_tokens - (reasoning_tokens or 0))


def answer_metrics(message: MessageView, model: Model | None) -> AnswerMetrics:
    """The metrics of a stored answer; `model` is the one that answered."""
    return AnswerMetrics(
        queue_s=seconds(message.queue_ms),
        ttft_s=seconds(message.ttft_ms),
        first_answer_s=seconds(message.answer_ms),
        total_s=seconds(message.duration_ms),
        tokens_per_s=output_rate(
            message.completion_tokens, message.duration_ms, message.queue_ms, message.ttft_ms
        ),
        prompt_tokens=message.prompt_tokens,
        reasoning_tokens=message.reasoning_tokens,
        answer_tokens=answer_tokens(message.completion_tokens, message.reasoning_tokens),
        estimated=message.usage_estimated,
        cost_usd=cost_usd(message.prompt_tokens, message.completion_tokens, model),
        model_id=message.model_id,
        provider_id=message.provider_id,
        upstream_model=message.upstream_model,
        complete=message.status == COMPLETE,
    )


def winners(columns: Sequence[AnswerMetrics | None]) -> Winners:
    """Which complete answers were fastest, first to start and cheapest."""
    return Winners(
        fastest=_best(columns, lambda m: m.total_s),
        first_token=_best(columns, lambda m: m.ttft_s),
        cheapest=_best(columns, lambda m: m.cost_usd),
    )


def _best(columns: Sequence[AnswerMetrics | None], key) -> tuple[int, ...]:
    values = {
        index: key(metrics)
        for index, metrics in enumerate(columns)
        if metrics is not None and metrics.complete and key(metrics) is not None
    }
    if len(values) < 2 or len(set(values.values())) == 1:
        return ()  # one contender, or all equal: no winner to name
    low = min(values.values())
    return tuple(index for index, value in values.items() if value == low)


def percentile(values: Iterable[float | None], share: float) -> float | None:
    """The `share` (0..1) percentile of the known values; None if there are none.

    Linear interpolation between the closest ranks (numpy's and pandas'
    default), so the 0.5 percentile is the usual median: of 1 s and 2 s it is
    1.5 s.
    """
    known = sorted(value for value in values if value is not None and not math.isnan(value))
    if not known:
        return None
    rank = share * (len(known) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(known) - 1)
    return known[low] + (known[high] - known[low]) * (rank - low)


def median(values: Iterable[float | None]) -> float | None:
    return percentile(values, 0.5)


def mean(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None and not math.isnan(value)]
    return sum(known) / len(known) if known else None
