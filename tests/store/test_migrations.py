"""The schema is built and upgraded by Alembic at start-up: blank databases, files made
before Alembic, several processes starting at once, and code older than the database."""

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from core.errors import SchemaTooNew
from core.i18n import Translator
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import open_store, processes, reset_for_tests
from core.store.db import engine
from core.store.migrations import BASELINE, build_before_alembic
from core.store.models import BatchCell, LoginAttempt, Vote
from core.store.schema import current_revision, differences, head_revision, upgrade
from core.store.search import search
from core.store.users import ensure_user
from core.store.views import INTERRUPTED
from tests.app.conftest import shown
from tests.databases import on_sqlite
from ui.errors import describe

ROOT = Path(__file__).resolve().parents[2]
# Made by the code of 29 Nov 2026 (before Alembic; schema_migrations at 4), with a
# conversation whose answer was still streaming, a vote, a batch and a sign-in.
MADE_BEFORE_ALEMBIC = Path(__file__).parent / "fixtures" / "before_alembic.db"


def sqlite_schema(url: str) -> list[tuple]:
    with sqlite3.connect(url.split("///", 1)[1]) as conn:
        return sorted(
            conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchall()
        )


def revision() -> str | None:
    with engine().connect() as conn:
        return current_revision(conn)


def test_blank_database_is_built_to_the_newest_revision(db):
    assert revision() == head_revision()
    tables = set(inspect(engine()).get_table_names())
    assert {"users", "conversations", "messages", "attempts", "alembic_version"} <= tables
    assert "schema_migrations" not in tables  # the old record handed over to Alembic


def test_migrated_schema_equals_the_models(db):
    assert differences(engine()) == []


def test_upgrading_twice_changes_nothing(db):
    assert upgrade(engine()) == []


@pytest.mark.parametrize("version", range(1, BASELINE + 1))
def test_a_database_left_at_any_numbered_version_upgrades_to_the_same_schema(
    database_url, monkeypatch, version
):
    fresh, older = database_url("fresh"), database_url("older")
    monkeypatch.setenv("DATABASE_URL", fresh)
    reset_for_tests()
    open_store()
    monkeypatch.setenv("DATABASE_URL", older)
    reset_for_tests()
    assert build_before_alembic(engine(), up_to=version) == list(range(1, version + 1))
    reset_for_tests()
    open_store()
    assert revision() == head_revision()
    assert differences(engine()) == []
    if on_sqlite():  # every trigger and virtual table too, to the letter
        reset_for_tests()
        assert sqlite_schema(older) == sqlite_schema(fresh)


@pytest.mark.sqlite_only  # a file made by the code before Alembic
def test_a_file_made_before_alembic_is_upgraded_without_loss(tmp_path, monkeypatch):
    path = tmp_path / "chat.db"
    shutil.copy(MADE_BEFORE_ALEMBIC, path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    reset_for_tests()
    open_store()
    assert revision() == head_revision()
    assert differences(engine()) == []
    processes.recover_orphans()  # what the app's start does next

    alice = ensure_user("alice")
    [chat] = conversation_store.list_conversations(alice.id)
    assert chat.title == "Hedgehog facts 刺猬" and chat.system_prompt == "Be brief."
    messages = message_store.branch(alice.id, chat.id)
    assert messages[0].content == "Do hedgehogs hibernate? 刺猬冬眠吗"
    answers = {m.content: m for m in (message_store.get_message(alice.id, i) for i in (2, 3, 4))}
    assert set(answers) == {"Yes, hedgehogs hibernate.", "They do, in winter.", "Hedgehogs do"}
    assert answers["Yes, hedgehogs hibernate."].reasoning == "recall mammal facts"
    assert answers["Hedgehogs do"].status == INTERRUPTED  # its process is long gone
    with engine().connect() as conn:
        counts = [conn.scalar(select(func.count()).select_from(t)) for t in (Vote, BatchCell)]
        assert counts == [1, 1]
        assert conn.scalar(select(func.count()).select_from(LoginAttempt)) == 1
    assert [h.title for h in search(alice.id, "hedgehog")][:1] == ["Hedgehog facts 刺猬"]
    assert len(search(alice.id, "刺猬冬眠")) == 1
    bob = ensure_user("bob")
    assert [c.title for c in conversation_store.list_conversations(bob.id)] == ["bob's"]


def test_processes_starting_together_migrate_once_and_all_start(database_url):
    url = database_url("shared")
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", "from core.store import open_store; open_store()"],
            cwd=ROOT,
            env={"DATABASE_URL": url, "OLLAMA_URL": "off", "PATH": "/usr/bin:/bin"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    failures = [p.stderr.read() for p in starts if p.wait(timeout=120) != 0]
    assert failures == []
    assert differences(engine(url)) == []


def test_a_database_newer_than_the_code_is_refused_untouched(db, monkeypatch):
    with engine().begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    reset_for_tests()
    with pytest.raises(SchemaTooNew) as refused:
        open_store()
    message = shown(describe(Translator("en"), refused.value.kind, refused.value.detail))
    assert "newer version of this app" in message and "9999_from_the_future" in message
    assert revision() == "9999_from_the_future"


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys(db):
    with engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
