"""Stored arena battles with chosen text and a vote, for leaderboard tests."""

from __future__ import annotations

import random
from collections.abc import Sequence

from core.arena import Arena
from core.chat import ChatService
from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import votes as vote_store
from core.store.comparisons import ARENA


def arena_for(chat: ChatService, *, rng: random.Random) -> Arena:
    """The arena as core/services.py builds it, on a test's own chat service."""
    worker = chat.worker
    return Arena(chat, breakers=worker.runtime.breakers, is_running=worker.is_running, rng=rng)


def judged_battle(
    user_id: int,
    model_a: str,
    model_b: str,
    outcome: str,
    *,
    prompts: Sequence[str] = ("Q",),
    answers_a: Sequence[str] | None = None,
    answers_b: Sequence[str] | None = None,
) -> int:
    """A battle of complete answers, one per prompt on each side, and its vote
    on the last pair; returns the battle's id."""
    conversations, judged = [], []
    for model, answers in ((model_a, answers_a), (model_b, answers_b)):
        answers = list(answers) if answers is not None else ["A"] * len(prompts)
        conversation = conversation_store.create_conversation(user_id, model, kind=ARENA)
        parent = None
        for prompt, text in zip(prompts, answers, strict=True):
            question = message_store.append_message(
                user_id, conversation.id, role="user", content=prompt, parent_id=parent
            )
            answer = message_store.append_message(
                user_id, conversation.id, role="assistant", content=text, parent_id=question.id,
                model_id=model, requested_model_id=model,
            )  # fmt: skip
            parent = answer.id
        conversations.append(conversation.id)
        judged.append(parent)
    battle = comparison_store.create_comparison(user_id, ARENA, conversations)
    vote_store.record_vote(
        user_id, battle.id, outcome, message_a_id=judged[0], message_b_id=judged[1],
        model_a=model_a, model_b=model_b,
    )  # fmt: skip
    return battle.id
