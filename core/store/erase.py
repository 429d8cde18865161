"""Deleting for real: the rows, their search-index entries, and the bytes in the file.

- Rows: a conversation's messages go with it (ON DELETE CASCADE), and the
  FTS triggers remove their index entries in the same transaction, so no
  search can find deleted text, not even for a moment.
- Bytes: every SQLite connection runs with `secure_delete` (core/store/db.py):
  SQLite overwrites a deleted record with zeros instead of leaving it in
  the file's free space.
- Index segments: an FTS5 delete writes a "deleted" marker, and the old
  entries (trigrams and positions, enough to rebuild the text) stay inside
  older index segments until those are merged. With SQLite 3.42 or later the
  index uses FTS5's `secure-delete` and they go at once; with an older SQLite
  `forget_deleted_text()` merges the whole index (FTS5 "optimize").
- The write-ahead log holds recent page images until a checkpoint; it is
  checkpointed and truncated after every deletion.

On PostgreSQL, deleted rows are reclaimed by (auto)vacuum as usual.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.store import conversations as conversation_store
from core.store.db import engine, session
from core.store.models import Conversation
from core.store.search import has_search_index

log = logging.getLogger(__name__)

FTS_TABLES = ("messages_fts", "conversations_fts")


def delete_conversation(user_id: int, conversation_id: int) -> None:
    """Delete one of the user's conversations and every trace of its text."""
    conversation_store.delete_conversation(user_id, conversation_id)
    forget_deleted_text()


def delete_all_conversations(user_id: int) -> int:
    """Delete every conversation the user has (of every kind); return how many."""
    with session() as db:
        deleted = db.execute(delete(Conversation).where(Conversation.user_id == user_id))
        count = deleted.rowcount or 0
    forget_deleted_text()
    return count


def forget_deleted_text() -> None:
    """Leave nothing of deleted text in the search index or the write-ahead log."""
    if engine().dialect.name != "sqlite":
        return
    with session() as db:
        if has_search_index(db) and not _index_deletes_securely(db):
            for table in FTS_TABLES:
                db.execute(sql(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
    try:
        with engine().connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except OperationalError as busy:  # a reader holds the log; the next checkpoint will do
        log.info("write-ahead log not truncated now: %s", busy)


def _index_deletes_securely(db: Session) -> bool:
    setting = db.execute(sql("SELECT v FROM messages_fts_config WHERE k = 'secure-delete'"))
    row = setting.first()
    return bool(row and row[0])
