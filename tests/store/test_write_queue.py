"""SQLite's writers wait in line in the process (core/store/write_queue.py), and the log
is checkpointed in the background rather than inside a commit (core/store/index_upkeep.py)."""

import threading

import pytest
from sqlalchemy.exc import IntegrityError

from core.store import conversations as conversation_store
from core.store import index_upkeep
from core.store import messages as message_store
from core.store.db import engine
from core.store.users import ensure_user

pytestmark = pytest.mark.sqlite_only  # SQLite's single writer and its log


def append_in_thread(user, chat) -> threading.Thread:
    def write():
        message_store.append_message(user.id, chat.id, role="user", content="q", parent_id=None)

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_writer_waits_for_the_one_before_and_goes_as_soon_as_it_commits(db):
    user = ensure_user("alice")
    chat = conversation_store.create_conversation(user.id, "demo-thinker")
    with engine().connect() as conn:
        conn.exec_driver_sql("UPDATE users SET display_name = 'A' WHERE id = ?", (user.id,))
        waiting = append_in_thread(user, chat)
        waiting.join(0.3)
        assert waiting.is_alive()  # the write lock is ours until we commit
        conn.commit()
    waiting.join(5)
    assert not waiting.is_alive()
    assert len(message_store.branch(user.id, chat.id)) == 1


@pytest.mark.parametrize("autocommit", [False, True])
def test_a_failed_write_gives_its_place_back(db, autocommit):
    user = ensure_user("alice")
    chat = conversation_store.create_conversation(user.id, "demo-thinker")
    with engine().connect() as conn:
        if autocommit:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        with pytest.raises(IntegrityError):
            conn.exec_driver_sql("INSERT INTO messages (id) VALUES (NULL)")  # NOT NULL fails
        if not autocommit:
            conn.rollback()
        writer = append_in_thread(user, chat)  # the connection is still open, idle
        writer.join(5)
        assert not writer.is_alive()
    assert len(message_store.branch(user.id, chat.id)) == 1


def test_commits_leave_the_log_to_the_background_checkpoint(db):
    user = ensure_user("alice")
    chat = conversation_store.create_conversation(user.id, "demo-thinker")
    with engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    for n in range(20):
        message_store.append_message(user.id, chat.id, role="user", content=f"{n}", parent_id=None)
    index_upkeep.checkpoint(db)
    with engine().connect() as conn:
        busy, in_log, moved = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and in_log > 0 and moved == in_log  # everything reached the file
