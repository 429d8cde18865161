"""Bradley–Terry ratings from arena votes, with bootstrap confidence intervals.

The model: model i beats model j with probability σ(θᵢ − θⱼ). The strengths θ
are fitted by maximum likelihood over every vote, with

* a tie counted as half a win for each side;
* "both are bad" counted as a tie: it says neither answer was better, which
  is what a tie says (the Chatbot Arena does the same);
* a standard normal prior on each strength (a ridge penalty, `PRIOR`), which
  keeps a model that won its only battle from flying off to an extreme rating,
  and is outweighed by the data after a few dozen battles.

Votes are first tallied into a wins matrix (one number per ordered pair), so
a fit costs the same for 100 votes as for 100,000. The fit is Newton's method
on the penalized log-likelihood, vectorized over bootstrap replicates: each
replicate redraws the vote cells from a multinomial with the observed
frequencies, which is the same as resampling the votes with replacement.
Ratings are shown on the familiar Elo scale: 400 points is a factor of ten in
the odds of winning, and the average model sits at 1000.

Besides the ratings a board carries Rank (UB) (one plus the number of models
whose interval lies wholly above this one's), each model's "both bad" count,
and the win rates the fit predicts beside the observed ones. The style-
controlled fit, with answer length and Markdown density as covariates, is in
core/style_control.py and returns the same `Leaderboard`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

A_BETTER = "a"
B_BETTER = "b"
TIE = "tie"
BOTH_BAD = "both_bad"
OUTCOMES = (A_BETTER, B_BETTER, TIE, BOTH_BAD)

# What each outcome scores for (model A, model B). Change BOTH_BAD here to
# count it differently; docs/comparing-models.md explains the choice.
SCORES = {A_BETTER: (1.0, 0.0), B_BETTER: (0.0, 1.0), TIE: (0.5, 0.5), BOTH_BAD: (0.5, 0.5)}

PRIOR = 1.0  # ridge strength on θ: a standard normal prior, in log-odds
PROVISIONAL_BATTLES = 10  # fewer than this: too few to trust the rating or its interval
ELO_SCALE = 400 / math.log(10)
ELO_CENTER = 1000.0
MAX_NEWTON_STEPS = 50
MAX_STEP = 2.0  # log-odds: damps Newton's first steps on lopsided data


@dataclass(frozen=True)
class VoteCell:
    """`count` votes with this outcome between `model_a` and `model_b`."""

    model_a: str
    model_b: str
    outcome: str
    count: int = 1


@dataclass(frozen=True)
class Rating:
    model_id: str
    rating: float
    low: float  # 95 % interval
    high: float
    battles: int
    wins: int
    losses: int
    ties: int  # both-bad votes included
    rank_ub: int = 1  # 1 + models whose lower bound is above this one's upper bound
    both_bad: int = 0  # battles voted "both are bad"

    @property
    def provisional(self) -> bool:
        """Too few battles: a bootstrap of a handful of votes says little."""
        return self.battles < PROVISIONAL_BATTLES

    @property
    def both_bad_rate(self) -> float:
        """Share of this model's battles in which the voter rejected both answers."""
        return self.both_bad / self.battles if self.battles else 0.0


@dataclass(frozen=True)
class StyleEffect:
    """What one style feature is worth, in Elo points per standard deviation of
    its normalised difference (core/style_control.py), with a 95 % interval."""

    feature: str
    points: float
    low: float
    high: float


@dataclass(frozen=True)
class Leaderboard:
    ratings: tuple[Rating, ...]  # best first
    models: tuple[str, ...]  # the order of the matrices' rows and columns
    win_rate: np.ndarray  # [i, j]: share of i's battles against j that i won, ties half
    battles: np.ndarray  # [i, j]: battles between i and j
    votes: int
    # [i, j]: σ(θᵢ − θⱼ), the chance the fit gives i of beating j (at equal
    # style, for a style-controlled board); NaN on the diagonal
    predicted: np.ndarray | None = None
    style_effects: tuple[StyleEffect, ...] = ()  # empty unless style-controlled


