"""An answer being written by one process (replica) holds its conversation on every
process: a new question, an edit or a regenerate from another is refused, nothing
is stored, and once the answer ends the next question goes through."""

import pytest

from core.chat import Choice
from core.compare import CompareService
from core.demo.replies import StreamReply, text_stream
from core.errors import AnswerInProgress
from core.model_settings import ModelSettings
from core.store import messages as message_store
from core.store.users import ensure_user
from core.store.views import COMPLETE, STOPPED


def slow(words=200, delay=0.05):
    return lambda r: StreamReply(
        text_stream("r1", answer=[f"w{i} " for i in range(words)], delay=delay)
    )


def branch_length(user, conversation_id) -> int:
    return len(message_store.branch(user.id, conversation_id))


def test_a_question_sent_on_another_replica_waits_for_the_answer(make_chat, server):
    user = ensure_user("alice")
    writer, elsewhere = make_chat(), make_chat()
    server.default = slow()
    sent = writer.send(user.id, None, "Tell me everything", Choice("m"))
    before = branch_length(user, sent.conversation_id)

    with pytest.raises(AnswerInProgress):
        elsewhere.send(user.id, sent.conversation_id, "And another thing", Choice("m"))
    with pytest.raises(AnswerInProgress):
        elsewhere.edit(user.id, sent.user_message_id, "Tell me less", Choice("m"))
    with pytest.raises(AnswerInProgress):
        elsewhere.regenerate(user.id, sent.assistant_message_id, Choice("m"))
    assert branch_length(user, sent.conversation_id) == before  # nothing stored

    assert elsewhere.stop(user.id, sent.assistant_message_id)  # Stop reaches the writer
    assert writer.worker.wait(sent.assistant_message_id, timeout=10).outcome == STOPPED
    server.default = slow(words=3, delay=0)
    follow_up = elsewhere.send(user.id, sent.conversation_id, "And another thing", Choice("m"))
    snapshot = elsewhere.worker.wait(follow_up.assistant_message_id, timeout=10)
    assert snapshot.outcome == COMPLETE


def test_the_writer_itself_refuses_a_second_question_meanwhile(make_chat, server):
    user = ensure_user("alice")
    chat = make_chat()
    server.default = slow(words=40)
    sent = chat.send(user.id, None, "First", Choice("m"))
    with pytest.raises(AnswerInProgress):
        chat.send(user.id, sent.conversation_id, "Second", Choice("m"))
    chat.worker.wait(sent.assistant_message_id, timeout=15)
    chat.send(user.id, sent.conversation_id, "Second", Choice("m"))


def test_a_comparison_follow_up_waits_for_every_column(make_chat, server):
    user = ensure_user("alice")
    writer, elsewhere = make_chat(), make_chat()
    server.default = slow(words=3, delay=0)
    compare = CompareService(writer)
    comparison = compare.start(user.id, "First", [ModelSettings("m"), ModelSettings("m")])
    for answer in compare.detail(user.id, comparison.id).latest_answers:
        writer.worker.wait(answer.id, timeout=10)
    # Only the second column is answering again (a Retry on the writing replica).
    server.default = slow()
    second = compare.detail(user.id, comparison.id).latest_answers[1]
    writer.retry(user.id, second.id)  # queued at once, in the database

    with pytest.raises(AnswerInProgress):
        CompareService(elsewhere).follow_up(user.id, comparison.id, "Second")
    detail = compare.detail(user.id, comparison.id)
    assert [turn.question.content for turn in detail.turns] == ["First"]  # no column asked
    writer.stop(user.id, second.id)
