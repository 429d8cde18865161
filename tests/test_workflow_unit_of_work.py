"""Every chat-side workflow is one unit of work: regenerate, edit, retry,
continue, another model, a comparison and its follow-ups, a battle and its
follow-ups. Each writes in one transaction (plus, on PostgreSQL, the shared
per-minute count `admit` commits first), and a failure midway, made by the
database itself, stores nothing of it."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from core.attachments import read_attachment
from core.chat import Choice
from core.compare import CompareService
from core.errors import RecordNotFound, StorageError
from core.model_settings import ModelSettings
from core.store import attachments as attachment_store
from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import web_sources as web_store
from core.store.comparisons import ARENA, COMPARE
from core.store.db import engine, session
from core.store.models import AttachmentRow, Comparison, Conversation, Message
from core.store.users import ensure_user
from core.store.views import COMPLETE
from tests.battle_helpers import arena_for
from tests.transactions import answers_refused, refused, shared_rate_counts, write_transactions

ONE = 1  # the workflow's own transaction


@pytest.fixture
def chat(make_chat):
    engine()  # the engine exists before counting starts
    return make_chat(fallback=True)


@pytest.fixture
def user(db):
    return ensure_user("alice")


def stored(user_id: int) -> tuple[int, int, int, int]:
    """The user's conversations, messages, attached files and comparisons."""
    with session() as db:
        owned = select(Conversation.id).where(Conversation.user_id == user_id)
        asked = select(Message.id).where(Message.conversation_id.in_(owned))
        return (
            db.scalar(select(func.count()).where(Conversation.user_id == user_id)),
            db.scalar(select(func.count()).where(Message.conversation_id.in_(owned))),
            db.scalar(select(func.count()).where(AttachmentRow.message_id.in_(asked))),
            db.scalar(select(func.count()).where(Comparison.user_id == user_id)),
        )


def answered(chat, user, text="Question?", **send):
    sent = chat.send(user.id, None, text, Choice("m"), **send)
    chat.worker.wait(sent.assistant_message_id)
    return sent


def note() -> list:
    return [read_attachment("notes.txt", b"The budget is 42.")]


# ------------------------------------------------------------ one chat's workflows


def test_regenerate_writes_in_one_transaction(chat, user):
    sent = answered(chat, user)
    with write_transactions() as counted:
        again = chat.regenerate(user.id, sent.assistant_message_id, Choice("m"))
    chat.worker.wait(again.assistant_message_id)
    assert len(counted) == ONE + shared_rate_counts()
    assert message_store.get_message(user.id, again.assistant_message_id).status == COMPLETE


def test_an_edit_writes_its_question_files_and_answer_in_one_transaction(chat, user):
    sent = answered(chat, user, files=note())
    with write_transactions() as counted:
        edited = chat.edit(user.id, sent.user_message_id, "Question, edited?", Choice("m"))
    chat.worker.wait(edited.assistant_message_id)
    assert len(counted) == ONE + shared_rate_counts()
    kept = attachment_store.of_messages(user.id, [edited.user_message_id])
    assert [f.name for f in kept[edited.user_message_id]] == ["notes.txt"]


def test_an_edit_that_fails_midway_leaves_the_conversation_as_it_was(chat, user):
    sent = answered(chat, user, files=note())
    before = stored(user.id)
    with answers_refused(), pytest.raises(StorageError):
        chat.edit(user.id, sent.user_message_id, "Question, edited?", Choice("m"))
    # Neither the edited question nor the copy of its file is left without an answer.
    assert stored(user.id) == before
    conversation = conversation_store.get_conversation(user.id, sent.conversation_id)
    assert conversation.current_leaf_id == sent.assistant_message_id
    chat.ensure_idle(user.id, sent.conversation_id)  # and nothing is left queued


def test_retry_continue_and_another_model_each_write_once(chat, user):
    sent = answered(chat, user)
    answer_id = sent.assistant_message_id
    for action in (
        lambda: chat.retry(user.id, answer_id),
        lambda: chat.continue_answer(user.id, answer_id),
        lambda: chat.switch_model(user.id, answer_id, Choice("fast")),
    ):
        with write_transactions() as counted:
            action()
        chat.worker.wait(answer_id)
        assert len(counted) == ONE + shared_rate_counts()
    answer = message_store.get_message(user.id, answer_id)
    assert (answer.status, answer.model_id) == (COMPLETE, "fast")


@pytest.mark.parametrize(
    "refusal",
    [
        ("UPDATE", "messages", "NEW.status = 'queued'"),  # the answer's reset
        ("DELETE", "message_web_sources", "1 = 1"),  # its old sources going
    ],
    ids=["reset refused", "sources refused"],
)
def test_a_retry_that_fails_midway_keeps_the_answer_as_it_was(chat, user, refusal):
    """Whichever of the retry's writes fails, none of them is kept."""
    sent = answered(chat, user)
    answer_id = sent.assistant_message_id
    web_store.save_sources(answer_id, '{"sources": []}')  # what its search read
    before = message_store.get_message(user.id, answer_id)
    with refused(*refusal), pytest.raises(StorageError):
        chat.retry(user.id, answer_id, Choice("fast"))
    after = message_store.get_message(user.id, answer_id)
    assert (after.status, after.content, after.model_id) == (
        COMPLETE,
        before.content,
        before.model_id,
    )
    assert web_store.has_sources(answer_id)
    assert not chat.worker.is_running(answer_id)