@dataclass(frozen=True)
class _Tally:
    models: tuple[str, ...]
    rows: np.ndarray  # index of model A per cell
    cols: np.ndarray  # index of model B per cell
    score_a: np.ndarray  # A's score per vote of the cell
    both_bad: np.ndarray  # whether the cell's outcome is "both are bad"
    counts: np.ndarray  # votes per cell


def counts_as_vote(model_a: str, model_b: str, outcome: str) -> bool:
    """A vote the ratings use: two different models and a known outcome."""
    return model_a != model_b and outcome in SCORES


def _tally(cells: Iterable[VoteCell]) -> _Tally:
    cells = [c for c in cells if c.count > 0 and counts_as_vote(c.model_a, c.model_b, c.outcome)]
    models = tuple(sorted({c.model_a for c in cells} | {c.model_b for c in cells}))
    index = {model: i for i, model in enumerate(models)}
    return _Tally(
        models=models,
        rows=np.array([index[c.model_a] for c in cells], dtype=np.intp),
        cols=np.array([index[c.model_b] for c in cells], dtype=np.intp),
        score_a=np.array([SCORES[c.outcome][0] for c in cells], dtype=float),
        both_bad=np.array([c.outcome == BOTH_BAD for c in cells], dtype=bool),
        counts=np.array([c.count for c in cells], dtype=float),
    )


def wins_matrix(tally: _Tally, counts: np.ndarray) -> np.ndarray:
    """W[..., i, j]: points i scored against j, for one or many count vectors.

    One matrix product: each vote cell scatters its A and B points into the
    flattened (i, j) and (j, i) entries.
    """
    counts = np.atleast_2d(counts)
    n = len(tally.models)
    cells = np.arange(len(tally.counts))
    scatter = np.zeros((len(cells), n * n))
    scatter[cells, tally.rows * n + tally.cols] = tally.score_a
    scatter[cells, tally.cols * n + tally.rows] = 1.0 - tally.score_a
    return (counts @ scatter).reshape(counts.shape[0], n, n)


def fit_strengths(wins: np.ndarray, prior: float = PRIOR) -> np.ndarray:
    """Maximum a posteriori θ for wins matrices of shape (n, n) or (B, n, n).

    Maximizes Σ W_ij log σ(θᵢ − θⱼ) − prior/2 · Σ θᵢ² by Newton's method; the
    penalized log-likelihood is strictly concave, so the optimum is unique.
    """
    single = wins.ndim == 2
    wins = wins[None] if single else wins
    games = wins + np.swapaxes(wins, -1, -2)
    replicates, n, _ = wins.shape
    theta = np.zeros((replicates, n))
    eye = np.eye(n)
    for _ in range(MAX_NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(theta[:, None, :] - theta[:, :, None]))  # σ(θᵢ − θⱼ)
        gradient = (wins - games * p).sum(axis=2) - prior * theta
        curvature = games * p * (1.0 - p)
        hessian = curvature - eye * (curvature.sum(axis=2)[:, :, None] + prior)
        step = np.linalg.solve(hessian, gradient[..., None])[..., 0]
        step = np.clip(step, -MAX_STEP, MAX_STEP)
        theta -= step
        if np.abs(step).max() < 1e-9:
            break
    return theta[0] if single else theta


def to_elo(theta: np.ndarray) -> np.ndarray:
    """Strengths on the Elo scale, the average model at 1000."""
    return ELO_CENTER + ELO_SCALE * (theta - theta.mean(axis=-1, keepdims=True))


def leaderboard(
    cells: Iterable[VoteCell], *, rounds: int = 200, seed: int = 0, prior: float = PRIOR
) -> Leaderboard:
    """Ratings, 95 % bootstrap intervals, battle counts and the win-rate matrices."""
    tally = _tally(cells)
    if not tally.models:
        return empty_leaderboard()
    theta = fit_strengths(wins_matrix(tally, tally.counts)[0], prior)
    low, high = _bootstrap_interval(tally, int(tally.counts.sum()), rounds, seed, prior)
    return assemble(tally, theta, low, high)


