"""Deleting a comparison, a battle or a batch is one service call with the
guarantee deleting a conversation has: running answers stopped, then erased
for real (rows, search index); another user's id is refused and changes nothing."""

import random
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from core.batch import BatchRunner
from core.batch_service import BatchService
from core.chat import Choice
from core.compare import CompareService
from core.demo.replies import ChunkFactory, Data, Stall, StreamReply, text_stream
from core.errors import InputRejected, RecordNotFound
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store import comparisons as comparison_store
from core.store import erase
from core.store import messages as message_store
from core.store.batches import NewPrompt
from core.store.comparisons import ARENA
from core.store.db import session
from core.store.models import Message
from core.store.search import has_search_index
from core.store.users import ensure_user
from core.store.views import COMPLETE
from tests.battle_helpers import arena_for

SECRET = "Quetzalcoatlus"  # a word no other text contains: found only while stored


@pytest.fixture
def chat(make_chat):
    return make_chat()


@pytest.fixture
def alice(db):
    return ensure_user("alice")


@pytest.fixture
def bob(db):
    return ensure_user("bob")


def held_open(arrived: threading.Semaphore):
    """Streams one word, then nothing until stopped: the answer stays running."""

    def reply(request):
        arrived.release()
        return StreamReply([Data(ChunkFactory("r1").chunk({"content": "w "})), Stall(30)])

    return reply


def wait_for(arrived: threading.Semaphore, count: int) -> None:
    for _ in range(count):
        assert arrived.acquire(timeout=10), "the provider was not asked"


def stored(secret: str = SECRET) -> int:
    """Messages holding `secret`, and on SQLite its search-index entries."""
    with session() as db:
        found = db.scalar(select(func.count(Message.id)).where(Message.content.contains(secret)))
        if has_search_index(db):
            match = "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH :q"
            found += db.scalar(sql(match), {"q": f'"{secret}"'})
    return found


def assert_forgotten() -> None:
    assert erase.wait_for_merges(10)
    assert stored() == 0


def test_deleting_a_comparison_stops_its_running_answers_and_erases_them(chat, alice, server):
    arrived = threading.Semaphore(0)
    server.default = held_open(arrived)
    compare = CompareService(chat)
    comparison = compare.start(
        alice.id, f"Tell me about {SECRET}", [ModelSettings("m"), ModelSettings("m")]
    )
    wait_for(arrived, 2)
    answers = [a.id for a in compare.detail(alice.id, comparison.id).latest_answers]
    assert all(chat.worker.is_running(a) for a in answers)
    assert stored()  # the question is found while it is stored

    compare.delete(alice.id, comparison.id)

    for answer_id in answers:
        chat.worker.wait(answer_id, timeout=10)  # stopped, not left streaming
        assert not chat.worker.is_running(answer_id)
    with pytest.raises(RecordNotFound):
        compare.get(alice.id, comparison.id)
    for conversation_id in comparison.conversation_ids:
        with pytest.raises(RecordNotFound):
            message_store.branch(alice.id, conversation_id)
    assert_forgotten()
    # The worker is unharmed by answers whose rows went: the next chat is answered.
    server.default = lambda request: StreamReply(text_stream("r2", answer=["fine"]))
    sent = chat.send(alice.id, None, "Still there?", Choice("m"))
    chat.worker.wait(sent.assistant_message_id, timeout=10)
    assert message_store.get_message(alice.id, sent.assistant_message_id).status == COMPLETE


def test_another_users_comparison_cannot_be_deleted(chat, alice, bob, server):
    server.default = lambda request: StreamReply(text_stream("r1", answer=["an answer"]))
    compare = CompareService(chat)
    comparison = compare.start(alice.id, SECRET, [ModelSettings("m"), ModelSettings("m")])
    for answer in compare.detail(alice.id, comparison.id).latest_answers:
        chat.worker.wait(answer.id, timeout=10)

    with pytest.raises(RecordNotFound):
        compare.delete(bob.id, comparison.id)

    kept = compare.detail(alice.id, comparison.id)
    assert [a.content for a in kept.latest_answers] == ["an answer", "an answer"]
    assert stored()


def test_a_battle_is_deleted_through_the_arena_and_only_by_its_owner(make_chat, alice, bob, server):
    server.default = lambda request: StreamReply(text_stream("r1", answer=["an answer"]))
    chat = make_chat(fallback=True)  # two models: "m" and "fast"
    arena = arena_for(chat, rng=random.Random(1))
    battle = arena.start_battle(alice.id, f"Battle of {SECRET}")
    for answer in arena.battle(alice.id, battle.id).detail.latest_answers:
        chat.worker.wait(answer.id, timeout=10)

    with pytest.raises(RecordNotFound):
        arena.delete(bob.id, battle.id)
    assert arena.battle(alice.id, battle.id).detail.turns  # untouched

    with pytest.raises(InputRejected):  # not through the compare page's service
        CompareService(chat).delete(alice.id, battle.id)
    arena.delete(alice.id, battle.id)
    assert comparison_store.list_comparisons(alice.id, ARENA) == []
    assert_forgotten()


@pytest.fixture
def batches(chat):
    runner = BatchRunner(chat)
    yield BatchService(runner, chat)
    runner.shutdown()


PROMPTS = [NewPrompt("p1", f"First about {SECRET}"), NewPrompt("p2", "Second")]


def test_deleting_a_running_batch_stops_its_answers_and_erases_them(batches, chat, alice, server):
    arrived = threading.Semaphore(0)
    server.default = held_open(arrived)
    batch = batches.create(alice.id, "set.csv", PROMPTS, [ModelSettings("m")], concurrency=2)
    wait_for(arrived, 2)  # both cells are being answered
    running = [c.message.id for c in batches.contents(alice.id, batch.id).cells]
    assert batches.is_running(batch.id)
    assert stored()

    batches.delete(alice.id, batch.id)

    assert not batches.is_running(batch.id)
    for answer_id in running:
        chat.worker.wait(answer_id, timeout=10)
        assert not chat.worker.is_running(answer_id)
    assert batches.history(alice.id) == []
    with pytest.raises(RecordNotFound):
        batches.get(alice.id, batch.id)
    assert_forgotten()
    assert len(server.requests) == 2  # nothing more was started after the deletion


def test_another_users_batch_cannot_be_deleted_or_read(batches, alice, bob, server):
    server.default = lambda request: StreamReply(text_stream("r1", answer=["done"]))
    batch = batches.create(alice.id, "set.csv", PROMPTS, [ModelSettings("m")], concurrency=2)
    batches.runner.wait(batch.id)

    for refused in (batches.delete, batches.contents, batches.stop, batches.get):
        with pytest.raises(RecordNotFound):
            refused(bob.id, batch.id)

    kept = batches.contents(alice.id, batch.id)
    assert [c.message.content for c in kept.cells] == ["done", "done"]
    assert batch_store.batch_conversation_ids(alice.id, batch.id)
    assert stored()
