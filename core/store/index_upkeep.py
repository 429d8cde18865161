"""Keeping the search index merged, off the write path.

FTS5 merges the segments of its index inside the transactions that write to
it ("automerge"). With a million messages that made about one save in a
hundred take 50-700 ms, and every other writer queued behind it
(bench/store_at_scale). So automatic merging is switched off when the store
opens, and a background thread does the same work once a second, in small
steps: each its own transaction of about a millisecond, with a pause between
them for writers to get in. Should it ever fall behind, FTS5's own "crisis
merge" (16 segments on one level) still keeps the index bounded.

The same thread moves the write-ahead log into the database file (a passive
checkpoint, once a second). SQLite otherwise does that inside the commit
that makes the log pass 1,000 pages: about one write in two hundred paid for
copying 4 MB and two fsyncs (bench/store_at_scale, append p99). Commits are
as durable as before: a checkpoint only moves what is already committed.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import DatabaseError, OperationalError

from core.store.db import engine

log = logging.getLogger(__name__)

FTS_TABLES = ("messages_fts", "conversations_fts", "messages_grams", "attachments_fts")
STEP_PAGES = 32  # index pages merged per step (about a millisecond)
INTERVAL_S = 1.0
BUDGET_S = 0.25  # merging per wake-up, at most
PAUSE_S = 0.005  # between two steps, so that writers need not wait long

_lock = threading.Lock()  # held for each step: forget() waits for the one under way
_kept: set[str] = set()
_checkpointed: set[str] = set()
_thread: threading.Thread | None = None


def keep_merged(url: str) -> None:
    """Merge `url`'s search index in the background from now on (SQLite with FTS5)."""
    with engine(url).begin() as conn:
        for table in FTS_TABLES:
            conn.exec_driver_sql(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
    with _lock:
        _kept.add(url)
    _start()


def _start() -> None:
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_run, name="search-index-upkeep", daemon=True)
            _thread.start()


def keep_checkpointed(url: str) -> None:
    """Checkpoint `url`'s write-ahead log in the background from now on (SQLite)."""
    with _lock:
        _checkpointed.add(url)
    _start()


def forget(url: str | None = None) -> None:
    """Stop the upkeep of one database (or every one's), e.g. before deleting it."""
    with _lock:
        if url is None:
            _kept.clear()
            _checkpointed.clear()
        else:
            _kept.discard(url)
            _checkpointed.discard(url)


def merge_some(url: str, budget_s: float = BUDGET_S) -> int:
    """Merge where a level of the index holds several segments, for at most
    `budget_s`; return how many steps did some work."""
    steps = 0
    deadline = time.monotonic() + budget_s
    for table in FTS_TABLES:
        while time.monotonic() < deadline:
            with _lock:
                if url not in _kept or not merge_step(url, table, STEP_PAGES):
                    break
            steps += 1
            time.sleep(PAUSE_S)
    return steps


def merge_step(url: str, table: str, pages: int) -> bool:
    """One short transaction of merging; False once there is nothing to merge.

    A positive `pages` merges only levels holding several segments (what
    automerge would have done); a negative one merges everything into one
    segment (core/store/erase.py, so that deleted text leaves the index).
    """
    with engine(url).begin() as conn:
        raw = conn.connection.driver_connection
        before = raw.total_changes
        conn.exec_driver_sql(f"INSERT INTO {table}({table}, rank) VALUES ('merge', {pages})")
        return raw.total_changes - before >= 2  # FTS5's sign of "nothing left"


def checkpoint(url: str) -> None:
    """Move what the write-ahead log holds into the database file, without
    waiting for anyone (PASSIVE: readers and writers go on meanwhile)."""
    with engine(url).connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def _run() -> None:
    while True:
        time.sleep(INTERVAL_S)
        with _lock:
            merged, checkpointed = list(_kept), list(_checkpointed)
        for url in merged:
            try:
                merge_some(url)
            except (OperationalError, DatabaseError) as failed:
                log.info("search index not merged now: %s", failed)
        for url in checkpointed:
            try:
                with _lock:  # forget() waits for it: a forgotten file is not reopened
                    if url in _checkpointed:
                        checkpoint(url)
            except (OperationalError, DatabaseError) as failed:
                log.info("write-ahead log not checkpointed now: %s", failed)
