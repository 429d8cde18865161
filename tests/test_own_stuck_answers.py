"""An unfinished answer this process owns but no longer runs (its final save
failed for good) is settled, not left to block its conversation until a
restart; another process's unfinished answer is never touched."""

from __future__ import annotations

import time

from sqlalchemy import update

from core.chat import STUCK_AFTER_S, UNSAVED, Choice
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.db import session
from core.store.models import Message
from core.store.users import ensure_user
from core.store.views import COMPLETE, INTERRUPTED, STREAMING
from tests.test_answer_elsewhere import slow


def unfinished_answer(user_id: int, *, saved_s_ago: float, owner: str | None = None) -> tuple:
    """A question and its streaming answer as the writer left it `saved_s_ago` ago."""
    conversation = conversation_store.create_conversation(user_id, "m")
    question = message_store.append_message(
        user_id, conversation.id, role="user", content="Tell me a story", parent_id=None
    )
    answer = message_store.append_message(
        user_id,
        conversation.id,
        role="assistant",
        content="Once upon",
        parent_id=question.id,
        status=STREAMING,
        model_id="m",
        requested_model_id="m",
    )
    values = {"updated_at": time.time() - saved_s_ago}
    if owner is not None:
        values["owner_process"] = owner
    with session() as db:
        db.execute(update(Message).where(Message.id == answer.id).values(**values))
    return conversation, message_store.get_message(user_id, answer.id)


def test_a_stuck_answer_of_this_process_is_interrupted_and_the_conversation_goes_on(
    make_chat, server
):
    user = ensure_user("alice")
    chat = make_chat()
    conversation, answer = unfinished_answer(user.id, saved_s_ago=STUCK_AFTER_S + 5)
    assert chat.owned_not_running(user.id, answer)
    assert not chat.written_elsewhere(user.id, answer)  # not "in another window"

    server.default = slow(words=3, delay=0)
    sent = chat.send(user.id, conversation.id, "And then?", Choice("m"))  # not refused
    assert chat.worker.wait(sent.assistant_message_id, timeout=10).outcome == COMPLETE
    stuck = message_store.get_message(user.id, answer.id)
    assert stuck.status == INTERRUPTED and stuck.error_kind == UNSAVED
    assert stuck.content == "Once upon"  # what was saved is kept, with Retry offered


def test_a_recent_one_or_another_process_answer_is_left_alone(make_chat):
    user = ensure_user("alice")
    chat = make_chat()
    _c1, starting = unfinished_answer(user.id, saved_s_ago=1)  # about to reach the worker
    c2, elsewhere = unfinished_answer(user.id, saved_s_ago=3600, owner="b" * 32)
    assert chat.settle_stuck(user.id, starting.conversation_id) == 0
    assert chat.settle_stuck(user.id, c2.id) == 0
    assert chat.written_elsewhere(user.id, elsewhere)
    assert not chat.owned_not_running(user.id, elsewhere)
    for answer in (starting, elsewhere):
        assert message_store.get_message(user.id, answer.id).status == STREAMING
