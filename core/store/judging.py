"""A judged batch's records: its judge, each prompt's criteria, and the
requests made to the judge (whose replies are ordinary messages).

Like a cell, a judgement only points at its message: its state is the
message's state, so a judgement being written when the process died is
interrupted like any answer, and the verdict is read from the stored reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import RecordNotFound
from core.store.batches import CellView, owned_batch
from core.store.db import session
from core.store.models import (
    BatchCell,
    BatchJudge,
    BatchJudgement,
    BatchPrompt,
    BatchPromptCriteria,
    Message,
)
from core.store.views import MessageView, view_of


@dataclass(frozen=True)
class JudgeView:
    model_id: str
    mode: str  # core/judging/verdicts.POINTWISE or PAIRWISE
    baseline_column_id: int | None


@dataclass(frozen=True)
class CriteriaView:
    prompt_id: int
    expected: str | None
    rubric: str | None
    assertions: str | None


@dataclass(frozen=True)
class JudgementView:
    id: int
    cell_id: int
    swapped: bool
    message: MessageView | None


def set_judge(user_id: int, batch_id: int, judge: JudgeView, *, db: Session | None = None) -> None:
    """`db`: the session of the caller's unit of work (core/store/db.py)."""
    with session(within=db) as db:
        owned_batch(db, user_id, batch_id)
        db.merge(
            BatchJudge(
                batch_id=batch_id,
                model_id=judge.model_id,
                mode=judge.mode,
                baseline_column_id=judge.baseline_column_id,
            )
        )


def judge_of(user_id: int, batch_id: int) -> JudgeView | None:
    with session() as db:
        owned_batch(db, user_id, batch_id)
        row = db.get(BatchJudge, batch_id)
        return None if row is None else JudgeView(row.model_id, row.mode, row.baseline_column_id)


def criteria(user_id: int, batch_id: int) -> dict[int, CriteriaView]:
    """Each prompt's criteria, by prompt id (prompts without any are absent)."""
    with session() as db:
        owned_batch(db, user_id, batch_id)
        rows = db.scalars(
            select(BatchPromptCriteria)
            .join(BatchPrompt, BatchPrompt.id == BatchPromptCriteria.prompt_id)
            .where(BatchPrompt.batch_id == batch_id)
        )
        return {row.prompt_id: view_of(row, CriteriaView) for row in rows}


def judgements(user_id: int, batch_id: int) -> list[JudgementView]:
    """Every request made to the judge in this batch, with its reply."""
    with session() as db:
        owned_batch(db, user_id, batch_id)
        rows = db.execute(
            select(BatchJudgement, Message)
            .outerjoin(Message, Message.id == BatchJudgement.message_id)
            .where(BatchJudgement.batch_id == batch_id)
            .order_by(BatchJudgement.id)
        )
        return [
            JudgementView(
                row.id,
                row.cell_id,
                row.swapped,
                view_of(message, MessageView) if message is not None else None,
            )
            for row, message in rows
        ]


def _owned_cell(db: Session, user_id: int, cell_id: int) -> BatchCell:
    """The cell, if its batch is the user's; `RecordNotFound` otherwise (another
    user's cell is not found, exactly like one that does not exist)."""
    cell = db.get(BatchCell, cell_id)
    if cell is None:
        raise RecordNotFound(f"cell {cell_id}")
    owned_batch(db, user_id, cell.batch_id)
    return cell


def _judgement_row(db: Session, cell_id: int, swapped: bool) -> BatchJudgement | None:
    return db.scalar(
        select(BatchJudgement).where(
            BatchJudgement.cell_id == cell_id, BatchJudgement.swapped == swapped
        )
    )


def record_judgement(user_id: int, cell_id: int, swapped: bool, message_id: int) -> None:
    """Point the judgement of a cell (in this order) at the judge's reply."""
    with session() as db:
        cell = _owned_cell(db, user_id, cell_id)
        row = _judgement_row(db, cell.id, swapped)
        if row is None:
            db.add(
                BatchJudgement(
                    batch_id=cell.batch_id, cell_id=cell_id, swapped=swapped, message_id=message_id
                )
            )
        else:
            row.message_id = message_id


def prompt_criteria(user_id: int, prompt_id: int) -> CriteriaView | None:
    with session() as db:
        prompt = db.get(BatchPrompt, prompt_id)
        if prompt is None:
            raise RecordNotFound(f"prompt {prompt_id}")
        owned_batch(db, user_id, prompt.batch_id)
        row = db.get(BatchPromptCriteria, prompt_id)
        return None if row is None else view_of(row, CriteriaView)


def answer_at(user_id: int, prompt_id: int, column_id: int) -> CellView | None:
    """The cell of one prompt on one column, with its answer (pairwise baselines)."""
    with session() as db:
        cell = db.scalar(
            select(BatchCell).where(
                BatchCell.prompt_id == prompt_id, BatchCell.column_id == column_id
            )
        )
        if cell is None:
            return None
        owned_batch(db, user_id, cell.batch_id)
        message = db.get(Message, cell.message_id) if cell.message_id is not None else None
        return CellView(
            cell.id,
            cell.prompt_id,
            cell.column_id,
            view_of(message, MessageView) if message is not None else None,
        )
