"""Conversations and their messages: branches, ownership, writes while streaming."""

import threading
import time

import pytest
from sqlalchemy import delete, select
from sqlalchemy import text as sql

from core.errors import RecordNotFound
from core.store import conversations as conversation_store
from core.store import erase, open_store, processes, reset_for_tests, usage
from core.store import messages as message_store
from core.store.db import engine, session
from core.store.models import Conversation
from core.store.users import ensure_user
from core.store.views import INTERRUPTED, QUEUED, STOPPED, STREAMING
from tests.databases import on_sqlite


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def chat(user, turns):
    conversation = conversation_store.create_conversation(user.id, "demo-thinker", title="t")
    parent = None
    for role, text in turns:
        parent = message_store.append_message(
            user.id, conversation.id, role=role, content=text, parent_id=parent and parent.id
        )
    return conversation_store.get_conversation(user.id, conversation.id)


def test_branch_follows_the_current_leaf_in_order(alice):
    conversation = chat(
        alice, [("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2")]
    )
    branch = message_store.branch(alice.id, conversation.id)
    assert [m.content for m in branch] == ["q1", "a1", "q2", "a2"]
    assert [m.depth for m in branch] == [0, 1, 2, 3]
    assert [m.content for m in message_store.branch(alice.id, conversation.id, last=2)] == [
        "q2",
        "a2",
    ]
    assert message_store.count_branch(alice.id, conversation.id) == 4


def test_a_second_answer_is_a_sibling_and_the_first_stays(alice):
    conversation = chat(alice, [("user", "q"), ("assistant", "first")])
    question = message_store.branch(alice.id, conversation.id)[0]
    second = message_store.append_message(
        alice.id, conversation.id, role="assistant", content="second", parent_id=question.id
    )
    assert [m.content for m in message_store.branch(alice.id, conversation.id)] == ["q", "second"]
    siblings = message_store.siblings(alice.id, second.id)
    assert len(siblings) == 2
    message_store.set_current_leaf(alice.id, conversation.id, siblings[0])
    assert [m.content for m in message_store.branch(alice.id, conversation.id)] == ["q", "first"]


def test_another_user_cannot_read_or_write(alice):
    bob = ensure_user("bob")
    conversation = chat(alice, [("user", "private")])
    message = message_store.branch(alice.id, conversation.id)[0]
    with pytest.raises(RecordNotFound):
        conversation_store.get_conversation(bob.id, conversation.id)
    with pytest.raises(RecordNotFound):
        message_store.get_message(bob.id, message.id)
    with pytest.raises(RecordNotFound):
        message_store.branch(bob.id, conversation.id)
    with pytest.raises(RecordNotFound):
        message_store.append_message(
            bob.id, conversation.id, role="user", content="x", parent_id=None
        )
    with pytest.raises(RecordNotFound):
        erase.delete_conversation(bob.id, conversation.id)
    assert conversation_store.list_conversations(bob.id) == []


def test_progress_writes_then_a_dead_owner_is_recovered_as_interrupted(alice, db):
    conversation = chat(alice, [("user", "q")])
    question = message_store.branch(alice.id, conversation.id)[0]
    answer = message_store.append_message(
        alice.id, conversation.id, role="assistant", parent_id=question.id, status=QUEUED
    )
    message_store.save_progress(answer.id, status=STREAMING, content="Half of", reasoning="hmm")
    message_store.save_progress(answer.id, content="Half of it")
    reset_for_tests()  # the process dies here (it never registered: its owner is unknown)
    open_store()  # and starts again
    assert message_store.get_message(alice.id, answer.id).status == STREAMING  # not yet
    processes.recover_orphans()  # the app's worker starting
    recovered = message_store.get_message(alice.id, answer.id)
    assert recovered.status == INTERRUPTED
    assert recovered.content == "Half of it" and recovered.reasoning == "hmm"
    assert recovered.error_kind == "restart"


def test_deleting_a_conversation_deletes_its_messages(alice, db):
    conversation = chat(alice, [("user", "q"), ("assistant", "a")])
    erase.delete_conversation(alice.id, conversation.id)
    from sqlalchemy import text

    from core.store.db import engine

    with engine().connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM messages")).scalar() == 0


@pytest.mark.parametrize(
    "text",
    [
        "emoji 🧠🚀 and 中文",
        "rtl \u202emoc.elgoog\u202c",
        "ctrl \x07\x1b[31m",
        "x" * 1_000_000,
    ],
)
def test_any_text_round_trips(alice, text):
    conversation = chat(alice, [("user", text)])
    assert message_store.branch(alice.id, conversation.id)[0].content == text


