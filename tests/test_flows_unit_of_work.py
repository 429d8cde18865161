"""The batch and deletion workflows each write in one transaction: a failure
midway (a full disk, a lost server) stores, or erases, nothing.

Counted on the calling thread: the answers' own saves run on the worker's
threads and are not the page's workflow."""

import random

import pytest
from sqlalchemy import func, select

from core.batch import BatchRunner, JudgeSetting
from core.batch_service import BatchService
from core.chat import Choice
from core.compare import CompareService
from core.demo.replies import StreamReply, text_stream
from core.errors import StorageError
from core.history import History
from core.judging.verdicts import PAIRWISE
from core.model_settings import ModelSettings
from core.personas import Persona, create_persona
from core.store import judging as judging_store
from core.store.batches import NewPrompt
from core.store.db import engine, session
from core.store.models import Batch, BatchCell, Comparison, Conversation, PersonaRow
from core.store.users import ensure_user
from core.your_data import YourData
from tests.battle_helpers import arena_for
from tests.transactions import refused, write_transactions

PROMPTS = [NewPrompt("p1", "First?", expected="one"), NewPrompt("p2", "Second?")]
SETTINGS = [ModelSettings("m"), ModelSettings("m", temperature=0.2)]


@pytest.fixture
def chat(make_chat):
    return make_chat(fallback=True)  # two models: "m" and "fast"


@pytest.fixture
def runner(chat):
    runner = BatchRunner(chat)
    yield runner
    runner.shutdown()


@pytest.fixture
def batches(runner, chat):
    return BatchService(runner, chat)


@pytest.fixture
def alice(db):
    return ensure_user("alice")


@pytest.fixture(autouse=True)
def answered(server):
    server.default = lambda request: StreamReply(text_stream("r1", answer=["an answer"]))


def count(table) -> int:
    with session() as db:
        return db.scalar(select(func.count()).select_from(table))


JUDGE = JudgeSetting("fast", PAIRWISE, baseline_position=0)


def test_creating_a_judged_batch_is_one_transaction(batches, runner, alice):
    engine()  # built (and its pragmas run) before counting starts
    with write_transactions() as counted:
        batch = batches.create(alice.id, "set.csv", PROMPTS, SETTINGS, concurrency=2, judge=JUDGE)
    runner.wait(batch.id)
    assert len(counted) == 1
    judge = judging_store.judge_of(alice.id, batch.id)
    columns = batches.contents(alice.id, batch.id).columns
    assert (judge.mode, judge.baseline_column_id) == (PAIRWISE, columns[0].id)


def test_a_batch_whose_judge_cannot_be_stored_is_not_stored_at_all(batches, alice):
    with refused("INSERT", "batch_judges"), pytest.raises(StorageError):
        batches.create(alice.id, "set.csv", PROMPTS, SETTINGS, concurrency=2, judge=JUDGE)
    assert batches.history(alice.id) == []
    assert (count(Batch), count(BatchCell), count(Conversation)) == (0, 0, 0)


def test_deleting_is_one_transaction_each(batches, runner, chat, alice):
    engine()
    batch = batches.create(alice.id, "set.csv", PROMPTS, SETTINGS, concurrency=2)
    runner.wait(batch.id)
    history = History(chat)
    sent = chat.send(alice.id, None, "Question?", Choice("m"))
    chat.worker.wait(sent.assistant_message_id)
    compare = CompareService(chat)
    comparison = compare.start(alice.id, "Which?", [ModelSettings("m"), ModelSettings("m")])
    arena = arena_for(chat, rng=random.Random(1))
    battle = arena.start_battle(alice.id, "Battle?")
    for detail in (
        compare.detail(alice.id, comparison.id),
        arena.battle(alice.id, battle.id).detail,
    ):
        for answer in detail.latest_answers:
            chat.worker.wait(answer.id)
    figures = {}
    for name, delete in [
        ("batch", lambda: batches.delete(alice.id, batch.id)),
        ("conversation", lambda: history.delete(alice.id, sent.conversation_id)),
        ("comparison", lambda: compare.delete(alice.id, comparison.id)),
        ("battle", lambda: arena.delete(alice.id, battle.id)),
    ]:
        with write_transactions() as counted:
            delete()
        figures[name] = len(counted)
    assert figures == {"batch": 1, "conversation": 1, "comparison": 1, "battle": 1}
    assert count(Conversation) == 0


def test_erasing_all_of_ones_data_is_one_transaction(batches, runner, chat, alice):
    engine()
    batch = batches.create(alice.id, "set.csv", PROMPTS, SETTINGS, concurrency=2)
    runner.wait(batch.id)
    create_persona(alice.id, Persona(key="", name="Pirate", icon="🏴", system_prompt="Arr."))
    with write_transactions() as counted:
        YourData(chat.catalog, chat, runner).erase_all(alice.id)
    assert len(counted) == 1
    assert (count(Batch), count(Conversation), count(PersonaRow)) == (0, 0, 0)


def test_erasing_all_that_fails_midway_erases_nothing_and_can_be_pressed_again(
    batches, runner, chat, alice
):
    batch = batches.create(alice.id, "set.csv", PROMPTS, SETTINGS, concurrency=2)
    runner.wait(batch.id)
    create_persona(alice.id, Persona(key="", name="Pirate", icon="🏴", system_prompt="Arr."))
    data = YourData(chat.catalog, chat, runner)
    before = (count(Batch), count(Conversation), count(PersonaRow))
    # The personas go last: refused there, the conversations and batches already
    # deleted in the same transaction come back.
    with refused("DELETE", "personas"), pytest.raises(StorageError):
        data.erase_all(alice.id)
    assert (count(Batch), count(Conversation), count(PersonaRow)) == before == (1, 4, 1)
    assert [c.message.content for c in batches.contents(alice.id, batch.id).cells] == [
        "an answer"
    ] * 4
    data.erase_all(alice.id)
    assert (count(Batch), count(Conversation), count(PersonaRow)) == (0, 0, 0)


def test_deleting_a_batch_that_fails_midway_keeps_it_whole(batches, runner, alice):
    batch = batches.create(alice.id, "set.csv", PROMPTS, SETTINGS, concurrency=2)
    runner.wait(batch.id)
    # The batch's rows go first, then its answers' conversations: refused there.
    with refused("DELETE", "conversations"), pytest.raises(StorageError):
        batches.delete(alice.id, batch.id)
    kept = batches.contents(alice.id, batch.id)
    assert [c.message.content for c in kept.cells] == ["an answer"] * 4
    assert len(kept.prompts) == 2 and count(Conversation) == 4
    batches.delete(alice.id, batch.id)
    assert (count(Batch), count(BatchCell), count(Conversation)) == (0, 0, 0)


def test_erasing_all_leaves_no_comparison_or_battle_titled_with_ones_prompt(chat, runner, alice):
    compare = CompareService(chat)
    compare.start(alice.id, "My secret plan", [ModelSettings("m"), ModelSettings("m")])
    arena = arena_for(chat, rng=random.Random(1))
    battle = arena.start_battle(alice.id, "My other secret")
    for answer in arena.battle(alice.id, battle.id).detail.latest_answers:
        chat.worker.wait(answer.id)
    YourData(chat.catalog, chat, runner).erase_all(alice.id)
    assert compare.history(alice.id) == [] and arena.compare.history(alice.id) == []
    assert count(Comparison) == 0
