"""A broken database gets a clear message, never a traceback, and loses no text.

Real failures on a real file: a corrupt file, a read-only file (made
immutable when the tests run as root, who ignores permissions), and a full
disk (SQLite's max_page_count caps the file at its current size).
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from core.services import reset_services
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import reset_for_tests
from core.store.db import engine
from core.store.users import local_user

# Corrupt, read-only and full files are SQLite's failures; on PostgreSQL the server
# owns the files.
pytestmark = pytest.mark.sqlite_only

PRECIOUS = "my precious words, typed for an hour " * 50


@contextmanager
def read_only(path):
    """Make `path` really unwritable, for root too; skip where that is impossible."""
    if os.geteuid() != 0:
        os.chmod(path, 0o444)
        try:
            yield
        finally:
            os.chmod(path, 0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a file read-only")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("this file system does not support the immutable flag")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def disk_full(path):
    """Every new connection may not grow the file beyond its current size."""
    with sqlite3.connect(path) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]

    def cap(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(engine(), "connect", cap)
    engine().dispose()
    try:
        yield
    finally:
        event.remove(engine(), "connect", cap)
        engine().dispose()


def kept_on_screen(at) -> str:
    return "\n".join([c.value for c in at.code] + [t.value for t in at.text])


def integrity(path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def restart(at):
    """What a new process would see: no engines, no services."""
    reset_services()
    reset_for_tests()
    return at.run()


def test_corrupt_file_at_start_up(app, tmp_path):
    (tmp_path / "app.db").write_bytes(b"not a database, whatever it was " * 200)
    app.run()
    assert not app.exception
    [error] = app.error
    assert "cannot be opened" in error.value and "file is not a database" in error.value
    assert "damaged" in error.value and "disk space" not in error.value
    assert len(app.chat_input) == 0


def test_read_only_file_at_start_up(app, tmp_path):
    app.run()  # creates the database
    with read_only(tmp_path / "app.db"):
        restart(app)
        assert not app.exception
        [error] = app.error
        assert "readonly database" in error.value and "accepts no writes" in error.value


def test_read_only_file_at_send_keeps_the_text_and_sends_it_later(app, tmp_path):
    app.run()
    app.chat_input[0].set_value("first question").run()
    with read_only(tmp_path / "app.db"):
        reset_for_tests()  # new connections find the file read-only
        app.chat_input[0].set_value(PRECIOUS).run()
        assert not app.exception
        assert "readonly database" in app.error[0].value
        assert PRECIOUS in kept_on_screen(app)
    reset_for_tests()
    app.button(key="send-again").click().run()
    assert not app.exception
    [conversation] = conversation_store.list_conversations(local_user().id)
    contents = [m.content for m in message_store.branch(local_user().id, conversation.id)]
    assert contents[0] == "first question" and PRECIOUS in contents
    assert integrity(tmp_path / "app.db") == "ok"


def test_full_disk_at_send_keeps_the_text_and_leaves_no_empty_chat(app, tmp_path):
    app.run()
    app.chat_input[0].set_value("first question").run()
    app.button(key="new-chat").click().run()
    big = PRECIOUS * 20
    with disk_full(tmp_path / "app.db"):
        app.chat_input[0].set_value(big).run()
        assert not app.exception
        assert "database or disk is full" in app.error[0].value
        assert "out of space" in app.error[0].value
        assert big in kept_on_screen(app)
        titles = [c.title for c in conversation_store.list_conversations(local_user().id)]
        assert titles == ["first question"]  # no half-made conversation
    app.button(key="send-again").click().run()
    assert not app.exception
    titles = [c.title for c in conversation_store.list_conversations(local_user().id)]
    assert len(titles) == 2 and not app.error
    assert integrity(tmp_path / "app.db") == "ok"


def test_file_corrupted_while_running_shows_a_message_and_keeps_the_text(app, tmp_path):
    app.run()
    app.chat_input[0].set_value("first question").run()
    reset_for_tests()
    path = tmp_path / "app.db"
    damaged = bytearray(path.read_bytes())
    damaged[100:4000] = b"\xff" * 3900
    path.write_bytes(bytes(damaged))
    for journal in tmp_path.glob("app.db-*"):
        journal.unlink()
    app.chat_input[0].set_value(PRECIOUS).run()
    assert not app.exception
    assert "malformed" in app.error[0].value and "damaged" in app.error[0].value
    assert PRECIOUS in kept_on_screen(app)
