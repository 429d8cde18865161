"""The spending ledger: tokens spent stay counted, and a database made before it
keeps the spending its answers recorded."""

import time

from alembic import command
from sqlalchemy import text

from core.store import open_store, reset_for_tests, usage
from core.store.db import engine
from core.store.schema import alembic_config
from core.store.users import ensure_user
from tests.store.test_short_terms import _insert


def test_an_existing_database_keeps_what_its_answers_spent(database_url, monkeypatch):
    url = database_url("before-ledger")
    monkeypatch.setenv("DATABASE_URL", url)
    reset_for_tests()
    with engine().connect() as conn:
        command.upgrade(alembic_config(conn), "0011")  # the schema before the ledger
        conn.commit()
    now = time.time()
    with engine().begin() as conn:
        user = conn.execute(
            text(
                "INSERT INTO users (username, display_name, role, auth_source, created_at)"
                " VALUES ('alice', 'alice', 'user', 'local', 0) RETURNING id"
            )
        ).scalar_one()
        chat_id = _insert(conn, "conversations", user_id=user, kind="chat", title="old chat",
                          title_is_auto=False, model_id="demo-thinker", pinned=False,
                          archived=False)  # fmt: skip
        for role, tokens in (("user", None), ("assistant", (12, 30)), ("assistant", None)):
            message = _insert(conn, "messages", conversation_id=chat_id, depth=0, role=role,
                              content="text", reasoning="", status="complete",
                              usage_estimated=False, context_dropped=0, attempts=0,
                              model_id="demo-thinker")  # fmt: skip
            conn.execute(
                text(
                    "UPDATE messages SET created_at = :now, prompt_tokens = :p,"
                    " completion_tokens = :c WHERE id = :id"
                ),
                {"now": now, "p": tokens and tokens[0], "c": tokens and tokens[1], "id": message},
            )
    reset_for_tests()
    open_store()  # the app starts on the new code: the ledger is filled from the answers
    alice = ensure_user("alice")
    assert usage.tokens_by_model_since(alice.id, now - 60) == [("demo-thinker", 12, 30)]
