"""Bradley–Terry with style covariates: ratings at equal answer length and Markdown.

As LMArena's style control (Chiang et al., "Does style matter?", 2024): each
vote v between models a and b gets the features of core/style.py for both
sides, and the fit is a logistic regression

    P(a beats b) = σ(θₐ − θ_b + Σₖ βₖ zᵥₖ),

where zᵥₖ = dᵥₖ / sd(d·ₖ) and dᵥₖ = (sₐₖ − s_bₖ) / (sₐₖ + s_bₖ + 1) is the
normalised difference of feature k (length, headers, bold, list items). The
ratio keeps one 5,000-word answer from swamping the fit; dividing by the
standard deviation over all votes puts the βₖ on a common scale. θ is then
what a model is worth once β has taken the part of its wins that style
explains: its rating at equal style.

One departure from LMArena: z is not centred. Its mean is near zero anyway
(which model sits on the left is a coin toss), and uncentred, z = 0 means
"both answers had the same style", which is exactly the comparison the
predicted win-rate matrix and the ratings claim to show.

Ties score half for each side (the log-likelihood takes fractional outcomes),
"both bad" is a tie, and θ and β share the ridge prior of core/ratings.py.
The fit is Newton's method on the penalised log-likelihood (strictly concave);
the bootstrap resamples votes with replacement (multinomial counts per vote)
and warm-starts every replicate from the point estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.ratings import (
    ELO_SCALE,
    MAX_NEWTON_STEPS,
    MAX_STEP,
    PRIOR,
    SCORES,
    Leaderboard,
    StyleEffect,
    VoteCell,
    _tally,
    assemble,
    counts_as_vote,
    empty_leaderboard,
    to_elo,
)
from core.style import FEATURES


@dataclass(frozen=True)
class StyledVote:
    """One vote with the summed style counts of each side's answers."""

    model_a: str
    model_b: str
    outcome: str
    style_a: tuple[float, ...]  # in the order of core.style.FEATURES
    style_b: tuple[float, ...]


def style_covariates(votes: Sequence[StyledVote]) -> tuple[np.ndarray, np.ndarray]:
    """z (votes × features) and the standard deviations it was divided by.

    A feature that never differs (sd 0) gets a column of zeros: it cannot
    explain any vote, and its β stays at 0 under the prior.
    """
    a = np.array([v.style_a for v in votes], dtype=float).reshape(len(votes), len(FEATURES))
    b = np.array([v.style_b for v in votes], dtype=float).reshape(len(votes), len(FEATURES))
    ratio = (a - b) / (a + b + 1.0)
    sd = ratio.std(axis=0) if len(votes) else np.zeros(len(FEATURES))
    z = np.divide(ratio, sd, out=np.zeros_like(ratio), where=sd > 0)
    return z, sd


def style_controlled_leaderboard(
    votes: Sequence[StyledVote], *, rounds: int = 200, seed: int = 0, prior: float = PRIOR
) -> Leaderboard:
    """The board of core.ratings.leaderboard, fitted with style covariates."""
    votes = [v for v in votes if counts_as_vote(v.model_a, v.model_b, v.outcome)]
    tally = _tally(VoteCell(v.model_a, v.model_b, v.outcome) for v in votes)
    if not tally.models:
        return empty_leaderboard()
    index = {model: i for i, model in enumerate(tally.models)}
    n = len(tally.models)
    z, _ = style_covariates(votes)
    design = np.zeros((len(votes), n + z.shape[1]))
    rows = np.arange(len(votes))
    design[rows, [index[v.model_a] for v in votes]] = 1.0
    design[rows, [index[v.model_b] for v in votes]] = -1.0
    design[:, n:] = z
    outcome = np.array([SCORES[v.outcome][0] for v in votes])

    point = fit_logistic(design, outcome, np.ones(len(votes)), prior)
    replicates = _bootstrap(design, outcome, point, rounds, seed, prior)
    elo = to_elo(replicates[:, :n])
    low, high = np.percentile(elo, [2.5, 97.5], axis=0)
    effects = tuple(
        StyleEffect(
            feature=feature,
            points=float(ELO_SCALE * point[n + k]),
            low=float(np.percentile(ELO_SCALE * replicates[:, n + k], 2.5)),
            high=float(np.percentile(ELO_SCALE * replicates[:, n + k], 97.5)),
        )
        for k, feature in enumerate(FEATURES)
    )
    return assemble(tally, point[:n], low, high, effects)


def fit_logistic(
    design: np.ndarray,
    outcome: np.ndarray,
    weights: np.ndarray,
    prior: float = PRIOR,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Maximum a posteriori w of Σᵥ cᵥ [yᵥ log σ(xᵥ·w) + (1 − yᵥ) log σ(−xᵥ·w)] − prior/2 ‖w‖²."""
    w = np.zeros(design.shape[1]) if start is None else start.copy()
    ridge = prior * np.eye(design.shape[1])
    for _ in range(MAX_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (weights * (outcome - p)) - prior * w
        hessian = (design * (weights * p * (1.0 - p))[:, None]).T @ design + ridge
        step = np.clip(np.linalg.solve(hessian, gradient), -MAX_STEP, MAX_STEP)
        w += step
        if np.abs(step).max() < 1e-9:
            break
    return w


def _bootstrap(
    design: np.ndarray,
    outcome: np.ndarray,
    point: np.ndarray,
    rounds: int,
    seed: int,
    prior: float,
) -> np.ndarray:
    if rounds <= 0:
        return point[None, :]
    rng = np.random.default_rng(seed)
    votes = len(outcome)
    counts = rng.multinomial(votes, np.full(votes, 1.0 / votes), size=rounds).astype(float)
    return np.array([fit_logistic(design, outcome, c, prior, start=point) for c in counts])
