"""A judged batch read back: per-row verdicts, a summary per column, the judge's board.

Everything is computed from what is stored: the answers, each prompt's
criteria and the judge's replies. So a reload, another tab or a restart shows
the same results, and a judgement rerun changes them by changing its reply.

Counting rules (docs/comparing-models.md):
* pass rate: rows with assertions whose answer is complete; a row passes when
  every assertion does. Wilson 95 % interval.
* mean score: pointwise judgements that were scored; malformed and refused
  replies are counted apart, never as a score. Student-t 95 % interval.
* pairwise: a candidate's outcome against the baseline needs both orders
  scored (core/judging/verdicts.combine_orders); on the judge's board a win
  or loss strong in both orders counts as three games (outcome_weight).
* the judge's board: Bradley–Terry (core/ratings.py) over the judge's
  outcomes — pairwise, or in pointwise mode every pair of columns on a prompt
  where both were scored (the higher score wins, equal scores tie). It is
  never mixed with the human votes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from core.catalog import Catalog
from core.judging import verdicts as v
from core.judging.assertions import CheckResult, check
from core.judging.stats import Estimate, mean_interval, wilson
from core.metrics import answer_metrics
from core.ratings import A_BETTER, B_BETTER, TIE, Leaderboard, VoteCell, leaderboard
from core.store.batches import BatchColumnView, BatchPromptView, CellView
from core.store.judging import CriteriaView, JudgementView, JudgeView
from core.store.views import COMPLETE, ERROR, INTERRUPTED, STOPPED, UNFINISHED

PENDING = "pending"
RUNNING = "running"
FAILED = "failed"  # the judge's request failed: rerun it
JUDGE_FAILED = (ERROR, STOPPED, INTERRUPTED)
LABEL_PROMPT_CHARS = 24  # of a column's system prompt, in its label


def column_label(column: BatchColumnView) -> str:
    """A column's name on boards and in exports: its model and settings."""
    label = column.model_id
    if column.thinking is not None:
        label += " · thinking" if column.thinking else " · no thinking"
    if column.temperature is not None:
        label += f" · t={column.temperature:g}"
    if column.system_prompt:  # a prompt variant: its opening words tell variants apart
        flat = " ".join(column.system_prompt.split())
        cut = flat[:LABEL_PROMPT_CHARS] + ("…" if len(flat) > LABEL_PROMPT_CHARS else "")
        label += f" · “{cut}”"
    return label


def judgement_state(judgement: JudgementView | None, mode: str) -> tuple[str, v.Verdict | None]:
    """pending / running / failed, or the verdict read from the judge's reply."""
    message = judgement.message if judgement else None
    if message is None:
        return PENDING, None
    if message.status in UNFINISHED:
        return RUNNING, None
    if message.status in JUDGE_FAILED:
        return FAILED, None
    read = v.read_score if mode == v.POINTWISE else v.read_verdict
    verdict = read(message.content)
    return verdict.outcome, verdict


@dataclass(frozen=True)
class RowResult:
    cell_id: int
    checks: tuple[CheckResult, ...]  # empty: the row has no assertions (or no answer yet)
    judge_state: str  # pending, running, failed, scored, malformed, refused, "" (not judged)
    score: int | None = None
    verdicts: tuple[str | None, str | None] = (None, None)  # pairwise: (in order, swapped)
    outcome: str | None = None  # pairwise: win / tie / loss against the baseline
    reason: str = ""
    weight: int = 1  # pairwise: games on the judge's board (verdicts.outcome_weight)

    @property
    def passed(self) -> bool | None:
        return all(c.passed for c in self.checks) if self.checks else None


@dataclass(frozen=True)
class ColumnSummary:
    column_id: int
    label: str
    answered: int
    pass_rate: Estimate | None
    score: Estimate | None
    malformed: int
    refused: int
    judge_failed: int
    wins: int = 0
    ties: int = 0
    losses: int = 0
    is_baseline: bool = False


@dataclass(frozen=True)
class JudgeCost:
    requests: int
    complete: int
    cost_usd: float | None  # None: the judge's price is not known
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class BatchReport:
    rows: dict[int, RowResult]  # by cell id
    columns: tuple[ColumnSummary, ...]
    board: Leaderboard | None  # the judge's board; None without a judge
    cost: JudgeCost | None
    judge: JudgeView | None
    by_label: dict[str, int] = field(default_factory=dict)  # board name -> column id


def build_report(
    prompts: Sequence[BatchPromptView],
    columns: Sequence[BatchColumnView],
    cells: Sequence[CellView],
    criteria: dict[int, CriteriaView],
    judge: JudgeView | None,
    judgements: Sequence[JudgementView],
    catalog: Catalog,
) -> BatchReport:
    by_order = {(j.cell_id, j.swapped): j for j in judgements}
    rows = {
        cell.id: _row(cell, criteria.get(cell.prompt_id), judge, by_order, columns, catalog)
        for cell in cells
    }
    labels = _unique_labels(columns)
    summaries = tuple(_summary(col, cells, rows, judge, labels) for col in columns)
    board = _board(cells, rows, judge, labels) if judge else None
    cost = _cost(judgements, catalog.model(judge.model_id)) if judge else None
    return BatchReport(
        rows, summaries, board, cost, judge, {label: cid for cid, label in labels.items()}
    )


