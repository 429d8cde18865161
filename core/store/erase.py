"""Deleting for real: the rows, their search-index entries, and the bytes in the file.

- Rows: a conversation's messages go with it (ON DELETE CASCADE), and the
  FTS triggers remove their index entries in the same transaction, so no
  search can find deleted text, not even for a moment. Attached files go
  with their messages, and a trigger deletes an original file with the last
  attachment that refers to it (Alembic revision 0018).
- Bytes: every SQLite connection runs with `secure_delete` (core/store/db.py):
  SQLite overwrites a deleted record with zeros instead of leaving it in
  the file's free space.
- Index segments: an FTS5 delete writes a "deleted" marker, and the old
  entries (trigrams and positions, enough to rebuild the text) stay inside
  older index segments until those are merged. With SQLite 3.42 or later the
  index uses FTS5's `secure-delete` and they go at once; with an older SQLite
  `forget_deleted_text()` merges the whole index into one segment.
- The write-ahead log holds recent page images until a checkpoint; it is
  checkpointed and truncated after every deletion.

On PostgreSQL, deleted rows are reclaimed by (auto)vacuum as usual.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import delete
from sqlalchemy import text as sql
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session

from core.store import conversations as conversation_store
from core.store.db import database_url, engine, session
from core.store.index_upkeep import FTS_TABLES, merge_step
from core.store.models import Batch, Comparison, Conversation, FeedbackVote
from core.store.search import has_search_index

log = logging.getLogger(__name__)

MERGE_PAGES = 256  # index pages merged per step
SMALL_INDEX = 4_000  # index pages (about 4 MB): merged at once, in well under a second

_lock = threading.Lock()
_merging: set[str] = set()  # databases whose index a background thread is merging
_merged = threading.Condition(_lock)  # notified when a background merge ends


def delete_conversation(user_id: int, conversation_id: int) -> None:
    """Delete one of the user's conversations and every trace of its text.

    The one way to delete a conversation: its messages go with it (ON DELETE
    CASCADE), then the index and the log forget the text.
    """
    with session() as db:
        conversation_store.owned(db, user_id, conversation_id)
        db.execute(delete(Conversation).where(Conversation.id == conversation_id))
    forget_deleted_text()


def delete_all_conversations(user_id: int, *, db: Session | None = None) -> int:
    """Delete every conversation the user has (of every kind), with their batches,
    comparisons, battles and feedback votes; return how many conversations.

    A batch keeps its prompts, reference answers and rubrics in rows of its
    own (its answers are conversations), so it is deleted here too, in the
    same transaction: "delete all my data" leaves none of the text they
    wrote. Feedback votes go with their answers (ON DELETE CASCADE); they are
    deleted by owner as well, so a vote never outlives the account's data.

    `db`: the session of the caller's unit of work (core/store/db.py), which
    then calls `forget_deleted_text()` once it has committed.
    """
    within = db
    with session(within=within) as db:
        db.execute(delete(Batch).where(Batch.user_id == user_id))
        # A comparison's (or battle's) title is its first prompt: it goes too.
        # Arena votes stay for the leaderboard, without it (as when one is deleted).
        db.execute(delete(Comparison).where(Comparison.user_id == user_id))
        db.execute(delete(FeedbackVote).where(FeedbackVote.user_id == user_id))
        deleted = db.execute(delete(Conversation).where(Conversation.user_id == user_id))
        count = deleted.rowcount or 0
    if within is None:
        forget_deleted_text()
    return count


def forget_deleted_text(*, wait: bool = False) -> None:
    """Leave nothing of deleted text in the search index or the write-ahead log.

    Where FTS5's secure-delete is missing, the index is merged into one
    segment, in small steps (each a short write, so answers being written
    keep saving): at once for a small index or with `wait`, otherwise in a
    background thread (a million messages take about 20 s).
    """
    url = database_url()
    if engine(url).dialect.name != "sqlite":
        return
    with session(url) as db:
        stale = has_search_index(db) and not _index_deletes_securely(db)
        small = stale and db.scalar(sql("SELECT count(*) FROM messages_fts_data")) < SMALL_INDEX
    if not stale:
        _truncate_log(url)
    elif wait or small:
        _merge_index(url)
    else:
        with _lock:
            if url in _merging:
                return
            _merging.add(url)
        threading.Thread(target=_merge_index, args=(url,), name="index-merge", daemon=True).start()


def _merge_index(url: str) -> None:
    try:
        for table in FTS_TABLES:
            while merge_step(url, table, -MERGE_PAGES):
                pass
        _truncate_log(url)
    except (OperationalError, DatabaseError) as failed:
        log.warning("search index not merged after a deletion: %s", failed)
    finally:
        with _merged:
            _merging.discard(url)
            _merged.notify_all()


def wait_for_merges(timeout: float) -> bool:
    """Block until no background merge runs (False if one still does after
    `timeout`): tests, and a caller that must know deleted text is gone."""
    with _merged:
        return _merged.wait_for(lambda: not _merging, timeout)


def _truncate_log(url: str) -> None:
    try:
        with engine(url).connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except OperationalError as busy:  # a reader holds the log; a later checkpoint will do
        log.info("write-ahead log not truncated now: %s", busy)


def _index_deletes_securely(db: Session) -> bool:
    setting = db.execute(sql("SELECT v FROM messages_fts_config WHERE k = 'secure-delete'"))
    row = setting.first()
    return bool(row and row[0])
