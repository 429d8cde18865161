"""What the leaderboard page shows: ratings from votes, and measured performance.

Ratings come from every stored vote (core/ratings.py). Performance comes from
every recorded request (the attempts table: latency and time to first token
per request, busy answers included in the request count) and every complete
answer (messages: output speed and cost at the catalog's prices).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from core.arena import Arena, battles_csv
from core.catalog import Catalog, Model
from core.csv_export import dicts_to_csv
from core.metrics import cost_usd, mean, median, output_rate, seconds
from core.ratings import Leaderboard, VoteCell, leaderboard
from core.store import measurements
from core.store import votes as vote_store
from core.store.attempts import BUSY, OK
from core.store.db import database_url
from core.store.judged_battles import votes_without_text

BOOTSTRAP_ROUNDS = 200


@dataclass(frozen=True)
class ModelPerformance:
    model_id: str
    requests: int
    busy_share: float
    latency_p50_s: float | None  # successful requests, from send to last token
    ttft_p50_s: float | None
    answers: int
    tokens_per_s_p50: float | None
    cost_per_answer_usd: float | None  # mean, at list prices
    total_cost_usd: float | None


def current_leaderboard(rounds: int = BOOTSTRAP_ROUNDS) -> Leaderboard:
    """Ratings fitted on every vote in the database."""
    cells = [VoteCell(a, b, outcome, count) for a, b, outcome, count in vote_store.vote_tallies()]
    return leaderboard(cells, rounds=rounds)


VOTE_COLUMNS = ["id", "created_at", "model_a", "model_b", "outcome"]


def votes_csv() -> str:
    """Every vote the ratings are fitted on, as CSV (no user, no text)."""
    return dicts_to_csv(VOTE_COLUMNS, vote_store.all_votes())


def current_performance(catalog: Catalog) -> list[ModelPerformance]:
    return model_performance(measurements.attempt_rows(), measurements.answer_rows(), catalog)


def model_performance(
    attempts: list[tuple], answers: list[tuple], catalog: Catalog
) -> list[ModelPerformance]:
    """Per model: request count, busy share, median latency and first token from
    requests; median output speed and mean cost from complete answers.

    Speed and cost are those of core/metrics.py, the numbers each answer shows.
    """
    requests: dict[str, list[tuple]] = defaultdict(list)
    for model_id, *row in attempts:
        requests[model_id].append(tuple(row))
    done: dict[str, list[tuple]] = defaultdict(list)
    for model_id, *row in answers:
        done[model_id].append(tuple(row))
    return [
        _performance(model_id, requests[model_id], done[model_id], catalog.model(model_id))
        for model_id in sorted(requests.keys() | done.keys())
    ]


def _performance(
    model_id: str, requests: list[tuple], answers: list[tuple], model: Model | None
) -> ModelPerformance:
    ok = [(duration, ttft) for outcome, duration, ttft in requests if outcome == OK]
    rates = [
        output_rate(completion, duration, queue, ttft)
        for _, completion, duration, queue, ttft in answers
    ]
    costs = [cost_usd(prompt, completion, model) for prompt, completion, *_ in answers]
    known_costs = [cost for cost in costs if cost is not None]
    return ModelPerformance(
        model_id=model_id,
        requests=len(requests),
        busy_share=sum(outcome == BUSY for outcome, *_ in requests) / len(requests)
        if requests
        else 0.0,
        latency_p50_s=seconds(median(duration for duration, _ in ok)),
        ttft_p50_s=seconds(median(ttft for _, ttft in ok)),
        answers=len(answers),
        tokens_per_s_p50=median(rates),
        cost_per_answer_usd=mean(costs),
        total_cost_usd=sum(known_costs) if known_costs else None,
    )


class BoardStamp(NamedTuple):
    """Changes whenever the votes the board is fitted on change: one added or
    removed, or a battle deleted (its vote stays, its text goes). With the
    database's address, a cache key that never mixes two databases (the tests
    switch them within one process)."""

    database: str
    votes: int
    last_vote_id: int
    votes_without_text: int


class PerformanceStamp(NamedTuple):
    """Changes whenever a request or an answer is recorded."""

    database: str
    last_attempt_id: int
    last_message_id: int


class LeaderboardService:
    """What the Leaderboard page reads, built once per process (core/services.py)."""

    def __init__(self, arena: Arena) -> None:
        self.arena = arena

    def board_stamp(self) -> BoardStamp:
        counted = vote_store.vote_stamp()
        return BoardStamp(database_url(), counted.count, counted.last_id, votes_without_text())

    def performance_stamp(self) -> PerformanceStamp:
        measured = measurements.measurement_stamp()
        return PerformanceStamp(database_url(), measured.last_attempt_id, measured.last_message_id)

    def performance(self, catalog: Catalog) -> list[ModelPerformance]:
        return current_performance(catalog)

    def votes_csv(self) -> str:
        return votes_csv()

    def battles_csv(self, user_id: int) -> str:
        """The user's own battles, judged or not (models blank until judged)."""
        return battles_csv(self.arena.history(user_id, limit=100_000))
