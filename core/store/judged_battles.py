"""Every vote with the text its voter read: the prompts and both sides' answers.

The leaderboard derives style, categories and de-blinding from this text when it
refits (core/arena_board.py), so nothing derived is stored. A vote outlives its
battle (deleting a battle keeps the vote and nulls its message ids); such votes
come back with `text_known` False.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.store.db import session
from core.store.models import Message, Vote

_CHUNK = 500  # ids per IN (...) list: well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class VoteRow:
    """A vote as stored: its models, outcome and the two answers it judged
    (None once the battle was deleted)."""

    vote_id: int
    model_a: str
    model_b: str
    outcome: str
    message_a_id: int | None
    message_b_id: int | None


@dataclass(frozen=True)
class JudgedBattle:
    vote_id: int
    model_a: str
    model_b: str
    outcome: str
    prompts: tuple[str, ...] = ()  # the user turns up to the judged answers, oldest first
    answers_a: tuple[str, ...] = ()  # side A's answers on that path, the judged one last
    answers_b: tuple[str, ...] = ()

    @property
    def text_known(self) -> bool:
        return bool(self.answers_a and self.answers_b)


@dataclass(frozen=True)
class _Row:
    parent_id: int | None
    role: str
    content: str


def vote_rows() -> list[VoteRow]:
    """Every vote, oldest first, without text: cheap enough for every refit."""
    with session() as db:
        rows = db.execute(
            select(
                Vote.id, Vote.model_a, Vote.model_b, Vote.outcome,
                Vote.message_a_id, Vote.message_b_id,
            ).order_by(Vote.id)
        ).all()  # fmt: skip
    return [VoteRow(*row) for row in rows]


def votes_without_text() -> int:
    """Votes whose battle was deleted: with the vote stamp, a cache key for
    anything derived from the battles' text (deleting changes no vote count)."""
    with session() as db:
        missing = (Vote.message_a_id.is_(None)) | (Vote.message_b_id.is_(None))
        return db.scalar(select(func.count(Vote.id)).where(missing)) or 0


def judged_battles(votes: list[VoteRow] | None = None) -> list[JudgedBattle]:
    """These votes (every vote by default) with their battles' text where it
    still exists. A vote's text never changes once cast (a judged answer is
    complete, and edits and regenerations are new messages), so a caller that
    keeps what it derived reads only the votes it has not seen."""
    votes = vote_rows() if votes is None else votes
    judged = [m for v in votes for m in (v.message_a_id, v.message_b_id) if m is not None]
    with session() as db:
        conversations = _conversations_of(db, judged)
        messages = _messages_of(db, sorted(set(conversations.values())))
    return [
        JudgedBattle(
            vote.vote_id, vote.model_a, vote.model_b, vote.outcome,
            *_sides(messages, vote.message_a_id, vote.message_b_id),
        )
        for vote in votes
    ]  # fmt: skip


def _conversations_of(db, message_ids: list[int]) -> dict[int, int]:
    found = {}
    for start in range(0, len(message_ids), _CHUNK):
        chunk = message_ids[start : start + _CHUNK]
        rows = db.execute(select(Message.id, Message.conversation_id).where(Message.id.in_(chunk)))
        found.update({row.id: row.conversation_id for row in rows})
    return found


def _messages_of(db, conversation_ids: list[int]) -> dict[int, _Row]:
    found = {}
    for start in range(0, len(conversation_ids), _CHUNK):
        chunk = conversation_ids[start : start + _CHUNK]
        rows = db.execute(
            select(Message.id, Message.parent_id, Message.role, Message.content).where(
                Message.conversation_id.in_(chunk)
            )
        )
        found.update({row.id: _Row(row.parent_id, row.role, row.content or "") for row in rows})
    return found


def _sides(
    messages: dict[int, _Row], answer_a: int | None, answer_b: int | None
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    if answer_a not in messages or answer_b not in messages:
        return (), (), ()
    prompts, answers_a = _path(messages, answer_a)
    _, answers_b = _path(messages, answer_b)
    return prompts, answers_a, answers_b


def _path(messages: dict[int, _Row], leaf: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The user and assistant turns from the conversation's start to `leaf`."""
    prompts, answers = [], []
    node: int | None = leaf
    while node is not None and node in messages:
        row = messages[node]
        if row.role == "user":
            prompts.append(row.content)
        elif row.role == "assistant":
            answers.append(row.content)
        node = row.parent_id
    return tuple(reversed(prompts)), tuple(reversed(answers))
