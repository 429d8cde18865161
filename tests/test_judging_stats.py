"""The judging statistics and readers against answers worked out by hand."""

import json
import random

import pytest

from core.judging import verdicts as v
from core.judging.assertions import AssertionsInvalid, check, normalise
from core.judging.stats import mean_interval, t_critical, wilson


def test_wilson_interval_matches_the_textbook_values():
    est = wilson(8, 10)
    assert est.value == 0.8
    assert est.low == pytest.approx(0.4902, abs=1e-4)
    assert est.high == pytest.approx(0.9433, abs=1e-4)
    none = wilson(0, 10)  # the normal approximation would give [0, 0]
    assert none.low == 0.0 and none.high == pytest.approx(0.2775, abs=1e-4)
    assert wilson(0, 0) is None


def test_mean_interval_uses_students_t():
    est = mean_interval([7.0, 8.0, 9.0])  # mean 8, sd 1, t(2) = 4.303
    assert est.value == 8.0
    assert est.low == pytest.approx(8 - 4.303 / 3**0.5, abs=1e-3)
    assert est.high == pytest.approx(8 + 4.303 / 3**0.5, abs=1e-3)
    assert mean_interval([5.0]).low == 5.0
    assert mean_interval([]) is None
    assert t_critical(60) == pytest.approx(2.0003, abs=1e-3)
    assert t_critical(1000) == pytest.approx(1.9623, abs=1e-3)


def test_intervals_cover_the_true_value_at_about_95_percent():
    rng = random.Random(7)
    covered_rate = covered_mean = 0
    trials = 2000
    for _ in range(trials):
        passes = sum(rng.random() < 0.7 for _ in range(40))
        est = wilson(passes, 40)
        covered_rate += est.low <= 0.7 <= est.high
        scores = [rng.gauss(6.0, 2.0) for _ in range(12)]
        m = mean_interval(scores)
        covered_mean += m.low <= 6.0 <= m.high
    assert 0.93 <= covered_rate / trials <= 0.975
    assert 0.93 <= covered_mean / trials <= 0.97


@pytest.mark.parametrize(
    "reply, outcome, score",
    [
        ('{"score": 8, "reason": "Correct and clear."}', v.SCORED, 8),
        ('```json\n{"score": 3, "reason": "Wrong year."}\n```', v.SCORED, 3),
        ("The answer is fine.\nScore: 7", v.SCORED, 7),
        ('{"score": 11, "reason": "Excellent"}', v.MALFORMED, None),  # off the scale
        ('{"score": 7.5}', v.MALFORMED, None),
        ('{"score": "high"}', v.MALFORMED, None),
        ("A thoughtful answer overall.", v.MALFORMED, None),
        ("", v.MALFORMED, None),
        ("I can't evaluate this content.", v.REFUSED, None),
        ("抱歉，我无法评估这个回答。", v.REFUSED, None),
    ],
)
def test_pointwise_replies_are_scored_only_when_they_carry_a_score(reply, outcome, score):
    verdict = v.read_score(reply)
    assert (verdict.outcome, verdict.score) == (outcome, score)


def test_pairwise_replies_and_both_orders():
    assert v.read_verdict('{"verdict": "A>>B", "reason": "B is wrong"}').verdict == "A>>B"
    assert v.read_verdict("Clearly the second. [[B>A]]").verdict == "B>A"
    assert v.read_verdict('{"verdict": "A is better"}').outcome == v.MALFORMED
    a_better = v.Verdict(v.SCORED, verdict="A>B")
    # The candidate is A in the first order and B in the swapped one.
    assert v.candidate_points(a_better, swapped=False) == 1
    assert v.candidate_points(a_better, swapped=True) == -1
    assert v.combine_orders(1, 2) == v.WIN
    assert v.combine_orders(-2, -1) == v.LOSS
    assert v.combine_orders(1, -1) == v.TIE  # the judge preferred whatever came first
    assert v.combine_orders(1, 0) == v.TIE
    assert v.combine_orders(0, 0) == v.TIE


def test_assertions_pass_and_fail_with_reasons():
    spec = normalise(
        {
            "contains": "paris",
            "not_contains": ["I cannot"],
            "regex": r"\b18\d\d\b",
            "max_latency_s": "2",
            "max_cost_usd": 0.001,
        }
    )
    results = check(spec, "Paris, since 1889.", latency_s=1.5, cost_usd=0.002)
    assert [r.passed for r in results] == [True, True, True, True, False]
    assert check(spec, "Paris", latency_s=None, cost_usd=0.0)[3].detail == "not measured"


def test_json_and_json_schema_assertions():
    schema = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
    spec = normalise({"json_schema": json.dumps(schema)})
    (ok,) = check(spec, '```json\n{"city": "Paris"}\n```', latency_s=None, cost_usd=None)
    assert ok.passed
    (missing,) = check(spec, '{"town": "Paris"}', latency_s=None, cost_usd=None)
    assert not missing.passed and "city" in missing.detail
    (prose,) = check(normalise({"json": "true"}), "Paris", latency_s=None, cost_usd=None)
    assert not prose.passed and prose.detail.startswith("not JSON")


@pytest.mark.parametrize(
    "spec",
    [
        {"regex": "(unclosed"},
        {"json_schema": "{not json"},
        {"json_schema": {"type": 12}},
        {"max_cost_usd": "cheap"},
        {"max_latency_s": -1},
        {"sounds_right": True},
    ],
)
def test_unusable_assertions_are_refused(spec):
    with pytest.raises(AssertionsInvalid):
        normalise(spec)