def empty_leaderboard() -> Leaderboard:
    empty = np.zeros((0, 0))
    return Leaderboard((), (), empty, empty, 0, empty)


def assemble(
    tally: _Tally,
    theta: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    style_effects: tuple[StyleEffect, ...] = (),
) -> Leaderboard:
    """A board from fitted strengths θ (log-odds) and Elo-scale interval bounds."""
    n = len(tally.models)
    wins = wins_matrix(tally, tally.counts)[0]
    games = wins + wins.T
    ratings = to_elo(theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        win_rate = np.where(games > 0, wins / games, np.nan)
    outcomes = _outcome_counts(tally, n)
    ranks = rank_upper_bound(low, high)
    rows = [
        Rating(
            model_id=model,
            rating=float(ratings[i]),
            low=float(low[i]),
            high=float(high[i]),
            battles=round(float(games[i].sum())),
            wins=outcomes["wins"][i],
            losses=outcomes["losses"][i],
            ties=outcomes["ties"][i],
            rank_ub=int(ranks[i]),
            both_bad=outcomes["both_bad"][i],
        )
        for i, model in enumerate(tally.models)
    ]
    rows.sort(key=lambda r: r.rating, reverse=True)
    total = int(tally.counts.sum())
    predicted = predicted_win_rate(theta)
    return Leaderboard(tuple(rows), tally.models, win_rate, games, total, predicted, style_effects)


def rank_upper_bound(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Rank (UB): 1 + the number of models whose lower bound exceeds this
    model's upper bound, i.e. the models clearly better than it.

    Models whose intervals overlap share a rank, so ranks may repeat and skip.
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return 1 + (low[None, :] > high[:, None]).sum(axis=1)


def predicted_win_rate(theta: np.ndarray) -> np.ndarray:
    """[i, j]: σ(θᵢ − θⱼ), the fitted chance that i beats j; NaN on the diagonal."""
    predicted = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))
    np.fill_diagonal(predicted, np.nan)
    return predicted


def _bootstrap_interval(
    tally: _Tally, total: int, rounds: int, seed: int, prior: float
) -> tuple[np.ndarray, np.ndarray]:
    if rounds <= 0 or total == 0:
        point = to_elo(fit_strengths(wins_matrix(tally, tally.counts)[0], prior))
        return point, point
    rng = np.random.default_rng(seed)
    resampled = rng.multinomial(total, tally.counts / total, size=rounds).astype(float)
    replicates = to_elo(fit_strengths(wins_matrix(tally, resampled), prior))
    low, high = np.percentile(replicates, [2.5, 97.5], axis=0)
    return low, high


def _outcome_counts(tally: _Tally, n: int) -> dict[str, list[int]]:
    wins, losses, ties, both_bad = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    decisive_a = tally.score_a == 1.0
    decisive_b = tally.score_a == 0.0
    drawn = ~(decisive_a | decisive_b)
    np.add.at(wins, tally.rows[decisive_a], tally.counts[decisive_a])
    np.add.at(losses, tally.cols[decisive_a], tally.counts[decisive_a])
    np.add.at(wins, tally.cols[decisive_b], tally.counts[decisive_b])
    np.add.at(losses, tally.rows[decisive_b], tally.counts[decisive_b])
    np.add.at(ties, tally.rows[drawn], tally.counts[drawn])
    np.add.at(ties, tally.cols[drawn], tally.counts[drawn])
    np.add.at(both_bad, tally.rows[tally.both_bad], tally.counts[tally.both_bad])
    np.add.at(both_bad, tally.cols[tally.both_bad], tally.counts[tally.both_bad])
    return {
        "wins": [int(x) for x in wins],
        "losses": [int(x) for x in losses],
        "ties": [int(x) for x in ties],
        "both_bad": [int(x) for x in both_bad],
    }
