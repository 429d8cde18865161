"""Per-answer metrics and the comparison's summary row."""

from dataclasses import replace

import pytest

from core.catalog import Model, Route
from core.metrics import (
    answer_metrics,
    cost_usd,
    mean,
    median,
    output_rate,
    percentile,
    winners,
)
from core.store.views import COMPLETE, ERROR, MessageView

MODEL = Model("r1", "R1", (Route("p", "r1"),), price_input=0.5, price_output=2.0)


def answer(**fields) -> MessageView:
    base = dict(
        id=1, public_id="x", conversation_id=1, parent_id=None, depth=1, role="assistant",
        content="hi", reasoning="", status=COMPLETE, model_id="r1", requested_model_id="r1",
        provider_id="p", upstream_model="r1", thinking=None, temperature=None, error_kind=None,
        error_detail=None, finish_reason="stop", prompt_tokens=1_000, completion_tokens=600,
        reasoning_tokens=400, usage_estimated=False, content_tokens=200, context_dropped=0,
        queue_ms=500, ttft_ms=1_500, answer_ms=4_000, reasoning_ms=2_500, duration_ms=8_000,
        attempts=1, created_at=0.0, updated_at=0.0,
    )  # fmt: skip
    base.update(fields)
    return MessageView(**base)


def test_metrics_of_an_answer():
    metrics = answer_metrics(answer(), MODEL)
    assert (metrics.queue_s, metrics.ttft_s, metrics.first_answer_s, metrics.total_s) == (
        0.5,
        1.5,
        4.0,
        8.0,
    )
    # 600 tokens between the first token (0.5 + 1.5 s) and the end (8 s)
    assert metrics.tokens_per_s == pytest.approx(100)
    assert (metrics.prompt_tokens, metrics.reasoning_tokens, metrics.answer_tokens) == (
        1000,
        400,
        200,
    )
    assert metrics.cost_usd == pytest.approx((1000 * 0.5 + 600 * 2.0) / 1e6)
    assert not metrics.estimated and metrics.complete


def test_estimates_are_marked_and_missing_numbers_stay_missing():
    metrics = answer_metrics(answer(usage_estimated=True, reasoning_tokens=None), MODEL)
    assert metrics.estimated and metrics.answer_tokens == 600
    failed = answer_metrics(
        answer(status=ERROR, completion_tokens=None, prompt_tokens=None, ttft_ms=None), MODEL
    )
    assert failed.cost_usd is None and failed.tokens_per_s is None and not failed.complete
    assert cost_usd(10, 10, None) is None
    assert output_rate(100, 1_000, 500, 500) is None  # no time left to stream in


def test_winners_name_the_fastest_first_and_cheapest_complete_columns():
    fast = answer_metrics(answer(duration_ms=3_000, ttft_ms=900), MODEL)
    slow = answer_metrics(answer(duration_ms=9_000, ttft_ms=400, completion_tokens=100), MODEL)
    failed = answer_metrics(answer(status=ERROR, duration_ms=100, ttft_ms=10), MODEL)
    result = winners([fast, slow, failed, None])
    assert result.fastest == (0,) and result.first_token == (1,) and result.cheapest == (1,)


def test_no_winner_when_all_equal_or_alone():
    same = answer_metrics(answer(), replace(MODEL, price_input=0, price_output=0))
    assert winners([same, same]).cheapest == ()
    assert winners([same, None]).fastest == ()


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([], 0.5, None),
        ([None, None], 0.5, None),
        ([3.0], 0.95, 3.0),
        ([1.0, 2.0], 0.5, 1.5),  # the usual median
        ([4.0, 1.0, 3.0, 2.0], 0.5, 2.5),  # order does not matter
        ([10, 20, 30, 40, 50], 0.95, 48.0),  # between the two highest
        ([10, None, 30, float("nan")], 0.5, 20.0),  # unknown values are left out
        ([1, 2, 3], 0.0, 1.0),
        ([1, 2, 3], 1.0, 3.0),
    ],
)
def test_percentile_interpolates_between_ranks(values, share, expected):
    assert percentile(values, share) == expected


def test_median_and_mean_ignore_unknown_values():
    assert median([None, 4, 2]) == 3.0
    assert mean([None, 4, 2]) == 3.0 and mean([None]) is None


def test_an_answer_of_zero_tokens_has_no_speed_but_has_a_cost():
    metrics = answer_metrics(answer(completion_tokens=0, reasoning_tokens=0), MODEL)
    assert metrics.tokens_per_s is None
    assert metrics.cost_usd == pytest.approx(1000 * 0.5 / 1e6)