def test_a_message_is_found_by_its_public_id_only_in_its_conversation(alice):
    first = chat(alice, [("user", "q1"), ("assistant", "a1")])
    other = chat(alice, [("user", "elsewhere")])
    answer = message_store.branch(alice.id, first.id)[-1]
    found = message_store.find_message(alice.id, first.id, answer.public_id)
    assert (found.id, found.content) == (answer.id, "a1")
    with pytest.raises(RecordNotFound):  # a link's ?m= must belong to its ?c=
        message_store.find_message(alice.id, other.id, answer.public_id)


def test_a_misspelt_field_of_a_worker_write_fails_at_the_call_and_writes_nothing(alice):
    conversation = chat(alice, [("user", "q")])
    question = message_store.branch(alice.id, conversation.id)[0]
    answer = message_store.append_message(
        alice.id, conversation.id, role="assistant", parent_id=question.id, status=QUEUED
    )
    with pytest.raises(TypeError, match="contnet"):
        message_store.save_progress(answer.id, status=STREAMING, contnet="lost")
    with pytest.raises(TypeError, match="owner_process"):  # the store's own column
        message_store.save_progress(answer.id, owner_process=None)
    with pytest.raises(TypeError, match="status"):  # a final write always says how it ended
        message_store.finish(answer.id, content="the end")
    with pytest.raises(TypeError, match="thinking"):  # settings are not a final write's
        message_store.finish(answer.id, status="complete", thinking=True)
    stored = message_store.get_message(alice.id, answer.id)
    assert (stored.status, stored.content) == (QUEUED, "")


def test_a_final_write_keeps_what_it_does_not_name_and_books_its_tokens(alice):
    conversation = chat(alice, [("user", "q")])
    question = message_store.branch(alice.id, conversation.id)[0]
    answer = message_store.append_message(
        alice.id, conversation.id, role="assistant", parent_id=question.id, status=QUEUED
    )
    message_store.save_progress(answer.id, status=STREAMING, content="Half", reasoning="hmm")
    message_store.finish(
        answer.id, status="complete", content="Whole", model_id="demo-thinker",
        provider_id="demo-east", prompt_tokens=11, completion_tokens=7,
    )  # fmt: skip
    stored = message_store.get_message(alice.id, answer.id)
    assert (stored.status, stored.content, stored.reasoning) == ("complete", "Whole", "hmm")
    assert stored.prompt_tokens == 11 and stored.owner_process is None
    assert usage.tokens_by_model_since(alice.id, 0) == [("demo-thinker", 11, 7)]
    message_store.finish(answer.id, status="error", error_kind="busy")  # a refused restart
    stored = message_store.get_message(alice.id, answer.id)
    assert (stored.status, stored.content, stored.error_kind) == ("error", "Whole", "busy")
    assert usage.tokens_by_model_since(alice.id, 0) == [("demo-thinker", 11, 7)]  # not twice


def wait_until_a_write_waits_for_a_lock() -> None:
    """Until another connection's UPDATE waits for a row lock (PostgreSQL)."""
    query = sql(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND query LIKE 'UPDATE%' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with engine().connect() as conn:
            if conn.execute(query).scalar():
                return
        time.sleep(0.01)  # polling another connection's state: there is no event to wait on
    raise AssertionError("the final save never waited for the deletion")


@pytest.mark.skipif(on_sqlite(), reason="SQLite writes one transaction at a time: no deadlock")
def test_an_answers_last_save_waits_for_the_deletion_of_its_conversation(alice):
    """Deleting a conversation locks it, then its messages (the cascade); an
    answer's final save, stopped by that deletion, ends on the worker's thread
    meanwhile. Taking the locks in the other order deadlocked on PostgreSQL,
    and the deletion could be the one aborted."""
    conversation = chat(alice, [("user", "q")])
    question = message_store.branch(alice.id, conversation.id)[0]
    answer = message_store.append_message(
        alice.id, conversation.id, role="assistant", parent_id=question.id, status=STREAMING
    )
    saved: list[BaseException | None] = []

    def final_save() -> None:
        try:
            message_store.finish(answer.id, status=STOPPED, content="so far", prompt_tokens=3)
            saved.append(None)
        except BaseException as failed:  # noqa: BLE001 - reported by the test's thread
            saved.append(failed)

    with session() as deleting:  # a deletion, in the order it takes its locks
        deleting.execute(
            select(Conversation.id).where(Conversation.id == conversation.id).with_for_update()
        )
        saver = threading.Thread(target=final_save)
        saver.start()
        wait_until_a_write_waits_for_a_lock()
        deleting.execute(delete(Conversation).where(Conversation.id == conversation.id))
    saver.join(10)
    assert saved == [None]
    assert conversation_store.list_conversations(alice.id) == []
