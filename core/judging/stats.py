"""95 % intervals for a pass rate (Wilson) and a mean score (Student's t).

Wilson's interval stays inside [0, 1] and behaves at 0/n and n/n, where the
normal approximation collapses to a point; the t interval accounts for the
few rows a prompt set often has.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054
# Two-sided 95 % critical values of Student's t for 1..30 degrees of freedom.
_T_95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int


def t_critical(df: int) -> float:
    """t₀.₉₇₅ with `df` degrees of freedom (a Cornish–Fisher expansion past 30)."""
    if df < 1:
        raise ValueError("at least one degree of freedom")
    if df <= len(_T_95):
        return _T_95[df - 1]
    z = Z_95
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def wilson(passed: int, n: int) -> Estimate | None:
    """The share passed of n, with Wilson's 95 % score interval; None when n is 0."""
    if n <= 0:
        return None
    p = passed / n
    z2 = Z_95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def mean_interval(values: Sequence[float]) -> Estimate | None:
    """The mean with a 95 % t interval; one value gives a point, none gives None."""
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n == 1:
        return Estimate(mean, mean, mean, 1)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n)
