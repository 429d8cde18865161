"""The leaderboard's performance table agrees with what each answer shows."""

import pytest

from core.catalog import parse_catalog
from core.leaderboard import model_performance
from core.metrics import answer_metrics
from core.store.attempts import BUSY, FAILED, OK
from tests.test_metrics import MODEL, answer

CATALOG = parse_catalog(
    {
        "providers": {"p": {"label": "P", "base_url": "http://127.0.0.1:9/v1"}},
        "models": {
            "r1": {
                "label": "R1",
                "routes": [{"provider": "p", "model": "r1"}],
                "price_input": MODEL.price_input,
                "price_output": MODEL.price_output,
            }
        },
    }
)


def answer_row(message):
    return (
        message.model_id,
        message.prompt_tokens,
        message.completion_tokens,
        message.duration_ms,
        message.queue_ms,
        message.ttft_ms,
    )


def test_speed_and_cost_are_the_ones_each_answer_shows():
    answers = [
        answer(completion_tokens=600),
        answer(completion_tokens=300),
        answer(completion_tokens=0, reasoning_tokens=0),  # empty: no speed, still a cost
    ]
    shown = [answer_metrics(a, CATALOG.model("r1")) for a in answers]
    (row,) = model_performance([], [answer_row(a) for a in answers], CATALOG)
    # 100 and 50 tokens/s; the empty answer has no speed rather than 0 tokens/s.
    assert [m.tokens_per_s for m in shown] == [pytest.approx(100), pytest.approx(50), None]
    assert row.tokens_per_s_p50 == pytest.approx(75)
    assert row.answers == 3
    assert row.cost_per_answer_usd == pytest.approx(sum(m.cost_usd for m in shown) / 3)
    assert row.total_cost_usd == pytest.approx(sum(m.cost_usd for m in shown))


def test_requests_give_busy_share_and_median_latency():
    attempts = [
        ("r1", OK, 1_000, 200),
        ("r1", OK, 2_000, 400),
        ("r1", BUSY, 50, None),
        ("r1", FAILED, 10, None),
    ]
    (row,) = model_performance(attempts, [], CATALOG)
    assert (row.requests, row.busy_share) == (4, 0.25)
    assert (row.latency_p50_s, row.ttft_p50_s) == (1.5, 0.3)  # successful requests only
    assert (row.answers, row.tokens_per_s_p50, row.cost_per_answer_usd) == (0, None, None)


def test_a_model_no_longer_in_the_catalog_has_no_price():
    (row,) = model_performance([], [("gone", 10, 10, 5_000, 0, 1_000)], CATALOG)
    assert row.model_id == "gone" and row.cost_per_answer_usd is None
    assert row.total_cost_usd is None and row.tokens_per_s_p50 == pytest.approx(2.5)
