"""Style-controlled Bradley–Terry: length and Markdown wins are taken away from the ratings."""

import numpy as np
import pytest

from core.ratings import A_BETTER, B_BETTER, ELO_SCALE, VoteCell, leaderboard
from core.style_control import StyledVote, style_controlled_leaderboard, style_covariates

MODELS = ["sharp", "verbose", "plain"]
SUBSTANCE = np.array([0.4, 0.0, 0.0])  # log-odds: sharp is truly better
TYPICAL_LENGTH = np.array([150, 450, 150])  # words: verbose writes three times as much
LENGTH_PULL = 3.0  # log-odds per unit of (a − b) / (a + b + 1): voters love length


def simulate(votes: int, seed: int, pull: float = LENGTH_PULL) -> list[StyledVote]:
    """Votes where a model's chance depends on its substance and on how much
    longer its answer is; answer lengths vary around each model's habit."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(votes):
        a, b = rng.choice(len(MODELS), 2, replace=False)
        length_a, length_b = np.exp(rng.normal(np.log(TYPICAL_LENGTH[[a, b]]), 0.5)).round()
        ratio = (length_a - length_b) / (length_a + length_b + 1)
        p_a = 1 / (1 + np.exp(-(SUBSTANCE[a] - SUBSTANCE[b] + pull * ratio)))
        outcome = A_BETTER if rng.random() < p_a else B_BETTER
        out.append(
            StyledVote(MODELS[a], MODELS[b], outcome, (length_a, 0, 0, 0), (length_b, 0, 0, 0))
        )
    return out


def raw(votes: list[StyledVote], rounds: int = 100):
    return leaderboard([VoteCell(v.model_a, v.model_b, v.outcome) for v in votes], rounds=rounds)


def test_a_model_that_wins_only_by_length_loses_its_lead_under_style_control():
    votes = simulate(3_000, seed=1)
    uncontrolled = raw(votes)
    controlled = style_controlled_leaderboard(votes, rounds=100)
    assert uncontrolled.ratings[0].model_id == "verbose"
    assert controlled.ratings[0].model_id == "sharp"
    assert controlled.ratings[0].rank_ub == 1
    rating = {r.model_id: r for r in controlled.ratings}
    assert rating["verbose"].rank_ub == 2  # clearly behind sharp, level with plain
    # verbose and plain have the same substance: level once style is controlled
    assert abs(rating["verbose"].rating - rating["plain"].rating) < 25
    # and the length effect is found, positive, with an interval that excludes 0
    length = controlled.style_effects[0]
    assert length.feature == "length" and 0 < length.low < length.points < length.high


def test_style_controlled_ratings_recover_the_true_substance():
    controlled = style_controlled_leaderboard(simulate(6_000, seed=2), rounds=0)
    rating = {r.model_id: r.rating for r in controlled.ratings}
    recovered = np.array([rating[m] for m in MODELS]) - 1000
    truth = ELO_SCALE * (SUBSTANCE - SUBSTANCE.mean())
    assert np.abs(recovered - truth).max() < 20  # Elo points


def test_without_a_style_effect_both_fits_agree():
    votes = simulate(4_000, seed=3, pull=0.0)
    controlled = style_controlled_leaderboard(votes, rounds=0)
    uncontrolled = raw(votes, rounds=0)
    assert [r.model_id for r in controlled.ratings] == [r.model_id for r in uncontrolled.ratings]
    for styled, plain in zip(controlled.ratings, uncontrolled.ratings, strict=True):
        assert styled.rating == pytest.approx(plain.rating, abs=10)
    assert abs(controlled.style_effects[0].points) < 20


def test_the_predicted_matrix_is_at_equal_style():
    controlled = style_controlled_leaderboard(simulate(6_000, seed=4), rounds=0)
    index = {m: i for i, m in enumerate(controlled.models)}
    sharp, verbose = index["sharp"], index["verbose"]
    at_equal_style = 1 / (1 + np.exp(-(SUBSTANCE[0] - SUBSTANCE[1])))
    assert controlled.predicted[sharp, verbose] == pytest.approx(at_equal_style, abs=0.04)
    # what the voters actually did favours the verbose model
    assert controlled.win_rate[sharp, verbose] < controlled.predicted[sharp, verbose] - 0.1


def test_a_feature_that_never_differs_is_harmless():
    votes = [
        StyledVote("x", "y", A_BETTER, (100, 2, 0, 0), (100, 2, 0, 0)),
        StyledVote("y", "x", B_BETTER, (50, 0, 1, 3), (50, 0, 1, 3)),
    ] * 10
    z, sd = style_covariates(votes)
    assert (sd == 0).all() and (z == 0).all()
    board = style_controlled_leaderboard(votes, rounds=20)
    assert [r.model_id for r in board.ratings] == ["x", "y"]
    assert all(np.isfinite([r.rating, r.low, r.high]).all() for r in board.ratings)
    assert all(e.points == 0 for e in board.style_effects)


def test_the_normalised_difference_is_lmarenas():
    votes = [
        StyledVote("x", "y", A_BETTER, (300, 4, 0, 0), (99, 0, 0, 0)),
        StyledVote("y", "x", A_BETTER, (99, 0, 0, 0), (300, 4, 0, 0)),
    ]
    z, sd = style_covariates(votes)
    # (300 − 99) / (300 + 99 + 1) = 0.5025 and its mirror; sd over the two votes
    assert sd[0] == pytest.approx(201 / 400)
    assert z[:, 0] == pytest.approx([1, -1])
    assert z[:, 1] == pytest.approx([1, -1])  # (4 − 0) / 5 = 0.8, sd 0.8


def test_no_votes_no_board():
    board = style_controlled_leaderboard([])
    assert board.ratings == () and board.votes == 0


def test_bootstrap_intervals_of_the_style_fit_cover_the_truth_at_about_95_percent():
    """Simulated arenas: the intervals of the three ratings and of the length
    effect should contain the true values about 95 % of the time (30 × 4)."""
    truth = 1000 + ELO_SCALE * (SUBSTANCE - SUBSTANCE.mean())
    covered = []
    for seed in range(30):
        votes = simulate(600, seed=200 + seed)
        _, sd = style_covariates(votes)
        board = style_controlled_leaderboard(votes, rounds=100, seed=seed)
        rating = {r.model_id: r for r in board.ratings}
        covered += [
            rating[m].low <= t <= rating[m].high for m, t in zip(MODELS, truth, strict=True)
        ]
        length = board.style_effects[0]  # β is per sd of the normalised difference
        covered.append(length.low <= ELO_SCALE * LENGTH_PULL * sd[0] <= length.high)
    assert 0.87 <= np.mean(covered) <= 0.995, np.mean(covered)
