"""A person's evaluation records in their data export: feedback votes and batches.

Part of "Your data" (core/store/transfer.py): a full export carries, beside
the conversations, the votes the person gave in plain sight (thumbs on
answers, "which is better" between compare columns) and their batches: the
columns' settings, the prompts with their criteria (reference, rubric,
assertions), the judge's settings and every request made to the judge.

Answers and the judge's replies are ordinary messages, exported with their
conversations; here they are named by their public ids, the ids the same
file's conversations carry, so a reader can join the two. Prompts and
columns are named by their position in the batch.

Import leaves these sections out (see docs/security.md, "Importing files"): a
vote or a judgement is a statement about particular answers, and a batch's
cells are claimed by runs; recreating them from a file would let the file
make statements in someone's name about answers whose ids were rewritten on
the way in. They are read and erased with the person's other data.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.store.models import (
    Batch,
    BatchCell,
    BatchColumn,
    BatchJudge,
    BatchJudgement,
    BatchPrompt,
    BatchPromptCriteria,
    FeedbackVote,
    Message,
)


def evaluations_document(db: Session, user_id: int) -> dict:
    """{"feedback": [...], "batches": [...]}: the user's own, oldest first."""
    return {"feedback": _feedback(db, user_id), "batches": _batches(db, user_id)}


def _public_ids(db: Session, message_ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in message_ids if i is not None)
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        rows = db.execute(
            select(Message.id, Message.public_id).where(Message.id.in_(wanted[start : start + 500]))
        )
        found.update({message_id: public_id for message_id, public_id in rows})
    return found


def _feedback(db: Session, user_id: int) -> list[dict]:
    votes = list(
        db.scalars(
            select(FeedbackVote).where(FeedbackVote.user_id == user_id).order_by(FeedbackVote.id)
        )
    )
    public = _public_ids(db, {v.message_id for v in votes} | {v.other_message_id for v in votes})
    return [
        {
            "kind": vote.kind,
            "value": vote.value,
            "answer": public.get(vote.message_id),
            "other_answer": public.get(vote.other_message_id),
            "model_id": vote.model_id,
            "other_model_id": vote.other_model_id,
            "settings": _json(vote.settings),
            "prompt": vote.prompt,
            "created_at": vote.created_at,
        }
        for vote in votes
    ]


def _json(stored: str) -> object:
    try:
        return json.loads(stored)
    except ValueError:  # written by this app as JSON; kept as text if it ever is not
        return stored


def _batches(db: Session, user_id: int) -> list[dict]:
    batches = db.scalars(
        select(Batch).where(Batch.user_id == user_id).order_by(Batch.created_at, Batch.id)
    )
    return [_batch(db, batch) for batch in batches]


def _batch(db: Session, batch: Batch) -> dict:
    columns = list(
        db.scalars(select(BatchColumn).where(BatchColumn.batch_id == batch.id).order_by("position"))
    )
    prompts = [
        (prompt, criteria)
        for prompt, criteria in db.execute(
            select(BatchPrompt, BatchPromptCriteria)
            .outerjoin(BatchPromptCriteria, BatchPromptCriteria.prompt_id == BatchPrompt.id)
            .where(BatchPrompt.batch_id == batch.id)
            .order_by(BatchPrompt.position)
        )
    ]
    cells = list(
        db.scalars(select(BatchCell).where(BatchCell.batch_id == batch.id).order_by(BatchCell.id))
    )
    judgements = list(
        db.scalars(
            select(BatchJudgement)
            .where(BatchJudgement.batch_id == batch.id)
            .order_by(BatchJudgement.id)
        )
    )
    column_at = {c.id: c.position for c in columns}
    prompt_at = {p.id: p.position for p, _ in prompts}
    cell_at = {c.id: (prompt_at[c.prompt_id], column_at[c.column_id]) for c in cells}
    public = _public_ids(db, {c.message_id for c in cells} | {j.message_id for j in judgements})
    judge = db.get(BatchJudge, batch.id)
    return {
        "id": batch.public_id,
        "name": batch.name,
        "concurrency": batch.concurrency,
        "created_at": batch.created_at,
        "updated_at": batch.updated_at,
        "columns": [_column(column) for column in columns],
        "prompts": [_prompt(prompt, criteria) for prompt, criteria in prompts],
        "judge": None
        if judge is None
        else {
            "model_id": judge.model_id,
            "mode": judge.mode,
            "baseline_column": column_at.get(judge.baseline_column_id),
        },
        "cells": [
            {
                "prompt": cell_at[c.id][0],
                "column": cell_at[c.id][1],
                "answer": public.get(c.message_id),
            }
            for c in cells
        ],
        "judgements": [
            {
                "prompt": cell_at[j.cell_id][0],
                "column": cell_at[j.cell_id][1],
                "swapped": j.swapped,
                "reply": public.get(j.message_id),
            }
            for j in judgements
        ],
    }


def _column(column: BatchColumn) -> dict:
    return {
        "position": column.position,
        "model_id": column.model_id,
        "thinking": column.thinking,
        "temperature": column.temperature,
        "system_prompt": column.system_prompt,
    }


def _prompt(prompt: BatchPrompt, criteria: BatchPromptCriteria | None) -> dict:
    return {
        "position": prompt.position,
        "id": prompt.external_id,
        "system_prompt": prompt.system_prompt,
        "prompt": prompt.prompt,
        "expected": criteria.expected if criteria else None,
        "rubric": criteria.rubric if criteria else None,
        "assertions": _json(criteria.assertions) if criteria and criteria.assertions else None,
    }
