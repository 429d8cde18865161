"""Batch comparisons: every prompt of a set on every chosen model, a few at a time.

The runner is process-wide, like the worker: a batch keeps running when its
page is left or reloaded. Each running batch is a task on the worker's loop
(core/task_runs.py) that starts cells while it has free slots (the batch's
own concurrency, and at most `lane_limit` batch answers per user), sleeps
until one of them ends, and hands each one to the shared worker in the batch
lane, so a batch waits in the same provider queues as everyone
else but never takes the slots a person's chat and comparisons need.

Everything a page shows comes from the database: a cell is pending until
its answer exists, then it is whatever its answer is. After a restart the
answers that were being written are interrupted like any other, so the page
shows what finished and offers to run the rest.

Fallback is off in batch runs: a cell answered by a stand-in model would be
filed under the wrong one.

A batch may name a judge (core/judging): when its answers are done, each
complete cell is sent to the judge model through the same path (the batch
lane, the provider queues, retries and busy handling), as an ordinary answer
in a conversation of its own; the verdict is read from that stored reply.
Judgements that failed are rerun with the failed cells.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from core.catalog import Catalog
from core.chat import ChatService, Choice
from core.chat_settings import checked_system_prompt
from core.compare import MAX_COLUMNS
from core.csv_export import dicts_to_csv
from core.errors import AppError, InputRejected
from core.judging import prompts as judge_prompts
from core.judging.report import JUDGE_FAILED, BatchReport, RowResult
from core.judging.verdicts import MODES, PAIRWISE, POINTWISE
from core.metrics import answer_metrics
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store import judging as judging_store
from core.store.batches import BatchColumnView, BatchPromptView, BatchView, CellView, NewPrompt
from core.store.db import unit_of_work
from core.store.views import COMPLETE, ERROR, INTERRUPTED, STOPPED, UNFINISHED, MessageView
from core.task_runs import Run, TaskRuns
from core.worker import BATCH_LANE

log = logging.getLogger(__name__)

MAX_CONCURRENCY = 4
DEFAULT_CONCURRENCY = 2
PENDING = "pending"  # a cell that has not run yet
FAILED = (ERROR, STOPPED, INTERRUPTED)


def cell_state(cell: CellView) -> str:
    """`pending`, or the status of the cell's answer."""
    return PENDING if cell.message is None else cell.message.status


@dataclass(frozen=True)
class BatchProgress:
    total: int
    finished: int  # complete or failed
    failed: int
    running: int
    pending: int

    @property
    def fraction(self) -> float:
        return self.finished / self.total if self.total else 1.0


def batch_progress(cells: Sequence[CellView]) -> BatchProgress:
    states = [cell_state(cell) for cell in cells]
    failed = sum(state in FAILED for state in states)
    running = sum(state in UNFINISHED for state in states)
    pending = states.count(PENDING)
    return BatchProgress(len(states), len(states) - running - pending, failed, running, pending)


RESULT_COLUMNS = [
    "id",
    "prompt",
    "model",
    "thinking",
    "temperature",
    "system_prompt",
    "status",
    "answer",
    "reasoning_chars",
    "total_s",
    "ttft_s",
    "prompt_tokens",
    "completion_tokens",
    "tokens_estimated",
    "tokens_per_s",
    "cost_usd",
    "error",
]
# Added when the batch has assertions or a judge (core/judging/report.py).
JUDGED_COLUMNS = [
    "checks_passed",
    "checks_total",
    "failed_checks",
    "judge_state",
    "score",
    "verdict",
    "verdict_swapped",
    "outcome",
    "judge_reason",
]


