"""How long a request waits before its next round of attempts."""

import random

import pytest

from core.resilience.backoff import backoff_delay


class Fixed(random.Random):
    """A jitter source that always draws the same number."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("round_no", "ceiling"), [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (9, 8.0)]
)
def test_each_round_doubles_the_wait_up_to_the_cap(round_no, ceiling):
    shortest = backoff_delay(round_no, base=1.0, cap=8.0, rng=Fixed(0.0))
    longest = backoff_delay(round_no, base=1.0, cap=8.0, rng=Fixed(1.0))
    assert (shortest, longest) == (ceiling / 2, ceiling)


def test_jitter_spreads_users_turned_away_together():
    rng = random.Random(1)
    delays = [backoff_delay(3, base=1.0, cap=20.0, rng=rng) for _ in range(200)]
    assert all(2.0 <= delay <= 4.0 for delay in delays)
    assert len({round(delay, 3) for delay in delays}) > 150  # not a herd


def test_retry_after_is_a_floor_never_a_ceiling():
    assert backoff_delay(1, base=1.0, cap=8.0, retry_after=5.0, rng=Fixed(1.0)) == 5.0
    assert backoff_delay(4, base=1.0, cap=8.0, retry_after=0.5, rng=Fixed(1.0)) == 8.0


def test_round_zero_waits_like_the_first():
    assert backoff_delay(0, base=2.0, cap=8.0, rng=Fixed(1.0)) == 2.0
