"""Eight writers at once, as eight answers streaming in one process: every question and
answer is kept, in its place in the tree, with the text of its last save."""

import threading

import pytest

from core.errors import RecordNotFound
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.search import search
from core.store.users import ensure_user
from core.store.views import QUEUED, STREAMING

WRITERS = 8
TURNS = 12


def test_eight_writers_lose_nothing_and_keep_every_branch(db):
    user = ensure_user("alice")
    chats = [conversation_store.create_conversation(user.id, "demo-thinker") for _ in range(4)]
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        # Two writers per conversation: their answers become siblings' branches.
        chat = chats[index % len(chats)]
        parent = None
        try:
            start.wait()
            for turn in range(TURNS):
                question = message_store.append_message(
                    user.id,
                    chat.id,
                    role="user",
                    content=f"w{index} q{turn} 量子",
                    parent_id=parent,
                )
                answer = message_store.append_message(
                    user.id, chat.id, role="assistant", parent_id=question.id, status=QUEUED
                )
                for part in range(3):
                    message_store.save_progress(
                        answer.id, status=STREAMING, content=f"w{index} a{turn} part {part}"
                    )
                message_store.finish(answer.id, status="complete", content=f"w{index} a{turn} 答")
                parent = answer.id
        except BaseException as failed:  # noqa: BLE001 - reported by the main thread
            failures.append(failed)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    for index in range(WRITERS):
        chat = chats[index % len(chats)]
        # The newest message of this writer's branch, by its text.
        hits = [h for h in search(user.id, f"w{index} a{TURNS - 1}") if h.message_id]
        assert len(hits) == 1
        branch = message_store.branch(user.id, chat.id, hits[0].message_id)
        assert [m.content for m in branch] == [
            text
            for turn in range(TURNS)
            for text in (f"w{index} q{turn} 量子", f"w{index} a{turn} 答")
        ]
        assert [m.depth for m in branch] == list(range(2 * TURNS))
        assert all(m.status == "complete" for m in branch)
    shown = {
        c.id: conversation_store.get_conversation(user.id, c.id).current_leaf_id for c in chats
    }
    assert all(leaf is not None for leaf in shown.values())


def test_a_message_goes_only_where_its_owner_and_parent_allow(db):
    alice, bob = ensure_user("alice"), ensure_user("bob")
    mine = conversation_store.create_conversation(alice.id, "demo-thinker")
    other = conversation_store.create_conversation(alice.id, "demo-thinker")
    first = message_store.append_message(
        alice.id, mine.id, role="user", content="hi", parent_id=None
    )
    with pytest.raises(RecordNotFound):
        message_store.append_message(bob.id, mine.id, role="user", content="x", parent_id=None)
    with pytest.raises(RecordNotFound):  # a parent from another conversation
        message_store.append_message(
            alice.id, other.id, role="user", content="x", parent_id=first.id
        )
    with pytest.raises(RecordNotFound):
        message_store.append_message(alice.id, mine.id, role="user", content="x", parent_id=10**9)
    assert [m.content for m in message_store.branch(alice.id, mine.id)] == ["hi"]
    assert message_store.branch(alice.id, other.id) == []
    reply = message_store.append_message(
        alice.id, mine.id, role="assistant", content="hello", parent_id=first.id
    )
    assert reply == message_store.get_message(alice.id, reply.id)  # what it returns is stored
    assert reply.depth == 1
