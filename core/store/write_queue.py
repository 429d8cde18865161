"""SQLite writers of one process wait in line, not in SQLite's busy handler.

SQLite lets one transaction write at a time. A second writer that finds the
lock taken is put to sleep by SQLite's busy handler for 1, 2, 5, 10, 15…
ms before it looks again, whatever the holder does meanwhile: a write that
needed the lock for one millisecond made the next writer wait eight
(bench/store_at_scale.py, 8 writers: most of the append p99). So every
connection of the app's engine takes a process-wide lock per database file
before its first write statement, and gives it back when the transaction
ends: the next writer in line starts the moment the lock is free. Writers in
other processes still meet SQLite's busy handler, as before.

Waiting here is bounded by the same busy timeout: after it the writer goes
on to SQLite, which waits or fails as it would have without this queue (so
two connections writing in one thread cannot deadlock here).
"""

from __future__ import annotations

import sqlite3
import threading

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")  # statements that take the write lock

_queues: dict[str, threading.Lock] = {}
_queues_lock = threading.Lock()


def queue_for(database: str) -> threading.Lock:
    """The one lock of this process for the database file `database`."""
    with _queues_lock:
        return _queues.setdefault(database, threading.Lock())


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that queues for the process's write lock (see above)."""

    queue: threading.Lock | None = None
    wait_s: float = 10.0
    _holding = False

    def cursor(self, factory=None):
        return super().cursor(factory or QueuedCursor)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave()

    def _enter(self, statement: str) -> None:
        if self.queue is None or self._holding or not _is_write(statement):
            return
        self._holding = self.queue.acquire(timeout=self.wait_s)

    def _leave(self) -> None:
        if self._holding:
            self._holding = False
            self.queue.release()

    def _after(self) -> None:
        # A statement that failed before its transaction began, or ran in
        # autocommit mode, leaves no transaction to end: give the place back.
        if self._holding and not self.in_transaction:
            self._leave()


class QueuedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters=(), /):
        connection: QueuedConnection = self.connection
        connection._enter(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            connection._after()

    def executemany(self, sql: str, parameters, /):
        connection: QueuedConnection = self.connection
        connection._enter(sql)
        try:
            return super().executemany(sql, parameters)
        finally:
            connection._after()


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:6].upper() in WRITES
