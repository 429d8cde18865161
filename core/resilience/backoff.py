"""How long to wait before the next round of attempts."""

from __future__ import annotations

import random


def backoff_delay(
    round_no: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Exponential backoff with "equal jitter", never shorter than Retry-After.

    Round 1 waits between base/2 and base, round 2 between base and 2×base,
    and so on up to `cap`. Jitter spreads the retries of many users who were
    turned away at the same moment, so they do not return in a herd. A
    server's Retry-After is a floor: retrying sooner would only be refused.
    """
    rng = rng or random
    ceiling = min(cap, base * 2 ** max(0, round_no - 1))
    delay = ceiling / 2 + rng.random() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
