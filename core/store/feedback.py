"""Votes given in plain sight: thumbs on chat answers, "which is better" in compare.

Each vote is stored with what was judged — the model(s), their settings
(thinking, temperature, system prompt) and the prompt — copied when the vote
is cast, so the board and its export need no join. A vote goes with its
answers (ON DELETE CASCADE): deleting a conversation erases the prompt copied
here too. One vote per person per answer (thumbs) or per pair of answers
(preference); voting again replaces it, clearing deletes it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy import select

from core.errors import RecordNotFound
from core.store.db import session
from core.store.models import Conversation, FeedbackVote, Message
from core.store.views import view_of

THUMBS = "thumbs"
PREFERENCE = "preference"
UP, DOWN = "up", "down"
PROMPT_LIMIT = 20_000  # characters of the prompt kept with a vote


@dataclass(frozen=True)
class FeedbackView:
    id: int
    kind: str
    value: str
    model_id: str
    other_model_id: str | None
    settings: str
    prompt: str
    created_at: float


def _answer(db, user_id: int, message_id: int) -> tuple[Message, Conversation, str]:
    """An answer of the user's, its conversation and its question's text."""
    row = db.execute(
        select(Message, Conversation)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.id == message_id, Conversation.user_id == user_id, Message.role == "assistant"
        )
    ).first()
    if row is None:
        raise RecordNotFound(f"answer {message_id}")
    message, conversation = row
    question = db.get(Message, message.parent_id) if message.parent_id else None
    return message, conversation, (question.content if question else "")[:PROMPT_LIMIT]


def _settings(message: Message, conversation: Conversation) -> dict:
    return {
        "thinking": message.thinking,
        "temperature": message.temperature,
        "system_prompt": conversation.system_prompt,
    }


def _existing(db, user_id: int, kind: str, message_id: int, other_id: int | None):
    return db.scalar(
        select(FeedbackVote).where(
            FeedbackVote.user_id == user_id,
            FeedbackVote.kind == kind,
            FeedbackVote.message_id == message_id,
            FeedbackVote.other_message_id.is_(None)
            if other_id is None
            else FeedbackVote.other_message_id == other_id,
        )
    )


def set_thumb(user_id: int, message_id: int, value: str | None) -> None:
    """Thumb up or down on one of the user's answers; None takes it back."""
    with session() as db:
        message, conversation, prompt = _answer(db, user_id, message_id)
        row = _existing(db, user_id, THUMBS, message_id, None)
        if value is None:
            if row is not None:
                db.delete(row)
            return
        if row is None:
            row = FeedbackVote(user_id=user_id, kind=THUMBS, message_id=message_id)
            db.add(row)
        row.value = value
        row.model_id = message.model_id or conversation.model_id
        row.other_model_id = None
        row.settings = json.dumps(_settings(message, conversation), ensure_ascii=False)
        row.prompt = prompt
        row.created_at = time.time()


def thumb_of(user_id: int, message_id: int) -> str | None:
    with session() as db:
        row = _existing(db, user_id, THUMBS, message_id, None)
        return row.value if row else None


def set_preference(user_id: int, answer_a: int, answer_b: int, value: str | None) -> None:
    """Which of two of the user's answers to the same prompt is better (a, b, tie,
    both_bad); None takes the vote back."""
    with session() as db:
        message_a, conversation_a, prompt = _answer(db, user_id, answer_a)
        message_b, conversation_b, _ = _answer(db, user_id, answer_b)
        row = _existing(db, user_id, PREFERENCE, answer_a, answer_b)
        if value is None:
            if row is not None:
                db.delete(row)
            return
        if row is None:
            row = FeedbackVote(
                user_id=user_id, kind=PREFERENCE, message_id=answer_a, other_message_id=answer_b
            )
            db.add(row)
        row.value = value
        row.model_id = message_a.model_id or conversation_a.model_id
        row.other_model_id = message_b.model_id or conversation_b.model_id
        row.settings = json.dumps(
            {"a": _settings(message_a, conversation_a), "b": _settings(message_b, conversation_b)},
            ensure_ascii=False,
        )
        row.prompt = prompt
        row.created_at = time.time()


def preference_of(user_id: int, answer_a: int, answer_b: int) -> str | None:
    with session() as db:
        row = _existing(db, user_id, PREFERENCE, answer_a, answer_b)
        return row.value if row else None


def all_feedback(kind: str | None = None) -> list[FeedbackView]:
    """Every such vote of every user (the boards are shared, like the leaderboard;
    they read models and values only, never the prompts)."""
    return _feedback(None, kind)


def feedback_of(user_id: int, kind: str | None = None) -> list[FeedbackView]:
    """One person's votes, with the prompts and settings they voted on."""
    return _feedback(user_id, kind)


def _feedback(user_id: int | None, kind: str | None) -> list[FeedbackView]:
    with session() as db:
        query = select(FeedbackVote).order_by(FeedbackVote.id)
        if user_id is not None:
            query = query.where(FeedbackVote.user_id == user_id)
        if kind is not None:
            query = query.where(FeedbackVote.kind == kind)
        return [view_of(row, FeedbackView) for row in db.scalars(query)]
