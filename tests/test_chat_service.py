"""Sending, stopping, retrying and continuing, through the worker into the store."""

import pytest

from core.chat import ChatService, Choice
from core.demo.replies import ChunkFactory, Data, Drop, StreamReply, text_stream
from core.errors import InputRejected, TooManyAtOnce
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.users import ensure_user
from core.store.views import COMPLETE, ERROR, INTERRUPTED, STOPPED
from core.worker import Worker
from tests.conftest import local_catalog
from tests.fake_time import wait_for_progress


@pytest.fixture
def service(db, server):
    worker = Worker(local_catalog(server, policy={"messages_per_minute": 100}))
    yield ChatService(worker.catalog, worker)
    worker.shutdown()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def slow(words, delay=0.05, reasoning=()):
    return lambda r: StreamReply(
        text_stream(
            "r1", reasoning=list(reasoning), answer=list(words), delay=delay, usage=(3, 4, 1)
        )
    )


def test_question_is_stored_before_sending_and_answer_after(service, user, server):
    server.push(slow(["An", "swer"], reasoning=["Think"]))
    sent = service.send(user.id, None, "Question?", Choice("m"))
    question = message_store.get_message(user.id, sent.user_message_id)
    assert question.content == "Question?"
    snapshot = service.worker.wait(sent.assistant_message_id)
    assert snapshot.outcome == COMPLETE
    answer = message_store.get_message(user.id, sent.assistant_message_id)
    assert (answer.content, answer.reasoning, answer.status) == ("Answer", "Think", COMPLETE)
    assert (answer.model_id, answer.provider_id, answer.upstream_model) == ("m", "p1", "r1")
    assert (answer.prompt_tokens, answer.completion_tokens, answer.usage_estimated) == (3, 4, False)
    assert answer.ttft_ms is not None and answer.duration_ms >= answer.ttft_ms


def test_history_sent_follows_the_branch_without_reasoning(service, user, server):
    server.push(slow(["A1"], reasoning=["secret thoughts"]))
    first = service.send(user.id, None, "Q1", Choice("m"))
    service.worker.wait(first.assistant_message_id)
    second = service.send(user.id, first.conversation_id, "Q2", Choice("m"))
    service.worker.wait(second.assistant_message_id)
    sent = server.requests[-1].body["messages"]
    assert sent == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]


def test_stop_keeps_the_partial_answer(service, user, server):
    server.push(slow([f"w{i} " for i in range(100)], delay=0.05))
    sent = service.send(user.id, None, "Go", Choice("m"))
    progress = service.worker.progress_of(user.id, sent.assistant_message_id)
    wait_for_progress(progress, lambda snapshot: snapshot.answer.startswith("w0 w1 "))
    assert service.stop(user.id, sent.assistant_message_id)
    snapshot = service.worker.wait(sent.assistant_message_id)
    assert snapshot.outcome == STOPPED
    stored = message_store.get_message(user.id, sent.assistant_message_id)
    assert stored.status == STOPPED and stored.content.startswith("w0 ")
    assert len(stored.content) < len("".join(f"w{i} " for i in range(100)))


def test_interrupted_answer_can_be_continued(service, user, server):
    chunks = ChunkFactory("r1")
    server.push(StreamReply([Data(chunks.chunk({"content": "The first half"})), Drop()]))
    sent = service.send(user.id, None, "Tell me", Choice("m", allow_fallback=False))
    service.worker.wait(sent.assistant_message_id)
    stored = message_store.get_message(user.id, sent.assistant_message_id)
    assert stored.status == INTERRUPTED and stored.content == "The first half"
    server.push(slow([", and the second half."]))
    service.continue_answer(user.id, sent.assistant_message_id)
    service.worker.wait(sent.assistant_message_id)
    stored = message_store.get_message(user.id, sent.assistant_message_id)
    assert stored.status == COMPLETE
    assert stored.content == "The first half, and the second half."
    assert server.requests[-1].body["messages"][-2] == {
        "role": "assistant",
        "content": "The first half",
    }


def test_blank_message_is_not_sent(service, user):
    for text in ("", "   ", "\n\t", "\u200b"):
        with pytest.raises(InputRejected):
            service.send(user.id, None, text, Choice("m"))


def test_too_long_for_the_model_is_refused_before_sending_and_kept(
    service, user, server, monkeypatch
):
    catalog = local_catalog(server)
    from dataclasses import replace
    from types import MappingProxyType

    small = replace(catalog.models["m"], context_window=1000, max_output_tokens=200)
    service.catalog = replace(catalog, models=MappingProxyType({"m": small}))
    text = "word " * 5000
    sent = service.send(user.id, None, text, Choice("m"))
    assert server.requests == []
    answer = message_store.get_message(user.id, sent.assistant_message_id)
    assert answer.status == ERROR and answer.error_kind == "context_too_long"
    assert "tokens" in answer.error_detail
    assert message_store.get_message(user.id, sent.user_message_id).content == text


def test_too_many_at_once_is_refused_with_a_reason_before_storing(service, user, server):
    server.default = slow(["x"] * 50, delay=0.05)
    sent = [service.send(user.id, None, f"q{i}", Choice("m")) for i in range(4)]
    with pytest.raises(TooManyAtOnce, match="4"):
        service.send(user.id, None, "q4", Choice("m"))
    assert len(conversation_store.list_conversations(user.id)) == 4  # nothing of q4 stored
    for item in sent:
        service.stop(user.id, item.assistant_message_id)


def test_switch_model_while_waiting_for_a_retry(db, server, user):
    """A user tired of a countdown asks another model; that model answers, in place."""
    from core.demo.replies import ErrorReply, error_body

    busy = ErrorReply(429, error_body("Too many requests"), {"Retry-After": "5"})
    server.default = lambda r: busy if r.model == "r1" else slow(["Fast reply."])(r)
    worker = Worker(local_catalog(server, fallback=True))
    service = ChatService(worker.catalog, worker)
    try:
        sent = service.send(user.id, None, "Anyone?", Choice("m", allow_fallback=False))
        progress = worker.progress_of(user.id, sent.assistant_message_id)
        wait_for_progress(  # until the countdown is on screen
            progress, lambda snapshot: snapshot.status and snapshot.status.phase == "retrying"
        )
        service.switch_model(user.id, sent.assistant_message_id, Choice("fast"))
        worker.wait(sent.assistant_message_id)
        answer = message_store.get_message(user.id, sent.assistant_message_id)
        assert (answer.status, answer.content, answer.model_id) == (COMPLETE, "Fast reply.", "fast")
    finally:
        worker.shutdown()


def test_an_answer_being_written_is_followed_only_by_its_owner(service, user, server):
    """Pages follow answers by message id; another user's id shows them nothing."""
    server.default = slow(["still", "writing"], delay=0.2)
    other = ensure_user("someone-else")
    sent = service.send(user.id, None, "Mine", Choice("m"))
    message_id = sent.assistant_message_id
    assert service.worker.progress_of(user.id, message_id) is not None
    assert service.worker.progress_of(other.id, message_id) is None
    service.stop(user.id, message_id)
