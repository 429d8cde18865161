"""Bradley–Terry ratings: known strengths are recovered, ties and "both bad" count as documented."""

import numpy as np
import pytest

from core.ratings import (
    A_BETTER,
    B_BETTER,
    BOTH_BAD,
    ELO_SCALE,
    TIE,
    VoteCell,
    leaderboard,
    rank_upper_bound,
)

MODELS = ["alpha", "bravo", "charlie", "delta"]
STRENGTHS = np.array([-0.9, -0.2, 0.3, 0.8])  # log-odds


def simulate(votes: int, seed: int, tie_share: float = 0.0) -> list[VoteCell]:
    """Votes drawn from the Bradley–Terry model with STRENGTHS (random pairs, random sides)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(MODELS), votes)
    b = (a + rng.integers(1, len(MODELS), votes)) % len(MODELS)  # never the same model
    p_a = 1 / (1 + np.exp(-(STRENGTHS[a] - STRENGTHS[b])))
    tie = rng.random(votes) < tie_share
    a_wins = rng.random(votes) < p_a
    outcomes = np.where(tie, TIE, np.where(a_wins, A_BETTER, B_BETTER))
    return [VoteCell(MODELS[i], MODELS[j], o) for i, j, o in zip(a, b, outcomes, strict=True)]


def strengths_of(board) -> np.ndarray:
    by_model = {r.model_id: r.rating for r in board.ratings}
    ratings = np.array([by_model[m] for m in MODELS])
    return (ratings - ratings.mean()) / ELO_SCALE


def test_fit_recovers_known_strengths():
    board = leaderboard(simulate(20_000, seed=1), rounds=50)
    recovered = strengths_of(board)
    assert np.abs(recovered - (STRENGTHS - STRENGTHS.mean())).max() < 0.1
    assert [r.model_id for r in board.ratings] == ["delta", "charlie", "bravo", "alpha"]
    for rating in board.ratings:
        assert rating.low <= rating.rating <= rating.high


def test_intervals_narrow_as_votes_grow():
    few = leaderboard(simulate(400, seed=2), rounds=200)
    many = leaderboard(simulate(4_000, seed=3), rounds=200)
    width = lambda board: np.mean([r.high - r.low for r in board.ratings])  # noqa: E731
    assert width(many) < 0.5 * width(few)  # about 1/√10 expected


def test_a_tie_counts_as_half_a_win_for_each_side():
    with_ties = leaderboard([VoteCell("x", "y", A_BETTER, 3), VoteCell("x", "y", TIE, 2)], rounds=0)
    as_wins = leaderboard(
        [VoteCell("x", "y", A_BETTER, 4), VoteCell("x", "y", B_BETTER, 1)], rounds=0
    )
    assert [r.rating for r in with_ties.ratings] == pytest.approx(
        [r.rating for r in as_wins.ratings]
    )
    assert with_ties.win_rate[0, 1] == pytest.approx(0.8)  # x against y: (3 + 1) / 5


def test_both_bad_counts_as_a_tie():
    votes = simulate(2_000, seed=4, tie_share=0.3)
    as_both_bad = [
        VoteCell(v.model_a, v.model_b, BOTH_BAD if v.outcome == TIE else v.outcome) for v in votes
    ]
    ties = leaderboard(votes, rounds=20)
    both_bad = leaderboard(as_both_bad, rounds=20)
    assert [(r.model_id, r.rating, r.ties) for r in ties.ratings] == [
        (r.model_id, r.rating, r.ties) for r in both_bad.ratings
    ]


def test_only_ties_means_equal_ratings():
    board = leaderboard([VoteCell("x", "y", TIE, 5), VoteCell("y", "z", BOTH_BAD, 5)], rounds=20)
    assert [r.rating for r in board.ratings] == pytest.approx([1000, 1000, 1000])


def test_a_model_that_always_wins_gets_a_finite_rating_and_the_top():
    board = leaderboard([VoteCell("x", "y", A_BETTER, 30), VoteCell("y", "z", A_BETTER, 30)])
    assert [r.model_id for r in board.ratings] == ["x", "y", "z"]
    assert all(np.isfinite(r.rating) and np.isfinite(r.low) for r in board.ratings)


def test_battle_counts_and_win_rates_from_both_seats():
    board = leaderboard(
        [
            VoteCell("x", "y", A_BETTER, 2),
            VoteCell("y", "x", A_BETTER, 1),  # y on the left this time, and wins
            VoteCell("x", "z", BOTH_BAD, 1),
        ],
        rounds=0,
    )
    index = {m: i for i, m in enumerate(board.models)}
    x, y = index["x"], index["y"]
    assert board.battles[x, y] == 3 and board.battles[y, x] == 3
    assert board.win_rate[x, y] == pytest.approx(2 / 3)
    assert board.win_rate[y, x] == pytest.approx(1 / 3)
    rating = {r.model_id: r for r in board.ratings}
    assert (rating["x"].battles, rating["x"].wins, rating["x"].losses, rating["x"].ties) == (
        4,
        2,
        1,
        1,
    )
    assert board.votes == 4


def test_no_votes_no_ratings():
    board = leaderboard([])
    assert board.ratings == () and board.votes == 0


def test_a_model_with_few_battles_is_provisional():
    board = leaderboard([VoteCell("x", "y", A_BETTER, 3), VoteCell("y", "z", A_BETTER, 12)])
    provisional = {r.model_id: r.provisional for r in board.ratings}
    assert provisional == {"x": True, "y": False, "z": False}
    gap = {r.model_id: r.rating for r in board.ratings}
    assert 0 < gap["x"] - gap["y"] < 400  # three wins: ahead, not off the scale


def test_rank_ub_counts_only_models_clearly_better():
    # Hand-computed: intervals (low, high) of five models.
    #   p (1100, 1200)  q (1080, 1150)  r (1000, 1090)  s (900, 1010)  t (850, 950)
    # p: nobody's low is above 1200                       -> 1
    # q: nobody's low (p's 1100 < 1150) is above 1150     -> 1
    # r: p's low 1100 > 1090; q's 1080 is not            -> 2
    # s: p, q > 1010; r's 1000 is not                    -> 3
    # t: p, q and r (1000 > 950); s's 900 is not         -> 4
    low = np.array([1100, 1080, 1000, 900, 850])
    high = np.array([1200, 1150, 1090, 1010, 950])
    assert rank_upper_bound(low, high).tolist() == [1, 1, 2, 3, 4]


def test_rank_ub_on_the_board_follows_the_intervals():
    board = leaderboard(simulate(3_000, seed=5), rounds=100)
    by_rating = sorted(board.ratings, key=lambda r: r.rating, reverse=True)
    for rating in by_rating:
        clearly_better = sum(other.low > rating.high for other in board.ratings)
        assert rating.rank_ub == 1 + clearly_better
    assert by_rating[0].rank_ub == 1
    assert [r.rank_ub for r in by_rating] == sorted(r.rank_ub for r in by_rating)


def test_predicted_win_rates_come_from_the_fitted_strengths():
    board = leaderboard(simulate(20_000, seed=6), rounds=0)
    index = {m: i for i, m in enumerate(board.models)}
    delta, alpha = index["delta"], index["alpha"]
    truth = 1 / (1 + np.exp(-(STRENGTHS[3] - STRENGTHS[0])))
    assert board.predicted[delta, alpha] == pytest.approx(truth, abs=0.03)
    assert board.predicted[delta, alpha] + board.predicted[alpha, delta] == pytest.approx(1)
    assert np.isnan(board.predicted[delta, delta])
    # where the data follow the model, prediction and observation agree
    assert board.predicted[delta, alpha] == pytest.approx(board.win_rate[delta, alpha], abs=0.03)


def test_both_bad_rate_per_model():
    board = leaderboard(
        [
            VoteCell("x", "y", BOTH_BAD, 3),
            VoteCell("x", "y", A_BETTER, 5),
            VoteCell("y", "z", BOTH_BAD, 1),
            VoteCell("y", "z", TIE, 1),
        ],
        rounds=0,
    )
    rate = {r.model_id: r.both_bad_rate for r in board.ratings}
    assert rate == pytest.approx({"x": 3 / 8, "y": 4 / 10, "z": 1 / 2})
    counts = {r.model_id: r.both_bad for r in board.ratings}
    assert counts == {"x": 3, "y": 4, "z": 1}


def test_bootstrap_intervals_cover_the_true_strengths_at_about_95_percent():
    """Simulated arenas with known strengths: the 95 % intervals should contain
    the truth about 95 % of the time (160 intervals: 40 arenas × 4 models)."""
    truth = ELO_SCALE * (STRENGTHS - STRENGTHS.mean())  # Elo offsets from 1000
    covered = []
    for seed in range(40):
        board = leaderboard(simulate(800, seed=100 + seed), rounds=200, seed=seed)
        by_model = {r.model_id: r for r in board.ratings}
        for model, offset in zip(MODELS, truth, strict=True):
            r = by_model[model]
            covered.append(r.low <= 1000 + offset <= r.high)
    rate = np.mean(covered)
    # binomial sd at 95 % over 160 draws is 1.7 points; the ridge prior shrinks
    # a little, so allow a few points below nominal but not a collapse
    assert 0.88 <= rate <= 0.995, rate
