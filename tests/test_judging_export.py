"""The downloads of a judged batch (core/judging/export.py): the summary CSV, one
line per column, and the whole report as JSON. What a person opens in a
spreadsheet or a notebook must say the same as the page: each column's pass
rate and mean score with their intervals, its record against the baseline,
and the judge's rating of it; a number that does not exist is an empty cell."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from core.judging.export import SUMMARY_COLUMNS, report_json, summary_csv
from core.judging.report import BatchReport, ColumnSummary, JudgeCost, RowResult
from core.judging.stats import Estimate
from core.ratings import Leaderboard, Rating
from core.store.judging import JudgeView

BASELINE = ColumnSummary(
    column_id=1,
    label="deepseek-v4",
    answered=10,
    pass_rate=Estimate(0.8, 0.49, 0.94, 10),
    score=Estimate(7.5, 6.9, 8.1, 9),
    malformed=1,
    refused=0,
    judge_failed=0,
    is_baseline=True,
)
# No row has assertions (no pass rate); 0 malformed, 1 refused, 1 judge failure.
CHALLENGER = ColumnSummary(
    2, "通义千问 · t=0.7", 9, None, Estimate(6.0, 5.1, 6.9, 8), 0, 1, 1, wins=2, ties=3, losses=4
)
UNRATED = ColumnSummary(3, "=HYPERLINK(1)", 0, None, None, 0, 0, 0)
BOARD = Leaderboard(
    ratings=(
        Rating("deepseek-v4", 1012.5, 990.0, 1035.0, 9, 4, 2, 3, rank_ub=1),
        Rating("通义千问 · t=0.7", 987.5, 965.0, 1010.0, 9, 2, 4, 3, rank_ub=1),
    ),
    models=("deepseek-v4", "通义千问 · t=0.7"),
    win_rate=np.zeros((2, 2)),
    battles=np.zeros((2, 2)),
    votes=9,
)
REPORT = BatchReport(
    rows={7: RowResult(7, (), "scored", score=8, reason="Names Paris.")},
    columns=(BASELINE, CHALLENGER, UNRATED),
    board=BOARD,
    cost=JudgeCost(
        requests=19, complete=18, cost_usd=0.0123, prompt_tokens=7600, completion_tokens=190
    ),
    judge=JudgeView("qwen-judge", "pairwise", baseline_column_id=1),
)


def summary_lines(report: BatchReport) -> list[dict[str, str]]:
    document = summary_csv(report)
    assert document.splitlines()[0].split(",") == SUMMARY_COLUMNS
    return list(csv.DictReader(io.StringIO(document, newline="")))


def test_one_summary_line_per_column_with_its_intervals():
    baseline, challenger, unrated = summary_lines(REPORT)
    assert baseline["column"] == "deepseek-v4" and baseline["baseline"] == "True"
    assert (baseline["pass_rate"], baseline["pass_low"], baseline["pass_high"]) == (
        "0.8",
        "0.49",
        "0.94",
    )
    assert baseline["checked_rows"] == "10" and baseline["scored_rows"] == "9"
    assert (baseline["mean_score"], baseline["malformed"]) == ("7.5", "1")
    # The record against the baseline and the judge's rating, matched by label.
    assert challenger["column"] == "通义千问 · t=0.7" and challenger["baseline"] == "False"
    assert (challenger["wins"], challenger["ties"], challenger["losses"]) == ("2", "3", "4")
    assert (challenger["refused"], challenger["judge_failed"]) == ("1", "1")
    assert challenger["judge_rating"] == "987.5" and challenger["judge_rank_ub"] == "1"
    assert (challenger["judge_rating_low"], challenger["judge_rating_high"]) == ("965.0", "1010.0")
    # No assertions, no scores, not on the board: empty cells and counts of 0, not "None".
    assert challenger["pass_rate"] == "" and challenger["checked_rows"] == "0"
    assert unrated["mean_score"] == "" and unrated["scored_rows"] == "0"
    assert unrated["judge_rating"] == "" and unrated["judge_rank_ub"] == ""


def test_a_label_a_spreadsheet_would_run_is_written_as_text():
    *_, unrated = summary_lines(REPORT)
    assert unrated["column"] == "'=HYPERLINK(1)"


def test_the_json_report_holds_the_judge_its_cost_the_summary_and_every_row():
    rows = [{"prompt": "Capital?", "column": "deepseek-v4", "answer": "巴黎", "score": 8}]
    document = report_json(REPORT, rows)
    assert "巴黎" in document  # readable as written, not \\u escapes
    report = json.loads(document)
    assert report["judge"] == {"model": "qwen-judge", "mode": "pairwise", "baseline": "deepseek-v4"}
    assert report["judge_cost"] == {
        "requests": 19,
        "complete": 18,
        "cost_usd": 0.0123,
        "prompt_tokens": 7600,
        "completion_tokens": 190,
    }
    assert [line["column"] for line in report["summary"]] == [
        "deepseek-v4",
        "通义千问 · t=0.7",
        "=HYPERLINK(1)",  # JSON is data, not a spreadsheet: kept as it is
    ]
    assert report["summary"][1]["pass_rate"] is None
    assert report["summary"][0]["judge_rating"] == 1012.5
    assert report["rows"] == rows


def test_a_batch_without_a_judge_exports_its_assertions_alone():
    plain = BatchReport(rows={}, columns=(BASELINE,), board=None, cost=None, judge=None)
    report = json.loads(report_json(plain, []))
    assert report["judge"] is None and report["judge_cost"] is None
    [line] = report["summary"]
    assert line["pass_rate"] == 0.8 and line["judge_rating"] is None
    [csv_line] = summary_lines(plain)
    assert csv_line["judge_rating"] == "" and csv_line["pass_rate"] == "0.8"
