"""Comparisons and arena battles: one conversation per column, owned by one user.

Each column is an ordinary conversation (kind "compare" or "arena"), so the
worker, retries and the message tree work as in a chat; this table only
groups them and keeps their order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.errors import RecordNotFound
from core.store.conversations import TITLE_LIMIT, new_public_id, owned
from core.store.db import session
from core.store.models import Comparison, ComparisonColumn, Conversation

COMPARE = "compare"
ARENA = "arena"
MODES = (COMPARE, ARENA)


@dataclass(frozen=True)
class ComparisonView:
    id: int
    public_id: str
    user_id: int
    mode: str
    title: str
    created_at: float
    updated_at: float
    conversation_ids: tuple[int, ...]  # left to right


def owned_comparison(db: Session, user_id: int, comparison_id: int) -> Comparison:
    """The comparison if `user_id` owns it; `RecordNotFound` otherwise."""
    row = db.scalar(
        select(Comparison).where(Comparison.id == comparison_id, Comparison.user_id == user_id)
    )
    if row is None:
        raise RecordNotFound(f"comparison {comparison_id}")
    return row


def _view(db: Session, row: Comparison) -> ComparisonView:
    return _views(db, [row])[0]


def _views(db: Session, rows: Sequence[Comparison]) -> list[ComparisonView]:
    columns: dict[int, list[int]] = {row.id: [] for row in rows}
    if rows:
        found = db.execute(
            select(ComparisonColumn.comparison_id, ComparisonColumn.conversation_id)
            .where(ComparisonColumn.comparison_id.in_(list(columns)))
            .order_by(ComparisonColumn.comparison_id, ComparisonColumn.position)
        )
        for comparison_id, conversation_id in found:
            columns[comparison_id].append(conversation_id)
    return [
        ComparisonView(
            id=row.id,
            public_id=row.public_id,
            user_id=row.user_id,
            mode=row.mode,
            title=row.title,
            created_at=row.created_at,
            updated_at=row.updated_at,
            conversation_ids=tuple(columns[row.id]),
        )
        for row in rows
    ]


def create_comparison(
    user_id: int,
    mode: str,
    conversation_ids: Sequence[int],
    *,
    title: str = "",
    db: Session | None = None,
) -> ComparisonView:
    """Group the user's conversations, left to right, as one comparison.

    `db`: the session of the caller's unit of work (core/store/db.py)."""
    if mode not in MODES:
        raise ValueError(f"unknown comparison mode {mode!r}")
    now = time.time()
    with session(within=db) as db:
        for conversation_id in conversation_ids:
            owned(db, user_id, conversation_id)
        row = Comparison(
            public_id=new_public_id(),
            user_id=user_id,
            mode=mode,
            title=title[:TITLE_LIMIT],
            created_at=now,
            updated_at=now,
        )
        db.add(row)
        db.flush()
        for position, conversation_id in enumerate(conversation_ids):
            db.add(
                ComparisonColumn(
                    comparison_id=row.id, position=position, conversation_id=conversation_id
                )
            )
        db.flush()
        return _view(db, row)


def get_comparison(user_id: int, comparison_id: int) -> ComparisonView:
    with session() as db:
        return _view(db, owned_comparison(db, user_id, comparison_id))


def find_comparison(user_id: int, public_id: str) -> ComparisonView:
    """By the id that appears in URLs; still only among the user's own."""
    with session() as db:
        row = db.scalar(
            select(Comparison).where(
                Comparison.public_id == public_id, Comparison.user_id == user_id
            )
        )
        if row is None:
            raise RecordNotFound(f"comparison {public_id}")
        return _view(db, row)


def list_comparisons(user_id: int, mode: str, *, limit: int = 50) -> list[ComparisonView]:
    """The user's comparisons (or battles), most recently active first."""
    with session() as db:
        rows = db.scalars(
            select(Comparison)
            .where(Comparison.user_id == user_id, Comparison.mode == mode)
            .order_by(Comparison.updated_at.desc(), Comparison.id.desc())
            .limit(limit)
        ).all()
        return _views(db, rows)


def touch_comparison(user_id: int, comparison_id: int, *, db: Session | None = None) -> None:
    """Mark a comparison as just used (it moves to the top of the list).

    `db`: the session of the caller's unit of work (core/store/db.py)."""
    with session(within=db) as db:
        owned_comparison(db, user_id, comparison_id)
        db.execute(
            update(Comparison).where(Comparison.id == comparison_id).values(updated_at=time.time())
        )


def delete_comparison(user_id: int, comparison_id: int) -> None:
    """Delete a comparison and its column conversations (votes keep their models)."""
    with session() as db:
        owned_comparison(db, user_id, comparison_id)
        conversation_ids = list(
            db.scalars(
                select(ComparisonColumn.conversation_id).where(
                    ComparisonColumn.comparison_id == comparison_id
                )
            )
        )
        db.execute(delete(Comparison).where(Comparison.id == comparison_id))
        db.execute(
            delete(Conversation).where(
                Conversation.id.in_(conversation_ids), Conversation.user_id == user_id
            )
        )
