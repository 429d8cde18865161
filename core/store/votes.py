"""Arena votes: one per battle, naming the exact answers it judged.

A vote keeps the ids of the two models that answered, so the leaderboard does
not change when a battle or its messages are deleted. Reads for the
leaderboard are aggregates over everyone's votes and carry no text and no
user.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.errors import RecordNotFound, VoteRefused
from core.store.comparisons import ARENA, owned_comparison
from core.store.db import session
from core.store.models import ComparisonColumn, Message, Vote


@dataclass(frozen=True)
class VoteView:
    id: int
    comparison_id: int | None
    outcome: str
    model_a: str
    model_b: str
    message_a_id: int | None
    message_b_id: int | None
    created_at: float


@dataclass(frozen=True)
class VoteStamp:
    """Changes whenever a vote is added or removed: a cache key for ratings."""

    count: int
    last_id: int


def _view(row: Vote) -> VoteView:
    return VoteView(
        id=row.id,
        comparison_id=row.comparison_id,
        outcome=row.outcome,
        model_a=row.model_a,
        model_b=row.model_b,
        message_a_id=row.message_a_id,
        message_b_id=row.message_b_id,
        created_at=row.created_at,
    )


def record_vote(
    user_id: int,
    battle_id: int,
    outcome: str,
    *,
    message_a_id: int,
    message_b_id: int,
    model_a: str,
    model_b: str,
) -> VoteView:
    """Store the user's vote on their battle; `VoteRefused` if it already has one.

    The messages must be answers of the battle's A and B columns.
    """
    with session() as db:
        battle = owned_comparison(db, user_id, battle_id)
        if battle.mode != ARENA:
            raise RecordNotFound(f"battle {battle_id}")
        _check_side(db, battle_id, 0, message_a_id)
        _check_side(db, battle_id, 1, message_b_id)
        if db.scalar(select(Vote.id).where(Vote.comparison_id == battle_id)) is not None:
            raise VoteRefused("already_voted")
        row = Vote(
            user_id=user_id,
            comparison_id=battle_id,
            outcome=outcome,
            model_a=model_a,
            model_b=model_b,
            message_a_id=message_a_id,
            message_b_id=message_b_id,
            created_at=time.time(),
        )
        db.add(row)
        try:
            db.flush()
        except IntegrityError:  # another tab voted a moment earlier
            raise VoteRefused("already_voted") from None
        return _view(row)


def _check_side(db, battle_id: int, position: int, message_id: int) -> None:
    conversation_id = db.scalar(
        select(ComparisonColumn.conversation_id).where(
            ComparisonColumn.comparison_id == battle_id, ComparisonColumn.position == position
        )
    )
    message = db.get(Message, message_id)
    if message is None or conversation_id is None or message.conversation_id != conversation_id:
        raise RecordNotFound(f"message {message_id}")


def vote_for(user_id: int, battle_id: int) -> VoteView | None:
    """The vote cast on the user's battle, if any."""
    with session() as db:
        owned_comparison(db, user_id, battle_id)
        row = db.scalar(select(Vote).where(Vote.comparison_id == battle_id))
        return _view(row) if row else None


def votes_for(user_id: int, battle_ids: list[int]) -> dict[int, VoteView]:
    """The user's votes on these battles, by battle id."""
    if not battle_ids:
        return {}
    with session() as db:
        rows = db.scalars(
            select(Vote).where(Vote.user_id == user_id, Vote.comparison_id.in_(battle_ids))
        )
        return {row.comparison_id: _view(row) for row in rows}


def vote_stamp() -> VoteStamp:
    with session() as db:
        count, last = db.execute(select(func.count(Vote.id), func.max(Vote.id))).one()
        return VoteStamp(count or 0, last or 0)


def vote_tallies() -> list[tuple[str, str, str, int]]:
    """(model A, model B, outcome, number of votes) over every vote."""
    with session() as db:
        rows = db.execute(
            select(Vote.model_a, Vote.model_b, Vote.outcome, func.count(Vote.id)).group_by(
                Vote.model_a, Vote.model_b, Vote.outcome
            )
        )
        return [(a, b, outcome, count) for a, b, outcome, count in rows]


def all_votes() -> list[dict]:
    """Every vote, oldest first, without user or text: what the ratings are fitted on."""
    with session() as db:
        rows = db.execute(
            select(Vote.id, Vote.created_at, Vote.model_a, Vote.model_b, Vote.outcome).order_by(
                Vote.id
            )
        )
        return [row._asdict() for row in rows]