def result_rows(
    cells: Sequence[CellView],
    prompts: Sequence[BatchPromptView],
    columns: Sequence[BatchColumnView],
    catalog: Catalog,
    report: BatchReport | None = None,
) -> list[dict]:
    """One row per cell, in prompt order: the results table and its CSV; with a
    report, each row's checks and the judge's verdict and reason too."""
    prompt_of = {p.id: p for p in prompts}
    column_of = {c.id: c for c in columns}
    rows = []
    for cell in cells:
        prompt, column, message = prompt_of[cell.prompt_id], column_of[cell.column_id], cell.message
        metrics = answer_metrics(message, catalog.model(message.model_id)) if message else None
        rows.append(
            {
                "id": prompt.external_id,
                "prompt": prompt.prompt,
                "model": column.model_id,
                "thinking": column.thinking,
                "temperature": column.temperature,
                "system_prompt": system_prompt_of(prompt, column) or "",
                "status": cell_state(cell),
                "answer": message.content if message else "",
                "reasoning_chars": len(message.reasoning) if message else 0,
                "total_s": metrics.total_s if metrics else None,
                "ttft_s": metrics.ttft_s if metrics else None,
                "prompt_tokens": metrics.prompt_tokens if metrics else None,
                "completion_tokens": message.completion_tokens if message else None,
                "tokens_estimated": metrics.estimated if metrics else None,
                "tokens_per_s": metrics.tokens_per_s if metrics else None,
                "cost_usd": metrics.cost_usd if metrics else None,
                "error": (message.error_kind or "") if message else "",
            }
        )
        if report is not None:
            rows[-1].update(judged_fields(report.rows[cell.id]))
    return rows


VARIANT_SEPARATOR = "---"  # a line of its own between two prompt variants


def prompt_variants(text: str) -> list[str | None]:
    """The system prompts typed on the new-batch form, one per variant (a line
    of "---" between two); [None] when none was typed (the rows' own apply)."""
    variants, current = [], []
    for line in [*text.splitlines(), VARIANT_SEPARATOR]:
        if line.strip() == VARIANT_SEPARATOR:
            joined = "\n".join(current).strip()
            if joined:
                variants.append(joined)
            current = []
        else:
            current.append(line)
    return variants or [None]


def variant_columns(
    models: Sequence[str], temperature: float | None, variants: Sequence[str | None]
) -> list[ModelSettings]:
    """Every model with every prompt variant: a column each, model by model."""
    return [ModelSettings(m, None, temperature, v) for m in models for v in variants]


def system_prompt_of(prompt: BatchPromptView, column: BatchColumnView) -> str | None:
    """The system prompt a cell is asked with: its column's prompt variant when the
    column has one (the variant is what the batch compares, so it must reach
    every row alike), otherwise the prompt set's own for the row."""
    return column.system_prompt or prompt.system_prompt


def judged_fields(row: RowResult) -> dict:
    return {
        "checks_passed": sum(c.passed for c in row.checks) if row.checks else None,
        "checks_total": len(row.checks) if row.checks else None,
        "failed_checks": "; ".join(
            f"{c.name} ({c.detail})" if c.detail else c.name for c in row.checks if not c.passed
        ),
        "judge_state": row.judge_state,
        "score": row.score,
        "verdict": row.verdicts[0] or "",
        "verdict_swapped": row.verdicts[1] or "",
        "outcome": row.outcome or "",
        "judge_reason": row.reason,
    }


def results_csv(rows: Sequence[dict]) -> str:
    judged = bool(rows) and "judge_state" in rows[0]
    return dicts_to_csv(RESULT_COLUMNS + (JUDGED_COLUMNS if judged else []), rows)


@dataclass(frozen=True)
class JudgeSetting:
    """A batch's judge: a catalog model, a mode, and for pairwise the position
    of the column every other column is compared with."""

    model_id: str
    mode: str = POINTWISE
    baseline_position: int | None = None


# A unit of a run: (cell id, None) answers the cell; (cell id, swapped) asks
# the judge about it (pairwise: swapped=True shows the baseline first).
_Task = tuple[int, bool | None]
JUDGE_TEMPERATURE = 0.0  # the same reply to the same question, as far as the model allows


