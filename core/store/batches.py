"""Batch runs: a prompt set, the model settings it runs on, and one cell per pair.

A cell's answer is an ordinary message in a conversation of its own (kind
"batch"), written by the worker like any answer; the cell only points at it.
So a cell's state is its message's state, and what a dead process left
unfinished is marked interrupted at the next start like any other answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.errors import RecordNotFound
from core.model_settings import ModelSettings
from core.store.conversations import TITLE_LIMIT, new_public_id
from core.store.db import session
from core.store.models import (
    Batch,
    BatchCell,
    BatchColumn,
    BatchJudgement,
    BatchPrompt,
    BatchPromptCriteria,
    Conversation,
    Message,
)
from core.store.views import MessageView, view_of


@dataclass(frozen=True)
class NewPrompt:
    external_id: str
    prompt: str
    system_prompt: str | None = None
    expected: str | None = None  # a reference answer, for the judge
    rubric: str | None = None  # what the judge grades against
    assertions: str | None = None  # JSON, core/judging/assertions.py

    @property
    def has_criteria(self) -> bool:
        return any((self.expected, self.rubric, self.assertions))


@dataclass(frozen=True)
class BatchView:
    id: int
    public_id: str
    user_id: int
    name: str
    concurrency: int
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class BatchPromptView:
    id: int
    position: int
    external_id: str
    system_prompt: str | None
    prompt: str


@dataclass(frozen=True)
class BatchColumnView:
    id: int
    position: int
    model_id: str
    thinking: bool | None
    temperature: float | None
    system_prompt: str | None = None


@dataclass(frozen=True)
class CellView:
    id: int
    prompt_id: int
    column_id: int
    message: MessageView | None  # None until the cell is first run


def owned_batch(db: Session, user_id: int, batch_id: int) -> Batch:
    row = db.scalar(select(Batch).where(Batch.id == batch_id, Batch.user_id == user_id))
    if row is None:
        raise RecordNotFound(f"batch {batch_id}")
    return row


def create_batch(
    user_id: int,
    name: str,
    prompts: Sequence[NewPrompt],
    columns: Sequence[ModelSettings],
    *,
    concurrency: int,
    db: Session | None = None,
) -> BatchView:
    """Store a batch with one pending cell for every prompt on every column.

    `db`: the session of the caller's unit of work (core/store/db.py).
    """
    now = time.time()
    with session(within=db) as db:
        batch = Batch(
            public_id=new_public_id(),
            user_id=user_id,
            name=name[:TITLE_LIMIT],
            concurrency=concurrency,
            created_at=now,
            updated_at=now,
        )
        db.add(batch)
        db.flush()
        prompt_rows = [
            BatchPrompt(
                batch_id=batch.id,
                position=position,
                external_id=item.external_id,
                system_prompt=item.system_prompt,
                prompt=item.prompt,
            )
            for position, item in enumerate(prompts)
        ]
        column_rows = [
            BatchColumn(
                batch_id=batch.id,
                position=position,
                model_id=item.model_id,
                thinking=item.thinking,
                temperature=item.temperature,
                system_prompt=item.system_prompt,
            )
            for position, item in enumerate(columns)
        ]
        db.add_all(prompt_rows + column_rows)
        db.flush()
        db.add_all(
            BatchPromptCriteria(
                prompt_id=row.id,
                expected=item.expected,
                rubric=item.rubric,
                assertions=item.assertions,
            )
            for row, item in zip(prompt_rows, prompts, strict=True)
            if item.has_criteria
        )
        db.add_all(
            BatchCell(batch_id=batch.id, prompt_id=prompt.id, column_id=column.id)
            for prompt in prompt_rows
            for column in column_rows
        )
        return view_of(batch, BatchView)


def get_batch(user_id: int, batch_id: int) -> BatchView:
    with session() as db:
        return view_of(owned_batch(db, user_id, batch_id), BatchView)


def find_batch(user_id: int, public_id: str) -> BatchView:
    """By the id that appears in URLs; still only among the user's own."""
    with session() as db:
        row = db.scalar(select(Batch).where(Batch.public_id == public_id, Batch.user_id == user_id))
        if row is None:
            raise RecordNotFound(f"batch {public_id}")
        return view_of(row, BatchView)


