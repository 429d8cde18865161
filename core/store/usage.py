"""How much a user keeps and spends.

What a person keeps is computed from the messages themselves (deleting a
conversation frees its room). What they spend is the `spending` ledger, one
row per generation written in the same transaction as its final save
(`record_spending`), so deleting conversations never gives tokens back and
a Retry that overwrote an answer still counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, LargeBinary, String, case, cast, func, insert, literal, select
from sqlalchemy.orm import Session

from core.store.db import session
from core.store.models import AttachmentRow, Conversation, Message, Spending

DAY_S = 24 * 3600
MONTH_S = 30 * DAY_S  # the monthly limits count the last 30 days, as the daily the last 24 h


def stored_bytes(user_id: int) -> int:
    """UTF-8 bytes of text (questions, answers, reasoning) the user's conversations
    hold, and of their attached files (extracted text and image bytes)."""
    with session() as db:
        total = db.scalar(
            select(
                func.coalesce(func.sum(_byte_length(db, Message.content)), 0)
                + func.coalesce(func.sum(_byte_length(db, Message.reasoning)), 0)
            )
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.user_id == user_id)
        )
        files = db.scalar(
            select(
                func.coalesce(func.sum(_byte_length(db, AttachmentRow.text)), 0)
                + func.coalesce(func.sum(func.length(AttachmentRow.image)), 0)
            )
            .join(Message, Message.id == AttachmentRow.message_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.user_id == user_id)
        )
    return int(total or 0) + int(files or 0)


def _byte_length(db: Session, column):
    """SQLite reads a blob's length from the row header, without counting
    characters (5x faster: 45 ms per 100 MB); PostgreSQL has octet_length."""
    if db.get_bind().dialect.name == "sqlite":
        return func.length(cast(column, LargeBinary))
    return func.octet_length(column)


def record_spending(
    db: Session,
    message_id: int,
    at: float,
    *,
    model_id: str | None,
    provider_id: str | None,
    prompt_tokens: int | None,
    completion_tokens: int | None,
) -> None:
    """Book a finished generation's tokens to the owner of its conversation
    (inside the caller's transaction: the answer's final save)."""
    if prompt_tokens is None and completion_tokens is None:
        return
    owner = (
        select(
            Conversation.user_id,
            literal(at),
            literal(model_id, String),
            literal(provider_id, String),
            literal(prompt_tokens or 0),
            literal(completion_tokens or 0),
        )
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.id == message_id)
    )
    db.execute(
        insert(Spending).from_select(
            ["user_id", "at", "model_id", "provider_id", "prompt_tokens", "completion_tokens"],
            owner,
        )
    )


def tokens_by_model_since(user_id: int, since: float) -> list[tuple[str | None, int, int]]:
    """(model that answered, prompt tokens, completion tokens) spent by the user
    since `since`, one row per model. Answers still being written have no counts
    yet and are not included."""
    return tokens_by_model_in_windows(user_id, (since,))[since]


def tokens_by_model_in_windows(
    user_id: int, starts: tuple[float, ...]
) -> dict[float, list[tuple[str | None, int, int]]]:
    """`tokens_by_model_since` for several windows at once, in one pass over the
    user's spending (a quota check reads the day and the month: half the time)."""
    if not starts:
        return {}
    sums = []
    for start in starts:
        recent = Spending.at >= start
        sums.append(func.coalesce(func.sum(case((recent, Spending.prompt_tokens), else_=0)), 0))
        sums.append(func.coalesce(func.sum(case((recent, Spending.completion_tokens), else_=0)), 0))
    with session() as db:
        rows = db.execute(
            select(Spending.model_id, *sums)
            .where(Spending.user_id == user_id, Spending.at >= min(starts))
            .group_by(Spending.model_id)
        ).all()
    return {
        start: [(row[0], int(row[1 + 2 * i]), int(row[2 + 2 * i])) for row in rows]
        for i, start in enumerate(starts)
    }


@dataclass(frozen=True)
class UsageRow:
    """One person's answers by one model through one provider on one day (UTC)."""

    day: int  # days since 1970-01-01, UTC
    user_id: int
    model_id: str | None
    provider_id: str | None
    answers: int
    prompt_tokens: int
    completion_tokens: int


def usage_by_day(since: float, user_id: int | None) -> list[UsageRow]:
    """Generations since `since`, summed per day, person, model and provider;
    one person's when `user_id` is given, everyone's when it is None (callers
    decide who may ask that: core/usage_report.py)."""
    with session() as db:
        day = _day_of(db, Spending.at)
        query = (
            select(
                day,
                Spending.user_id,
                Spending.model_id,
                Spending.provider_id,
                func.count(Spending.id),
                func.coalesce(func.sum(Spending.prompt_tokens), 0),
                func.coalesce(func.sum(Spending.completion_tokens), 0),
            )
            .where(Spending.at >= since)
            .group_by(day, Spending.user_id, Spending.model_id, Spending.provider_id)
            .order_by(day)
        )
        if user_id is not None:
            query = query.where(Spending.user_id == user_id)
        return [
            UsageRow(int(d), int(u), m, p, int(n), int(prompt), int(completion))
            for d, u, m, p, n, prompt, completion in db.execute(query)
        ]


def _day_of(db: Session, column):
    """The UTC day number of an epoch time. PostgreSQL's cast to integer rounds,
    so it floors; SQLite's truncates, which is the floor for times after 1970."""
    if db.get_bind().dialect.name == "sqlite":
        return cast(column / DAY_S, Integer)
    return cast(func.floor(column / DAY_S), Integer)
