"""A database made before search existed (schema version 1) upgrades with its data indexed."""

import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData, text

from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import open_store, processes, reset_for_tests
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
    chat = SimpleNamespace(id=insert_conversation(alice.id, "Hedgehog facts"))
    question = insert_message(chat.id, None, "user", "Do hedgehogs hibernate? 刺猬冬眠吗")
    answer = insert_message(
        chat.id, question, "assistant", "Yes, hedgehogs hibernate.", "recall mammal facts"
    )
    cut_off = insert_message(chat.id, question, "assistant", "Hedgehogs do", status=STREAMING)
    with engine().begin() as conn:
        conn.execute(
            text("UPDATE conversations SET current_leaf_id = :leaf WHERE id = :id"),
            {"leaf": cut_off, "id": chat.id},
        )
    theirs = insert_conversation(bob.id, "bob's")
    insert_message(theirs, None, "user", "hedgehog?")
    question, answer, cut_off = (SimpleNamespace(id=i) for i in (question, answer, cut_off))

    reset_for_tests()
    open_store()  # the app starts on the new version: migrations run
    processes.recover_orphans()  # and answers nobody is writing any more are interrupted

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


def insert_conversation(user_id: int, title: str) -> int:
    """A conversation row as version 1 stored it (the ORM follows the newest schema)."""
    return insert(
        "conversations",
        public_id=uuid.uuid4().hex,
        user_id=user_id,
        kind="chat",
        title=title,
        title_is_auto=False,
        model_id="demo-thinker",
        pinned=False,
        archived=False,
        created_at=0.0,
        updated_at=0.0,
    )


def insert_message(conversation_id, parent_id, role, content, reasoning="", status="complete"):
    return insert(
        "messages",
        public_id=uuid.uuid4().hex,
        conversation_id=conversation_id,
        parent_id=parent_id,
        depth=0 if parent_id is None else 1,
        role=role,
        content=content,
        reasoning=reasoning,
        status=status,
        usage_estimated=False,
        context_dropped=0,
        attempts=0,
        created_at=0.0,
        updated_at=0.0,
    )


def insert(table: str, **values) -> int:
    with engine().begin() as conn:
        meta = MetaData()
        meta.reflect(conn, only=[table])
        return conn.execute(meta.tables[table].insert().values(**values)).inserted_primary_key[0]
