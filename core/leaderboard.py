"""What the leaderboard page shows: ratings from votes, and measured performance.

Ratings come from every stored vote (core/ratings.py). Performance comes from
every recorded request (the attempts table: latency and time to first token
per request, busy answers included in the request count) and every complete
answer (messages: output speed and cost at the catalog's prices).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.catalog import Catalog
from core.csv_export import dicts_to_csv
from core.metrics import PER_MILLION
from core.ratings import Leaderboard, VoteCell, leaderboard
from core.store import measurements
from core.store import votes as vote_store
from core.store.attempts import BUSY, OK

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
    requests; median output speed and mean cost from complete answers."""
    requests = pd.DataFrame(attempts, columns=["model", "outcome", "duration_ms", "ttft_ms"])
    done = pd.DataFrame(
        answers, columns=["model", "prompt", "completion", "duration_ms", "queue_ms", "ttft_ms"]
    )
    done = done.astype({c: "float" for c in done.columns if c != "model"})
    streaming_s = (done["duration_ms"] - done["queue_ms"].fillna(0) - done["ttft_ms"]) / 1000
    done["rate"] = (done["completion"] / streaming_s).where(streaming_s > 0)
    prices_in = done["model"].map(lambda m: _price(catalog, m, "price_input"))
    prices_out = done["model"].map(lambda m: _price(catalog, m, "price_output"))
    done["cost"] = (done["prompt"] * prices_in + done["completion"] * prices_out) / PER_MILLION
    models = sorted(set(requests["model"]) | set(done["model"]))
    return [_performance(model, requests, done) for model in models]


def _price(catalog: Catalog, model_id: str, name: str) -> float:
    model = catalog.model(model_id)
    return getattr(model, name) if model is not None else np.nan


def _performance(model: str, requests: pd.DataFrame, done: pd.DataFrame) -> ModelPerformance:
    mine = requests[requests["model"] == model]
    ok = mine[mine["outcome"] == OK]
    answers = done[done["model"] == model]
    return ModelPerformance(
        model_id=model,
        requests=len(mine),
        busy_share=float((mine["outcome"] == BUSY).mean()) if len(mine) else 0.0,
        latency_p50_s=_median(ok["duration_ms"], 1000),
        ttft_p50_s=_median(ok["ttft_ms"], 1000),
        answers=len(answers),
        tokens_per_s_p50=_median(answers["rate"]),
        cost_per_answer_usd=_mean(answers["cost"]),
        total_cost_usd=float(answers["cost"].sum()) if answers["cost"].notna().any() else None,
    )


def _median(values: pd.Series, divisor: float = 1.0) -> float | None:
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.median()) / divisor if len(values) else None


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None
