"""The per-user message rate limit, on fake time."""

from core.limits import RateLimiter
from tests.fake_time import FakeClock


def test_the_next_message_is_allowed_exactly_when_the_oldest_leaves_the_window():
    clock = FakeClock()
    limiter = RateLimiter(3, 60.0, clock.monotonic)
    for _ in range(3):
        assert limiter.try_acquire(1) == 0.0
        clock.advance(10.0)
    assert limiter.try_acquire(1) == 30.0  # the first was 30 s ago... of 60
    clock.advance(29.0)
    assert limiter.try_acquire(1) == 1.0
    clock.advance(1.0)
    assert limiter.try_acquire(1) == 0.0
    assert limiter.try_acquire(1) == 10.0  # the second leaves 10 s later


def test_a_refused_message_is_not_counted():
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock.monotonic)
    assert limiter.try_acquire(1) == 0.0
    for _ in range(5):
        assert limiter.try_acquire(1) > 0
    clock.advance(60.0)
    assert limiter.try_acquire(1) == 0.0


def test_each_user_has_a_window_of_their_own():
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock.monotonic)
    assert limiter.try_acquire(1) == 0.0
    assert limiter.try_acquire(2) == 0.0
    assert limiter.try_acquire(1) == 60.0


def test_a_limit_of_zero_means_no_limit():
    limiter = RateLimiter(0, 60.0, FakeClock().monotonic)
    assert all(limiter.try_acquire(1) == 0.0 for _ in range(100))
