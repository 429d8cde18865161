"""Temporary chats (core/temporary.py): answered through the worker like any chat,
followed after a reload, and never a row in any table of the database."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import inspect, text

from core.chat import ChatService, Choice
from core.demo.replies import StreamReply, text_stream
from core.errors import InputRejected, RecordNotFound, TokenQuotaReached
from core.store.db import engine
from core.store.users import ensure_user
from core.store.views import COMPLETE, STOPPED
from core.temporary import TemporaryChats
from core.worker import Worker
from tests.conftest import local_catalog
from tests.fake_time import wait_for_progress


def words(*answer, reasoning=(), delay=0.0):
    return lambda r: StreamReply(
        text_stream(
            "r1", reasoning=list(reasoning), answer=list(answer), delay=delay, usage=(3, 4, 1)
        )
    )


def chats_on(server, **policy):
    worker = Worker(local_catalog(server, policy={"messages_per_minute": 100, **policy}))
    chat = ChatService(worker.catalog, worker)
    return TemporaryChats(chat), worker


@pytest.fixture
def temporary(db, server):
    chats, worker = chats_on(server)
    yield chats
    worker.shutdown()


@pytest.fixture
def alice(db):
    return ensure_user("alice").id


# Counters only, which the issue allows: on PostgreSQL each send is a timestamp in
# rate_events (messages per minute across processes), with no text.
COUNTERS = {"rate_events"}


def rows_in_every_table() -> dict[str, int]:
    """Rows per table, counters left out."""
    with engine().connect() as connection:
        names = set(inspect(connection).get_table_names()) - COUNTERS
        return {
            name: connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in names
        }


def flush_writes(worker: Worker) -> None:
    """Let the worker's fire-and-forget writes (attempt records) reach its writer
    thread, then wait for that thread: whatever would be written is written."""

    async def after_pending_tasks() -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        await worker._write(lambda: None)

    asyncio.run_coroutine_threadsafe(after_pending_tasks(), worker._loop).result(timeout=10)


def answered(chats: TemporaryChats, user_id: int, chat_id: str, text_: str) -> list:
    answer_id = chats.send(user_id, chat_id, text_, Choice("m"))
    chats.chat.worker.wait(answer_id)
    return chats.messages(user_id, chat_id)


def test_a_temporary_chat_leaves_no_row_in_any_table(temporary, alice, server, caplog):
    caplog.set_level(logging.WARNING)
    before = rows_in_every_table()
    assert "messages" in before and "attempts" in before  # the tables that would hold it
    chat_id = temporary.start(alice)
    server.push(words("Kyoto", " in spring.", reasoning=["Think"]))
    messages = answered(temporary, alice, chat_id, "Where should I travel?")
    server.push(words("Yes."))
    answered(temporary, alice, chat_id, "Really?")
    flush_writes(temporary.chat.worker)
    assert not [r for r in caplog.records if r.name.startswith("core.")]  # none tried either
    assert [m.content for m in messages] == ["Where should I travel?", "Kyoto in spring."]
    assert messages[1].reasoning == "Think" and messages[1].status == COMPLETE
    assert messages[1].model_id == "m" and messages[1].provider_id == "p1"
    assert rows_in_every_table() == before


def test_the_answer_is_there_again_after_a_reload(temporary, alice, server):
    chat_id = temporary.start(alice)
    server.push(words("Slow", " and", " steady", delay=0.05))
    answer_id = temporary.send(alice, chat_id, "Tell me", Choice("m"))
    # A reload: a new session knows only the URL's id, and follows the answer.
    progress = temporary.progress_of(alice, chat_id, answer_id)
    assert progress is not None
    wait_for_progress(progress, lambda s: s.done)
    assert temporary.messages(alice, chat_id)[-1].content == "Slow and steady"
    assert temporary.progress_of(alice, chat_id, answer_id) is None  # finished: from memory


def test_the_history_is_sent_like_a_stored_chat(temporary, alice, server):
    chat_id = temporary.start(alice)
    server.push(words("A1", reasoning=["hidden"]))
    answered(temporary, alice, chat_id, "Q1")
    answered(temporary, alice, chat_id, "Q2")
    assert server.requests[-1].body["messages"] == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]


def test_stop_keeps_what_was_written(temporary, alice, server):
    chat_id = temporary.start(alice)
    server.push(words(*(["word "] * 200), delay=0.05))
    answer_id = temporary.send(alice, chat_id, "Go on and on", Choice("m"))
    progress = temporary.progress_of(alice, chat_id, answer_id)
    wait_for_progress(progress, lambda s: s.answer)
    assert temporary.stop(alice, chat_id, answer_id)
    temporary.chat.worker.wait(answer_id)
    answer = temporary.messages(alice, chat_id)[-1]
    assert answer.status == STOPPED and answer.content.startswith("word")


def test_another_user_cannot_read_send_or_stop(temporary, alice, server):
    bob = ensure_user("bob").id
    chat_id = temporary.start(alice)
    server.push(words("Alice only", delay=0.05))
    answer_id = temporary.send(alice, chat_id, "Secret", Choice("m"))
    with pytest.raises(RecordNotFound):
        temporary.messages(bob, chat_id)
    with pytest.raises(RecordNotFound):
        temporary.send(bob, chat_id, "Mine now", Choice("m"))
    with pytest.raises(RecordNotFound):
        temporary.stop(bob, chat_id, answer_id)
    assert not temporary.exists(bob, chat_id)
    temporary.forget(bob, chat_id)  # not his: nothing happens
    assert temporary.exists(alice, chat_id)


def test_turning_it_off_forgets_it(temporary, alice, server):
    chat_id = temporary.start(alice)
    answered(temporary, alice, chat_id, "Forget me")
    temporary.forget(alice, chat_id)
    assert not temporary.exists(alice, chat_id)
    with pytest.raises(RecordNotFound):
        temporary.messages(alice, chat_id)


def test_blank_is_refused_and_keeps_nothing(temporary, alice):
    chat_id = temporary.start(alice)
    with pytest.raises(InputRejected):
        temporary.send(alice, chat_id, "   ", Choice("m"))
    assert temporary.messages(alice, chat_id) == []


def test_its_tokens_count_toward_the_daily_cap(db, server, alice):
    chats, worker = chats_on(server, max_tokens_per_day=5)
    try:
        chat_id = chats.start(alice)
        answered(chats, alice, chat_id, "First")  # 3 + 4 tokens: over the cap of 5
        with pytest.raises(TokenQuotaReached):
            chats.send(alice, chat_id, "Second", Choice("m"))
        with pytest.raises(TokenQuotaReached):  # a stored chat counts them too
            chats.chat.send(alice, None, "Elsewhere", Choice("m"))
        chats.forget(alice, chat_id)  # forgetting the chat keeps the count
        with pytest.raises(TokenQuotaReached):
            chats.send(alice, chats.start(alice), "Again", Choice("m"))
    finally:
        worker.shutdown()