def list_batches(user_id: int, *, limit: int = 50) -> list[BatchView]:
    with session() as db:
        rows = db.scalars(
            select(Batch)
            .where(Batch.user_id == user_id)
            .order_by(Batch.updated_at.desc(), Batch.id.desc())
            .limit(limit)
        )
        return [view_of(row, BatchView) for row in rows]


def batch_prompts(user_id: int, batch_id: int) -> list[BatchPromptView]:
    return _in_order(user_id, batch_id, BatchPrompt, BatchPromptView)


def batch_columns(
    user_id: int, batch_id: int, *, db: Session | None = None
) -> list[BatchColumnView]:
    return _in_order(user_id, batch_id, BatchColumn, BatchColumnView, db=db)


def _in_order(
    user_id: int, batch_id: int, table: type, view: type, *, db: Session | None = None
) -> list:
    with session(within=db) as db:
        owned_batch(db, user_id, batch_id)
        rows = db.scalars(select(table).where(table.batch_id == batch_id).order_by(table.position))
        return [view_of(row, view) for row in rows]


def batch_cells(user_id: int, batch_id: int) -> list[CellView]:
    """Every cell with its answer, in prompt order, then column order."""
    with session() as db:
        owned_batch(db, user_id, batch_id)
        rows = db.execute(
            select(BatchCell, Message)
            .join(BatchPrompt, BatchPrompt.id == BatchCell.prompt_id)
            .join(BatchColumn, BatchColumn.id == BatchCell.column_id)
            .outerjoin(Message, Message.id == BatchCell.message_id)
            .where(BatchCell.batch_id == batch_id)
            .order_by(BatchPrompt.position, BatchColumn.position)
        )
        return [
            CellView(
                cell.id,
                cell.prompt_id,
                cell.column_id,
                view_of(message, MessageView) if message is not None else None,
            )
            for cell, message in rows
        ]


def cell_detail(user_id: int, cell_id: int) -> tuple[CellView, BatchPromptView, BatchColumnView]:
    """One cell with its answer, its prompt and its model settings."""
    with session() as db:
        cell = db.get(BatchCell, cell_id)
        if cell is None:
            raise RecordNotFound(f"cell {cell_id}")
        owned_batch(db, user_id, cell.batch_id)
        message = db.get(Message, cell.message_id) if cell.message_id is not None else None
        return (
            CellView(
                cell.id,
                cell.prompt_id,
                cell.column_id,
                view_of(message, MessageView) if message is not None else None,
            ),
            view_of(db.get(BatchPrompt, cell.prompt_id), BatchPromptView),
            view_of(db.get(BatchColumn, cell.column_id), BatchColumnView),
        )