class BatchRunner:
    def __init__(self, chat: ChatService, *, lane_limit: int = MAX_CONCURRENCY) -> None:
        self.chat = chat
        self.worker = chat.worker
        self.lane_limit = lane_limit
        self._runs = TaskRuns(
            chat,
            "batch",
            start=self._start_task,
            has_room=self._has_slot,
            # The answers are in: judge them.
            on_drained=lambda run: self._unjudged_for(run),
        )

    # ------------------------------------------------------------ page side

    def create(
        self,
        user_id: int,
        name: str,
        prompts: Sequence[NewPrompt],
        settings: Sequence[ModelSettings],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        judge: JudgeSetting | None = None,
    ) -> BatchView:
        """Store a batch (every cell pending) and start running it."""
        if not 1 <= len(settings) <= MAX_COLUMNS:
            raise InputRejected(f"{len(settings)} models; choose 1 to {MAX_COLUMNS}")
        if not prompts:
            raise InputRejected("no prompts")
        if judge is not None:
            self._check_judge(judge, len(settings))
        # Every column's prompt variant, checked as chat checks a system prompt.
        variants = [checked_system_prompt(s.system_prompt) for s in settings]
        # The caps on stored text, tokens and cost, before anything is stored:
        # every prompt is kept once per column, and a variant once per row.
        prompt_bytes = sum(
            len(p.prompt.encode("utf-8", "surrogatepass"))
            + len((p.system_prompt or "").encode("utf-8", "surrogatepass"))
            for p in prompts
        )
        variant_bytes = sum(len((v or "").encode("utf-8", "surrogatepass")) for v in variants)
        self.chat.admit(
            user_id,
            lane=BATCH_LANE,
            adding_bytes=prompt_bytes * len(settings) + variant_bytes * len(prompts),
            models=[s.model_id for s in settings],
        )
        columns = [
            replace(s, system_prompt=variant) for s, variant in zip(settings, variants, strict=True)
        ]
        concurrency = max(1, min(MAX_CONCURRENCY, concurrency))
        # One unit of work: a batch is stored with its prompts, columns, cells,
        # criteria and judge, or not at all (a judged batch stored without its
        # judge would run unjudged, and the judge cannot be added later).
        with unit_of_work() as db:
            batch = batch_store.create_batch(
                user_id, name, prompts, columns, concurrency=concurrency, db=db
            )
            if judge is not None:
                stored = batch_store.batch_columns(user_id, batch.id, db=db)
                baseline = stored[judge.baseline_position].id if judge.mode == PAIRWISE else None
                judging_store.set_judge(
                    user_id,
                    batch.id,
                    judging_store.JudgeView(judge.model_id, judge.mode, baseline),
                    db=db,
                )
        self.start(user_id, batch.id)
        return batch

    def _check_judge(self, judge: JudgeSetting, columns: int) -> None:
        if judge.mode not in MODES:
            raise InputRejected(f"unknown judging mode {judge.mode}")
        if self.chat.catalog.model(judge.model_id) is None:
            raise InputRejected(f"unknown judge model {judge.model_id}")
        if judge.mode == PAIRWISE and not (
            columns >= 2
            and judge.baseline_position is not None
            and 0 <= judge.baseline_position < columns
        ):
            raise InputRejected("pairwise judging needs a baseline and another model")

    def start(self, user_id: int, batch_id: int) -> int:
        """Run every pending cell, then judge what is not judged yet; returns how
        many were queued."""
        cells = batch_store.batch_cells(user_id, batch_id)
        tasks = [(c.id, None) for c in cells if c.message is None]
        return self._enqueue(user_id, batch_id, tasks + self._unjudged(user_id, batch_id, cells))

    def rerun_failed(self, user_id: int, batch_id: int) -> int:
        """Run again the cells whose answer failed, was stopped or was interrupted,
        and ask the judge again where its request failed."""
        cells = batch_store.batch_cells(user_id, batch_id)
        tasks: list[_Task] = [(c.id, None) for c in cells if cell_state(c) in FAILED]
        if judging_store.judge_of(user_id, batch_id) is not None:
            tasks += [
                (j.cell_id, j.swapped)
                for j in judging_store.judgements(user_id, batch_id)
                if j.message is not None and j.message.status in JUDGE_FAILED
            ]
        return self._enqueue(user_id, batch_id, tasks, reruns=True)

    def failed_count(self, user_id: int, batch_id: int, cells: Sequence[CellView]) -> int:
        """What `rerun_failed` would run: failed cells and failed judge requests."""
        failed = sum(cell_state(c) in FAILED for c in cells)
        if judging_store.judge_of(user_id, batch_id) is not None:
            failed += sum(
                j.message is not None and j.message.status in JUDGE_FAILED
                for j in judging_store.judgements(user_id, batch_id)
            )
        return failed

    def _unjudged(self, user_id: int, batch_id: int, cells: Sequence[CellView]) -> list[_Task]:
        """Judge requests not made yet for complete answers (and, pairwise, a
        complete baseline answer to compare with)."""
        judge = judging_store.judge_of(user_id, batch_id)
        if judge is None:
            return []
        asked = {(j.cell_id, j.swapped) for j in judging_store.judgements(user_id, batch_id)}
        complete = [c for c in cells if cell_state(c) == COMPLETE]
        if judge.mode == POINTWISE:
            wanted = [(c.id, False) for c in complete]
        else:
            baseline_done = {
                c.prompt_id for c in complete if c.column_id == judge.baseline_column_id
            }
            wanted = [
                (c.id, swapped)
                for c in complete
                if c.column_id != judge.baseline_column_id and c.prompt_id in baseline_done
                for swapped in (False, True)
            ]
        return [task for task in wanted if task not in asked]

    def stop(self, user_id: int, batch_id: int) -> None:
        """Stop starting cells and stop those being answered (they can be rerun)."""
        batch_store.get_batch(user_id, batch_id)  # ownership check
        self._runs.stop(batch_id)

    def stop_all(self, user_id: int) -> None:
        """Stop starting the person's cells and judgements ("delete all my data")."""
        self._runs.stop_user(user_id)

    def is_running(self, batch_id: int) -> bool:
        return self._runs.is_running(batch_id)

    def waiting_cells(self, batch_id: int) -> set[int]:
        """Cells queued in this process to run (or run again) but not started yet."""
        return {cell_id for cell_id, order in self._runs.queued(batch_id) if order is None}

    def wait(self, batch_id: int, timeout: float = 60.0) -> None:
        """Block until the batch's run ends (tests)."""
        self._runs.wait(batch_id, timeout)

    def shutdown(self) -> None:
        self._runs.shutdown()

    # ------------------------------------------------------------ the run

    def _enqueue(
        self, user_id: int, batch_id: int, tasks: Iterable[_Task], *, reruns: bool = False
    ) -> int:
        return self._runs.enqueue(batch_id, user_id, tasks, mark=reruns)

    def _unjudged_for(self, run: Run) -> list[_Task]:
        cells = batch_store.batch_cells(run.user_id, run.key)
        return self._unjudged(run.user_id, run.key, cells)

    def _has_slot(self, run: Run) -> bool:
        if "concurrency" not in run.facts:
            run.facts["concurrency"] = batch_store.get_batch(run.user_id, run.key).concurrency
        lane_busy = self.worker.active_count(run.user_id, BATCH_LANE)
        return len(run.in_flight) < run.facts["concurrency"] and lane_busy < self.lane_limit

    def _start_task(self, run: Run, task: _Task) -> int | None:
        cell_id, order = task
        if order is None:
            return self._start_cell(run, cell_id)
        return self._start_judgement(run, cell_id, order)

    def _start_cell(self, run: Run, cell_id: int) -> int | None:
        _cell, prompt, column = batch_store.cell_detail(run.user_id, cell_id)
        choice = Choice(column.model_id, column.thinking, column.temperature, allow_fallback=False)
        # Claimed, so that a second process running this batch never starts
        # (and pays for) the same cell: its state is read again under the claim.
        with batch_store.claimed_cell(run.user_id, cell_id) as claim:
            if claim is None or not self._still_to_run(run, cell_id, claim.message):
                return None
            message_id = claim.message.id if claim.message is not None else None
            fresh = message_id is None
            if message_id is None:
                message_id = self.chat.draft(
                    run.user_id,
                    prompt.prompt,
                    choice,
                    kind="batch",
                    system_prompt=system_prompt_of(prompt, column),
                ).assistant_message_id
            refused = self._generate(run, message_id, choice)  # attached all the same
            if fresh:
                # The claim's only write, and its last: SQLite lets one connection
                # write at a time, and draft and generate wrote through others.
                claim.attach(message_id)
        if refused is not None:
            raise refused
        return message_id

    def _start_judgement(self, run: Run, cell_id: int, swapped: bool) -> int | None:
        """Ask the judge about one complete cell (pairwise: in one order), under
        the cell's claim, so two processes judging one batch ask once."""
        judge = judging_store.judge_of(run.user_id, run.key)
        if judge is None:
            return None
        choice = Choice(judge.model_id, None, JUDGE_TEMPERATURE, allow_fallback=False)
        with batch_store.claimed_cell(run.user_id, cell_id) as claim:
            if claim is None:
                return None  # another process holds the cell now
            existing = claim.judge_reply(swapped)
            message_id = existing.id if existing is not None else None
            if message_id is not None and (
                self.worker.is_running(message_id) or existing.status not in JUDGE_FAILED
            ):
                return None  # being asked, or answered, already
            fresh = message_id is None
            if fresh:
                text = self._judge_question(run.user_id, run.key, cell_id, judge, swapped)
                if text is None:
                    return None
                message_id = self.chat.draft(
                    run.user_id, text, choice, kind="batch", system_prompt=judge_prompts.SYSTEM
                ).assistant_message_id
            refused = self._generate(run, message_id, choice)  # recorded all the same
            if fresh:  # the claim's only write, and its last (see _start_cell)
                claim.attach_judge_reply(swapped, message_id)
        if refused is not None:
            raise refused
        return message_id

    def _generate(self, run: Run, message_id: int, choice: Choice) -> AppError | None:
        """Start writing a drafted answer in the batch lane; a refusal (a limit,
        a closed model) is returned rather than raised, because the message
        exists and must be recorded on its cell before the error is told."""
        try:
            self.chat.generate(
                run.user_id, message_id, choice, lane=BATCH_LANE, user_limit=self.lane_limit
            )
        except AppError as exc:
            return exc
        return None

    def _judge_question(
        self, user_id: int, batch_id: int, cell_id: int, judge, swapped: bool
    ) -> str | None:
        """The judge's prompt for a cell; None when an answer it needs is not complete."""
        cell, prompt, _column = batch_store.cell_detail(user_id, cell_id)
        if cell.message is None or cell.message.status != COMPLETE:
            return None
        crit = judging_store.prompt_criteria(user_id, prompt.id)
        rubric, expected = (crit.rubric, crit.expected) if crit else (None, None)
        if judge.mode == POINTWISE:
            return judge_prompts.pointwise_prompt(
                prompt.prompt, cell.message.content, rubric=rubric, expected=expected
            )
        baseline = judging_store.answer_at(user_id, prompt.id, judge.baseline_column_id)
        if baseline is None or baseline.message is None or baseline.message.status != COMPLETE:
            return None
        a, b = cell.message.content, baseline.message.content
        if swapped:
            a, b = b, a
        return judge_prompts.pairwise_prompt(prompt.prompt, a, b, rubric=rubric, expected=expected)

    def _still_to_run(self, run: Run, cell_id: int, message: MessageView | None) -> bool:
        """Whether the cell still needs what it was queued for: a first answer, or
        (queued by "rerun failed") another one after a failure. Another process may
        have run it meanwhile."""
        if message is None:
            return True
        if message.status in UNFINISHED or self.worker.is_running(message.id):
            return False
        return (cell_id, None) in run.marked and message.status in FAILED
