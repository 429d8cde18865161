"""Circuit breakers on fake time: exact cool-downs, one trial at a time."""

import pytest

from core.resilience.breaker import BreakerBoard, BreakerState, BreakerView, CircuitBreaker
from tests.fake_time import FakeClock


@pytest.fixture
def clock():
    return FakeClock()


def opened(clock, threshold=3, cooldown=30.0) -> CircuitBreaker:
    breaker = CircuitBreaker(threshold, cooldown, clock.monotonic)
    for _ in range(threshold):
        breaker.record_busy()
    return breaker


def test_busy_answers_below_the_threshold_keep_the_route_open(clock):
    breaker = CircuitBreaker(3, 30.0, clock.monotonic)
    breaker.record_busy()
    breaker.record_busy()
    breaker.record_success()  # a success forgets earlier busy answers
    breaker.record_busy()
    breaker.record_busy()
    assert breaker.allows() and breaker.view("r").state is BreakerState.CLOSED


def test_the_threshold_opens_it_for_exactly_the_cool_down(clock):
    breaker = opened(clock)
    assert not breaker.allows()
    assert breaker.seconds_until_trial() == 30.0
    clock.advance(29.5)
    assert not breaker.allows() and breaker.seconds_until_trial() == 0.5
    clock.advance(0.5)
    assert breaker.seconds_until_trial() == 0.0
    assert breaker.allows()  # the trial
    assert breaker.view("r").state is BreakerState.HALF_OPEN


def test_only_one_trial_at_a_time(clock):
    breaker = opened(clock)
    clock.advance(30.0)
    assert breaker.allows()
    assert not breaker.allows() and not breaker.allows()
    breaker.release_trial()  # the trial was cancelled: someone else may try
    assert breaker.allows()


def test_a_successful_trial_closes_it(clock):
    breaker = opened(clock)
    clock.advance(30.0)
    assert breaker.allows()
    breaker.record_success()
    assert breaker.view("r") == BreakerView("r", BreakerState.CLOSED, 0, 0.0)
    assert breaker.allows() and breaker.allows()


def test_a_busy_trial_reopens_it_for_a_whole_new_cool_down(clock):
    breaker = opened(clock)
    clock.advance(45.0)
    assert breaker.allows()
    breaker.record_busy()
    assert not breaker.allows()
    assert breaker.seconds_until_trial() == 30.0


def test_a_threshold_below_one_still_needs_one_busy_answer(clock):
    breaker = CircuitBreaker(0, 5.0, clock.monotonic)
    assert breaker.allows()
    breaker.record_busy()
    assert not breaker.allows()


def test_the_board_keeps_one_breaker_per_route_on_its_clock(clock):
    board = BreakerBoard(2, 10.0, clock.monotonic)
    assert board["p1/m"] is board["p1/m"]
    board["p2/m"].record_busy()
    board["p2/m"].record_busy()
    clock.advance(4.0)
    views = board.views()
    assert [(v.route_key, v.state, v.retry_in_s) for v in views] == [
        ("p1/m", BreakerState.CLOSED, 0.0),
        ("p2/m", BreakerState.OPEN, 6.0),
    ]
    board.reset()
    assert board.views() == [] and board["p2/m"].allows()