class CellClaim:
    """A cell held by this process while it starts the cell's answer (`claimed_cell`)."""

    def __init__(self, db: Session, cell: BatchCell, message: Message | None) -> None:
        self._db = db
        self._cell = cell
        self.message = view_of(message, MessageView) if message is not None else None

    def attach(self, message_id: int) -> None:
        """Record the answer the cell's run writes into (inside the claim: no one else
        sees the cell without it)."""
        self._cell.message_id = message_id
        self._touch()

    def judge_reply(self, swapped: bool) -> MessageView | None:
        """The judge's reply about this cell in one order, if the judge was asked
        (read under the claim: a holder before us has committed its reply)."""
        row = self._judgement(swapped)
        message = self._db.get(Message, row.message_id) if row and row.message_id else None
        return view_of(message, MessageView) if message is not None else None

    def attach_judge_reply(self, swapped: bool, message_id: int) -> None:
        """Record the judge's reply the run writes into, inside the claim, so a
        second process judging the batch finds it instead of asking (and paying)
        again."""
        row = self._judgement(swapped)
        if row is None:
            self._db.add(
                BatchJudgement(
                    batch_id=self._cell.batch_id,
                    cell_id=self._cell.id,
                    swapped=swapped,
                    message_id=message_id,
                )
            )
        else:
            row.message_id = message_id
        self._touch()

    def _judgement(self, swapped: bool) -> BatchJudgement | None:
        return self._db.scalar(
            select(BatchJudgement).where(
                BatchJudgement.cell_id == self._cell.id, BatchJudgement.swapped == swapped
            )
        )

    def _touch(self) -> None:
        self._db.execute(
            update(Batch).where(Batch.id == self._cell.batch_id).values(updated_at=time.time())
        )


@contextmanager
def claimed_cell(user_id: int, cell_id: int) -> Iterator[CellClaim | None]:
    """Hold a cell while its answer (or a judge's reply about it) is started,
    so that it is started once.

    Two processes may run one batch (its page open on two replicas, "run the
    rest" pressed on each). The cell's row is locked `FOR UPDATE SKIP LOCKED`
    until the block ends: a process that finds it locked gets None and leaves
    the cell to the holder; one that gets it after the holder is done reads
    the answer the holder attached and started (`claim.message`), so it can
    see the cell is taken. Starting the answer (`ChatService.generate`)
    commits its status in its own unit of work before the block ends. On
    SQLite (one process) the lock clause is ignored and the read is all.
    """
    with session() as db:
        cell = db.scalar(
            select(BatchCell).where(BatchCell.id == cell_id).with_for_update(skip_locked=True)
        )
        if cell is None:
            if db.get(BatchCell, cell_id) is None:
                raise RecordNotFound(f"cell {cell_id}")
            yield None  # another process holds it now
            return
        owned_batch(db, user_id, cell.batch_id)
        message = db.get(Message, cell.message_id) if cell.message_id is not None else None
        yield CellClaim(db, cell, message)


def attach_message(user_id: int, cell_id: int, message_id: int) -> None:
    """Record the answer a cell's run writes into."""
    with session() as db:
        cell = db.get(BatchCell, cell_id)
        if cell is None:
            raise RecordNotFound(f"cell {cell_id}")
        owned_batch(db, user_id, cell.batch_id)
        cell.message_id = message_id
        db.execute(update(Batch).where(Batch.id == cell.batch_id).values(updated_at=time.time()))


def batch_conversation_ids(user_id: int, batch_id: int) -> list[int]:
    """The conversations a batch's cells and its judge's replies are written in."""
    with session() as db:
        owned_batch(db, user_id, batch_id)
        return _conversation_ids(db, batch_id)


def _conversation_ids(db: Session, batch_id: int) -> list[int]:
    return list(
        db.scalars(
            select(Message.conversation_id)
            .join(BatchCell, BatchCell.message_id == Message.id)
            .where(BatchCell.batch_id == batch_id)
        )
    ) + list(  # the judge's replies
        db.scalars(
            select(Message.conversation_id)
            .join(BatchJudgement, BatchJudgement.message_id == Message.id)
            .where(BatchJudgement.batch_id == batch_id)
        )
    )


def delete_batch(user_id: int, batch_id: int) -> None:
    """Delete a batch and the conversations its cells answered in (rows only:
    `BatchService.delete` stops its answers first and erases the text for real)."""
    with session() as db:
        owned_batch(db, user_id, batch_id)
        conversation_ids = _conversation_ids(db, batch_id)
        db.execute(delete(Batch).where(Batch.id == batch_id))
        db.execute(
            delete(Conversation).where(
                Conversation.id.in_(conversation_ids), Conversation.user_id == user_id
            )
        )
