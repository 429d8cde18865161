"""The search index is merged in the background, never inside a message's save."""

import pytest
from sqlalchemy import text

from core.store import conversations as conversation_store
from core.store import index_upkeep
from core.store import messages as message_store
from core.store.db import engine
from core.store.search import search
from core.store.users import ensure_user

pytestmark = pytest.mark.sqlite_only  # FTS5's segment merging


def automerge(db_url: str) -> list:
    with engine(db_url).connect() as conn:
        rows = conn.execute(
            text("SELECT v FROM messages_fts_config WHERE k = 'automerge'")
        ).scalars()
        return list(rows)


def test_saving_a_message_never_merges_the_index(db):
    assert automerge(db) == [0]


def test_merging_in_steps_keeps_search_whole(db):
    index_upkeep.forget(db)  # the background thread stays out of this test
    alice = ensure_user("alice")
    for turn in range(15):  # one transaction, so one new index segment, each
        conversation = conversation_store.create_conversation(alice.id, "demo-thinker")
        message_store.append_message(
            alice.id, conversation.id, role="user", parent_id=None,
            content=f"tortoise number {turn} sleeps",
        )  # fmt: skip
    step = index_upkeep.STEP_PAGES
    assert index_upkeep.merge_step(db, "messages_fts", step)  # segments piled up
    while index_upkeep.merge_step(db, "messages_fts", step):
        pass
    assert len(search(alice.id, "tortoise", limit=100)) == 15


def test_a_forgotten_database_is_left_alone(db):
    index_upkeep.forget(db)
    alice = ensure_user("alice")
    conversation = conversation_store.create_conversation(alice.id, "demo-thinker")
    parent = None
    for turn in range(40):
        parent = message_store.append_message(
            alice.id, conversation.id, role="user", parent_id=parent, content=f"turn {turn}"
        ).id
    assert index_upkeep.merge_some(db) == 0