def test_a_refused_retry_is_written_once_with_its_reason(chat, user):
    """A request that cannot be sent (a model gone from the catalog) is
    recorded on the answer in the same one transaction as its reset."""
    sent = answered(chat, user)
    answer_id = sent.assistant_message_id
    with write_transactions() as counted:
        chat.retry(user.id, answer_id, Choice("gone"))
    assert len(counted) == ONE + shared_rate_counts()
    answer = message_store.get_message(user.id, answer_id)
    assert (answer.status, answer.error_kind, answer.content) == ("error", "not_found_record", "")


# ------------------------------------------------------------ comparisons


def three_columns() -> list[ModelSettings]:
    return [ModelSettings("m"), ModelSettings("fast"), ModelSettings("m", temperature=0.2)]


def wait_latest(chat, compare, user_id, comparison_id):
    """The latest answers, once every column has finished writing them."""
    for answer in compare.detail(user_id, comparison_id, last_turns=1).latest_answers:
        chat.worker.wait(answer.id, timeout=30)
    return compare.detail(user_id, comparison_id, last_turns=1).latest_answers


def test_a_comparison_is_stored_in_one_transaction(chat, user):
    compare = CompareService(chat, kind=COMPARE)
    with write_transactions() as counted:
        comparison = compare.start(user.id, "Question?", three_columns(), files=note())
    answers = wait_latest(chat, compare, user.id, comparison.id)
    assert len(counted) == ONE + shared_rate_counts()
    assert [a.status for a in answers] == [COMPLETE] * 3
    assert stored(user.id) == (3, 6, 3, 1)

    with write_transactions() as counted:
        compare.follow_up(user.id, comparison.id, "And then?")
    answers = wait_latest(chat, compare, user.id, comparison.id)
    assert len(counted) == ONE + shared_rate_counts()
    assert [a.status for a in answers] == [COMPLETE] * 3


def assistants_at_least(count: int) -> str:
    """The condition "`count` answers are stored already" (the next one is refused)."""
    return (
        "NEW.role = 'assistant' AND "
        f"(SELECT count(*) FROM messages WHERE role = 'assistant') >= {count}"
    )


def test_a_comparison_that_fails_at_its_third_column_stores_no_column(chat, user):
    compare = CompareService(chat, kind=COMPARE)
    with refused("INSERT", "messages", assistants_at_least(2)), pytest.raises(StorageError):
        compare.start(user.id, "Question?", three_columns(), files=note())
    assert stored(user.id) == (0, 0, 0, 0)
    assert chat.worker.active_count(user.id) == 0  # no column's answer was started
    # Its slots were given back: "Send again" is stored whole and answered.
    comparison = compare.start(user.id, "Question?", three_columns())
    answers = wait_latest(chat, compare, user.id, comparison.id)
    assert [a.status for a in answers] == [COMPLETE] * 3


def test_a_follow_up_that_fails_at_its_second_column_asks_no_column(chat, user):
    compare = CompareService(chat, kind=COMPARE)
    comparison = compare.start(user.id, "Question?", three_columns())
    first = wait_latest(chat, compare, user.id, comparison.id)
    before = stored(user.id)
    with refused("INSERT", "messages", assistants_at_least(4)), pytest.raises(StorageError):
        compare.follow_up(user.id, comparison.id, "And then?")
    assert stored(user.id) == before
    assert compare.detail(user.id, comparison.id, last_turns=1).latest_answers == first
    for conversation_id in comparison.conversation_ids:
        chat.ensure_idle(user.id, conversation_id)  # every column takes the next prompt


# ------------------------------------------------------------ arena battles


def test_a_battle_and_its_follow_up_are_each_one_transaction(chat, user):
    arena = arena_for(chat, rng=random.Random(3))
    with write_transactions() as counted:
        battle = arena.start_battle(user.id, "Question?")
    wait_latest(chat, arena.compare, user.id, battle.id)
    assert len(counted) == ONE + shared_rate_counts()
    assert battle.mode == ARENA and len(battle.conversation_ids) == 2

    with write_transactions() as counted:
        arena.ask(user.id, battle.id, "And then?")
    answers = wait_latest(chat, arena.compare, user.id, battle.id)
    assert len(counted) == ONE + shared_rate_counts()

    # Retrying one side rewrites that answer in place, in one transaction.
    with write_transactions() as counted:
        arena.retry(user.id, battle.id, answers[0].id)
    chat.worker.wait(answers[0].id)
    assert len(counted) == ONE + shared_rate_counts()


def test_a_battle_whose_last_write_fails_leaves_no_side(chat, user):
    arena = arena_for(chat, rng=random.Random(3))
    # The battle's own row comes after both sides' conversations: refused.
    with refused("INSERT", "comparisons"), pytest.raises(StorageError):
        arena.start_battle(user.id, "Question?")
    assert stored(user.id) == (0, 0, 0, 0)
    assert chat.worker.active_count(user.id) == 0
    battle = arena.start_battle(user.id, "Question?")
    wait_latest(chat, arena.compare, user.id, battle.id)
    assert comparison_store.list_comparisons(user.id, ARENA)[0].id == battle.id


def test_an_answers_reset_is_refused_for_anyone_but_its_owner(chat, user):
    sent = answered(chat, user)
    bob = ensure_user("bob")
    with pytest.raises(RecordNotFound):
        message_store.restart_answer(
            bob.id,
            sent.assistant_message_id,
            model_id="m",
            thinking=None,
            temperature=None,
            keep_text=False,
        )
    with pytest.raises(RecordNotFound):  # a question is never reset as an answer
        message_store.restart_answer(
            user.id,
            sent.user_message_id,
            model_id="m",
            thinking=None,
            temperature=None,
            keep_text=False,
        )
    answer = message_store.get_message(user.id, sent.assistant_message_id)
    assert (answer.status, answer.content) == (COMPLETE, "Hello world")