def _unique_labels(columns: Sequence[BatchColumnView]) -> dict[int, str]:
    labels: dict[int, str] = {}
    seen: dict[str, int] = defaultdict(int)
    for column in columns:
        label = column_label(column)
        seen[label] += 1
        labels[column.id] = label if seen[label] == 1 else f"{label} #{seen[label]}"
    return labels


def _row(cell, crit, judge, by_order, columns, catalog) -> RowResult:
    message = cell.message
    if message is None or message.status != COMPLETE:
        return RowResult(cell.id, (), "" if judge is None else PENDING)
    checks = ()
    if crit is not None and crit.assertions:
        metrics = answer_metrics(message, catalog.model(message.model_id))
        spec = json.loads(crit.assertions)
        checks = tuple(
            check(spec, message.content, latency_s=metrics.total_s, cost_usd=metrics.cost_usd)
        )
    if judge is None:
        return RowResult(cell.id, checks, "")
    if judge.mode == v.POINTWISE:
        state, verdict = judgement_state(by_order.get((cell.id, False)), judge.mode)
        return RowResult(
            cell.id,
            checks,
            state,
            score=verdict.score if verdict else None,
            reason=verdict.reason if verdict else "",
        )
    if cell.column_id == judge.baseline_column_id:
        return RowResult(cell.id, checks, "")
    first_state, first = judgement_state(by_order.get((cell.id, False)), judge.mode)
    second_state, second = judgement_state(by_order.get((cell.id, True)), judge.mode)
    state = _worst(first_state, second_state)
    outcome, weight = None, 1
    if first_state == second_state == v.SCORED:
        points = (
            v.candidate_points(first, swapped=False),
            v.candidate_points(second, swapped=True),
        )
        outcome, weight = v.combine_orders(*points), v.outcome_weight(*points)
    reasons = [f"{i}. {x.reason}" for i, x in ((1, first), (2, second)) if x and x.reason]
    return RowResult(
        cell.id,
        checks,
        state,
        verdicts=(first.verdict if first else None, second.verdict if second else None),
        outcome=outcome,
        reason="\n".join(reasons),
        weight=weight,
    )


# A pair of judgements is as far along as its less finished half.
_STATE_ORDER = (FAILED, v.REFUSED, v.MALFORMED, RUNNING, PENDING, v.SCORED)


def _worst(a: str, b: str) -> str:
    return min(a, b, key=_STATE_ORDER.index)


def _summary(column, cells, rows, judge, labels) -> ColumnSummary:
    mine = [rows[c.id] for c in cells if c.column_id == column.id]
    answered = sum(
        c.message is not None and c.message.status == COMPLETE
        for c in cells
        if c.column_id == column.id
    )
    checked = [r.passed for r in mine if r.passed is not None]
    scores = [float(r.score) for r in mine if r.score is not None]
    outcomes = [r.outcome for r in mine if r.outcome]
    return ColumnSummary(
        column_id=column.id,
        label=labels[column.id],
        answered=answered,
        pass_rate=wilson(sum(checked), len(checked)),
        score=mean_interval(scores),
        malformed=sum(r.judge_state == v.MALFORMED for r in mine),
        refused=sum(r.judge_state == v.REFUSED for r in mine),
        judge_failed=sum(r.judge_state == FAILED for r in mine),
        wins=outcomes.count(v.WIN),
        ties=outcomes.count(v.TIE),
        losses=outcomes.count(v.LOSS),
        is_baseline=judge is not None and judge.baseline_column_id == column.id,
    )


def judge_votes(cells, rows, judge: JudgeView, labels: dict[int, str]) -> list[VoteCell]:
    """The judge's outcomes as votes between columns (never mixed with human votes)."""
    votes: dict[tuple[str, str, str], int] = defaultdict(int)
    if judge.mode == v.PAIRWISE:
        baseline = labels.get(judge.baseline_column_id)
        for cell in cells:
            row = rows[cell.id]
            if baseline and row.outcome:
                result = {v.WIN: A_BETTER, v.LOSS: B_BETTER, v.TIE: TIE}[row.outcome]
                votes[(labels[cell.column_id], baseline, result)] += row.weight
    else:
        by_prompt: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for cell in cells:
            score = rows[cell.id].score
            if score is not None:
                by_prompt[cell.prompt_id].append((labels[cell.column_id], score))
        for scored in by_prompt.values():
            for (a, score_a), (b, score_b) in combinations(scored, 2):
                result = A_BETTER if score_a > score_b else B_BETTER if score_b > score_a else TIE
                votes[(a, b, result)] += 1
    return [VoteCell(a, b, outcome, n) for (a, b, outcome), n in votes.items()]


def _board(cells, rows, judge, labels) -> Leaderboard:
    return leaderboard(judge_votes(cells, rows, judge, labels))


def _cost(judgements: Sequence[JudgementView], model) -> JudgeCost:
    messages = [j.message for j in judgements if j.message is not None]
    done = [m for m in messages if m.status == COMPLETE or m.prompt_tokens]
    costs = [answer_metrics(m, model).cost_usd for m in done]
    known = [c for c in costs if c is not None]
    return JudgeCost(
        requests=len(judgements),
        complete=sum(m.status == COMPLETE for m in messages),
        cost_usd=sum(known) if known or not done else None,
        prompt_tokens=sum(m.prompt_tokens or 0 for m in done),
        completion_tokens=sum(m.completion_tokens or 0 for m in done),
    )
