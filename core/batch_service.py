"""Every workflow of a person's batches, for the Batch page: the one door to them.

The runner (core/batch.py) schedules the cells; this service is what a page
calls: list, open, read a batch's contents and report, export, run, stop and
delete. Built once per process (core/services.py) with its collaborators.
Deleting a batch gives the guarantee deleting a conversation gives: its
running answers are stopped first, then its rows, answers, files and search
index entries are erased for real (core/store/erase.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from core.batch import BatchRunner, JudgeSetting, result_rows
from core.batch import results_csv as rows_csv
from core.catalog import Catalog
from core.chat import ChatService
from core.judging import export as judging_export
from core.judging.report import BatchReport, build_report
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store import erase
from core.store import judging as judging_store
from core.store.batches import BatchColumnView, BatchPromptView, BatchView, CellView, NewPrompt
from core.store.judging import CriteriaView, JudgeView

log = logging.getLogger(__name__)

STOP_WAIT_S = 10.0  # how long Stop (and deleting) waits for the batch's run to end


@dataclass(frozen=True)
class BatchContents:
    """What a batch holds, read together: what the page renders and exports."""

    batch_id: int
    prompts: list[BatchPromptView]
    columns: list[BatchColumnView]
    cells: list[CellView]  # in prompt order
    judge: JudgeView | None
    criteria: dict[int, CriteriaView]  # by prompt id

    @property
    def judged(self) -> bool:
        """A judge, or assertions on some prompt: the batch has verdicts to show."""
        return self.judge is not None or bool(self.criteria)


class BatchService:
    def __init__(self, runner: BatchRunner, chat: ChatService) -> None:
        self.runner = runner
        self.chat = chat

    # ------------------------------------------------------------ reading

    def history(self, user_id: int, *, limit: int = 50) -> list[BatchView]:
        """The user's batches, newest first."""
        return batch_store.list_batches(user_id, limit=limit)

    def get(self, user_id: int, batch_id: int) -> BatchView:
        """One of the user's batches; `RecordNotFound` for anyone else's."""
        return batch_store.get_batch(user_id, batch_id)

    def find(self, user_id: int, public_id: str) -> BatchView:
        """By the id in the URL, among the user's own only."""
        return batch_store.find_batch(user_id, public_id)

    def contents(self, user_id: int, batch_id: int) -> BatchContents:
        """Prompts, columns, cells, judge and criteria (each read checks the owner)."""
        return BatchContents(
            batch_id,
            batch_store.batch_prompts(user_id, batch_id),
            batch_store.batch_columns(user_id, batch_id),
            batch_store.batch_cells(user_id, batch_id),
            judging_store.judge_of(user_id, batch_id),
            judging_store.criteria(user_id, batch_id),
        )

    def report(self, user_id: int, contents: BatchContents, catalog: Catalog) -> BatchReport | None:
        """Checks and verdicts per cell and per column; None for a batch not judged."""
        if not contents.judged:
            return None
        return build_report(
            contents.prompts,
            contents.columns,
            contents.cells,
            contents.criteria,
            contents.judge,
            judging_store.judgements(user_id, contents.batch_id),
            catalog,
        )

    @staticmethod
    def rows(
        contents: BatchContents, catalog: Catalog, report: BatchReport | None = None
    ) -> list[dict]:
        """One row per cell (the results table and its CSV)."""
        return result_rows(contents.cells, contents.prompts, contents.columns, catalog, report)

    def results_csv(self, user_id: int, batch_id: int, catalog: Catalog) -> str:
        contents = self.contents(user_id, batch_id)
        return rows_csv(self.rows(contents, catalog, self.report(user_id, contents, catalog)))

    def summary_csv(self, user_id: int, batch_id: int, catalog: Catalog) -> str:
        """Per-column pass rates, scores and win rates with their intervals."""
        contents = self.contents(user_id, batch_id)
        return judging_export.summary_csv(self.report(user_id, contents, catalog))

    def report_json(self, user_id: int, batch_id: int, catalog: Catalog) -> str:
        contents = self.contents(user_id, batch_id)
        report = self.report(user_id, contents, catalog)
        return judging_export.report_json(report, self.rows(contents, catalog, report))

    def answered_elsewhere(self, user_id: int, cells: Sequence[CellView]) -> int:
        """Cells whose answer another process (a replica running this batch) is writing."""
        return sum(
            1
            for cell in cells
            if cell.message is not None and self.chat.written_elsewhere(user_id, cell.message)
        )

    # ------------------------------------------------------------ running

    def create(
        self,
        user_id: int,
        name: str,
        prompts: Sequence[NewPrompt],
        settings: Sequence[ModelSettings],
        *,
        concurrency: int,
        judge: JudgeSetting | None = None,
    ) -> BatchView:
        """Store a batch (every cell pending) and start running it."""
        return self.runner.create(
            user_id, name, prompts, settings, concurrency=concurrency, judge=judge
        )

    def start(self, user_id: int, batch_id: int) -> int:
        """Run the cells still pending; how many were queued."""
        return self.runner.start(user_id, batch_id)

    def rerun_failed(self, user_id: int, batch_id: int) -> int:
        return self.runner.rerun_failed(user_id, batch_id)

    def failed_count(self, user_id: int, batch_id: int, cells: Sequence[CellView]) -> int:
        return self.runner.failed_count(user_id, batch_id, cells)

    def is_running(self, batch_id: int) -> bool:
        return self.runner.is_running(batch_id)

    def waiting_cells(self, batch_id: int) -> set[int]:
        return self.runner.waiting_cells(batch_id)

    def stop(self, user_id: int, batch_id: int) -> None:
        """Start no more cells and stop those being answered (kept as stopped;
        they can be rerun), then give the run a moment to end, so the page
        redraws on a settled batch: without it, a loaded machine showed the
        stopped cells still "queued" right after Stop."""
        self.runner.stop(user_id, batch_id)  # checks the owner first
        self._wait_for_run(batch_id)

    def _wait_for_run(self, batch_id: int) -> None:
        try:
            self.runner.wait(batch_id, timeout=STOP_WAIT_S)
        except TimeoutError:  # it ends on its own; the page keeps refreshing meanwhile
            log.warning("batch %s still stopping after %.0f s", batch_id, STOP_WAIT_S)

    # ------------------------------------------------------------ deleting

    def delete(self, user_id: int, batch_id: int) -> None:
        """Delete a batch with the guarantee a conversation's deletion has: its run
        stopped and its answers (cells and the judge's replies) stopped, then the
        batch, its prompts, criteria and answers erased for real."""
        self.stop(user_id, batch_id)  # nothing new starts, its run ended; checks the owner
        for conversation_id in batch_store.batch_conversation_ids(user_id, batch_id):
            self.chat.stop_all(user_id, conversation_id)
        batch_store.delete_batch(user_id, batch_id)
        erase.forget_deleted_text()
