"""A database made before search existed (schema version 1) upgrades with its data indexed."""

from types import SimpleNamespace

import pytest
from sqlalchemy import text

from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import open_store, reset_for_tests
from core.store.db import engine
from core.store.migrations import build_before_alembic
from core.store.search import search
from core.store.views import INTERRUPTED, STREAMING

pytestmark = pytest.mark.sqlite_only  # FTS5 tables added to an old SQLite file


def test_upgrade_from_version_1_keeps_everything_and_indexes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    reset_for_tests()
    assert build_before_alembic(engine(), up_to=1) == [1]
    with engine().connect() as conn:
        tables = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
    assert "messages_fts" not in tables  # really the old schema

    # Users made the way version 1 stored them (the ORM follows the newest schema).
    with engine().begin() as conn:
        ids = [
            conn.execute(
                text(
                    "INSERT INTO users (username, display_name, role, auth_source, created_at) "
                    "VALUES (:name, :name, 'user', 'local', 0) RETURNING id"
                ),
                {"name": name},
            ).scalar_one()
            for name in ("alice", "bob")
        ]
    alice, bob = (SimpleNamespace(id=user_id) for user_id in ids)
    chat = conversation_store.create_conversation(alice.id, "demo-thinker", title="Hedgehog facts")
    question = message_store.append_message(
        alice.id, chat.id, role="user", content="Do hedgehogs hibernate? 刺猬冬眠吗", parent_id=None
    )
    answer = message_store.append_message(
        alice.id,
        chat.id,
        role="assistant",
        content="Yes, hedgehogs hibernate.",
        reasoning="recall mammal facts",
        parent_id=question.id,
    )
    cut_off = message_store.append_message(
        alice.id,
        chat.id,
        role="assistant",
        content="Hedgehogs do",
        parent_id=question.id,
        status=STREAMING,
    )
    theirs = conversation_store.create_conversation(bob.id, "demo-swift", title="bob's")
    message_store.append_message(
        bob.id, theirs.id, role="user", content="hedgehog?", parent_id=None
    )

    reset_for_tests()
    open_store()  # the app starts on the new version: migrations run

    branch = message_store.branch(alice.id, chat.id)
    assert [m.content for m in branch] == ["Do hedgehogs hibernate? 刺猬冬眠吗", "Hedgehogs do"]
    assert message_store.get_message(alice.id, answer.id).reasoning == "recall mammal facts"
    assert message_store.get_message(alice.id, cut_off.id).status == INTERRUPTED
    assert conversation_store.get_conversation(alice.id, chat.id).title == "Hedgehog facts"

    hits = search(alice.id, "hedgehog")
    assert hits[0].message_id is None and hits[0].title == "Hedgehog facts"
    assert {h.message_id for h in hits[1:]} == {question.id, answer.id, cut_off.id}
    assert [h.message_id for h in search(alice.id, "刺猬冬眠")] == [question.id]
    assert [h.message_id for h in search(alice.id, "mammal", include_reasoning=True)] == [answer.id]
    assert [h.title for h in search(bob.id, "hedgehog")] == ["bob's"]
    reset_for_tests()
