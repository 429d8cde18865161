"""A judged batch's summary as CSV and the whole report as JSON."""

from __future__ import annotations

import json

from core.csv_export import dicts_to_csv
from core.judging.report import BatchReport, ColumnSummary
from core.judging.stats import Estimate

SUMMARY_COLUMNS = [
    "column",
    "baseline",
    "answered",
    "pass_rate",
    "pass_low",
    "pass_high",
    "checked_rows",
    "mean_score",
    "score_low",
    "score_high",
    "scored_rows",
    "malformed",
    "refused",
    "judge_failed",
    "wins",
    "ties",
    "losses",
    "judge_rating",
    "judge_rating_low",
    "judge_rating_high",
    "judge_rank_ub",
]


def _estimate(prefix: str, low: str, high: str, n: str, est: Estimate | None) -> dict:
    if est is None:
        return {prefix: None, low: None, high: None, n: 0}
    return {prefix: est.value, low: est.low, high: est.high, n: est.n}


def summary_rows(report: BatchReport) -> list[dict]:
    """One row per column: pass rate, mean score, pairwise record, the judge's rating."""
    ratings = {r.model_id: r for r in report.board.ratings} if report.board else {}
    rows = []
    for col in report.columns:
        rating = ratings.get(col.label)
        rows.append(
            {
                "column": col.label,
                "baseline": col.is_baseline,
                "answered": col.answered,
                **_estimate("pass_rate", "pass_low", "pass_high", "checked_rows", col.pass_rate),
                **_estimate("mean_score", "score_low", "score_high", "scored_rows", col.score),
                "malformed": col.malformed,
                "refused": col.refused,
                "judge_failed": col.judge_failed,
                "wins": col.wins,
                "ties": col.ties,
                "losses": col.losses,
                "judge_rating": rating.rating if rating else None,
                "judge_rating_low": rating.low if rating else None,
                "judge_rating_high": rating.high if rating else None,
                "judge_rank_ub": rating.rank_ub if rating else None,
            }
        )
    return rows


def summary_csv(report: BatchReport) -> str:
    return dicts_to_csv(SUMMARY_COLUMNS, summary_rows(report))


def report_json(report: BatchReport, result_rows: list[dict]) -> str:
    """Everything in one document: the judge, its cost, the summary, every row."""
    judge = report.judge
    cost = report.cost
    document = {
        "judge": None
        if judge is None
        else {"model": judge.model_id, "mode": judge.mode, "baseline": _baseline(report)},
        "judge_cost": None if cost is None else cost.__dict__,
        "summary": summary_rows(report),
        "rows": result_rows,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def _baseline(report: BatchReport) -> str | None:
    column: ColumnSummary | None = next((c for c in report.columns if c.is_baseline), None)
    return column.label if column else None
