"""PostgreSQL advisory locks and notifications: what several processes share live.

Each process opens two dedicated sessions (never from the pool, never
returned to it):

- the *keeper* holds session-level advisory locks: the process's liveness
  lock for its whole life, and one lock per provider slot or breaker trial
  it holds right now. The server drops a session's locks when it ends, so a
  process that dies (or loses its connection) frees its slots at once, with
  no heartbeat to wait out.
- the *listener* LISTENs on one channel and wakes whoever waits for a name
  (core/resilience/shared_admission.py); senders NOTIFY that name.

Lock keys are two 31-bit integers: a namespace (a hash of the schema and the
kind of lock) and a number. The schema is part of the namespace so that two
apps (or two test schemas) on one database server never share slots.

Only for PostgreSQL: SQLite runs one process and keeps all of this in memory.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable

import psycopg
from sqlalchemy import make_url, text

from core.errors import StorageError
from core.store.db import database_url, engine
from core.store.processes import this_process_id

CHANNEL = "duet_shared"
LIVENESS = "process"  # namespace of the processes' liveness locks
LISTEN_POLL_S = 1.0  # the listener checks for shutdown this often

log = logging.getLogger(__name__)


def is_shared_database(url: str | None = None) -> bool:
    """Whether the database can be shared by several processes (PostgreSQL)."""
    return engine(url).dialect.name == "postgresql"


def key31(value: str) -> int:
    """A stable non-negative 31-bit number for a name (advisory lock keys are int4)."""
    return zlib.crc32(value.encode("utf-8")) & 0x7FFFFFFF


class Keeper:
    """This process's dedicated session for advisory locks and NOTIFY."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._dialect = engine(url).dialect
        self._lock = threading.Lock()
        self._conn = self._connect()
        self.schema = self._scalar("SELECT current_schema()")
        self.process_key = key31(this_process_id())
        self._scalar(
            "SELECT pg_advisory_lock(%s, %s)", (self.namespace(LIVENESS), self.process_key)
        )
        self._subscribers: dict[str, list[Callable[[], None]]] = {}
        self._stopping = threading.Event()
        self._listener = threading.Thread(target=self._listen, name="notify-listener", daemon=True)
        self._listener.start()

    def namespace(self, kind: str) -> int:
        return key31(f"{self.schema}:{kind}")

    # ------------------------------------------------------------ locks

    def try_lock(self, namespace: int, number: int) -> bool:
        """Take a lock for this process if no session holds it; never waits."""
        return bool(self._scalar("SELECT pg_try_advisory_lock(%s, %s)", (namespace, number)))

    def unlock(self, namespace: int, number: int) -> None:
        self._scalar("SELECT pg_advisory_unlock(%s, %s)", (namespace, number))

    def notify(self, name: str) -> None:
        """Wake every process's subscribers of `name` (after this call commits)."""
        self._scalar("SELECT pg_notify(%s, %s)", (CHANNEL, f"{self.schema}:{name}"))

    def _scalar(self, sql: str, params: tuple = ()):
        """Run one statement on the keeper; a database failure is a `StorageError`."""
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchone()[0]
            except psycopg.Error as exc:
                if self._conn.closed:
                    self._reconnect()
                raise StorageError(str(exc).strip() or type(exc).__name__) from exc

    def _reconnect(self) -> None:
        """The session is gone, and every lock with it: open another and take this
        process's liveness lock again (the caller's lock was lost, and its caller
        learns it from the error being raised)."""
        log.warning("advisory lock session lost; reconnecting")
        try:
            self._conn = self._connect()
            self._conn.execute(
                "SELECT pg_advisory_lock(%s, %s)", (self.namespace(LIVENESS), self.process_key)
            )
        except psycopg.Error as exc:  # the server is away: the next use tries again
            log.warning("could not reopen the advisory lock session: %s", exc)

    def _connect(self) -> psycopg.Connection:
        # The URL's own connection arguments (host, options such as a
        # search_path), but a connection of our own: the pool must never hand
        # out, reset or close a session that holds locks.
        args, params = self._dialect.create_connect_args(make_url(self._url))
        return psycopg.connect(*args, **params, autocommit=True)

    # ------------------------------------------------------------ notifications

    def subscribe(self, name: str, wake: Callable[[], None]) -> Callable[[], None]:
        """Call `wake` (from the listener thread) when `name` is notified; returns
        the function that unsubscribes."""
        with self._lock:
            self._subscribers.setdefault(name, []).append(wake)

        def unsubscribe() -> None:
            with self._lock:
                wakers = self._subscribers.get(name, [])
                if wake in wakers:
                    wakers.remove(wake)

        return unsubscribe

    def _listen(self) -> None:
        prefix = f"{self.schema}:"
        while not self._stopping.is_set():
            try:
                conn = self._connect()
                conn.execute(f"LISTEN {CHANNEL}")
                while not self._stopping.is_set():
                    for note in conn.notifies(timeout=LISTEN_POLL_S):
                        if note.payload.startswith(prefix):
                            self._wake(note.payload.removeprefix(prefix))
                conn.close()
            except psycopg.Error as exc:  # waiters also re-check on a timer
                log.warning("notification listener lost its session: %s", exc)
                self._stopping.wait(LISTEN_POLL_S)

    def _wake(self, name: str) -> None:
        with self._lock:
            wakers = list(self._subscribers.get(name, []))
        for wake in wakers:
            wake()

    def close(self) -> None:
        self._stopping.set()
        self._listener.join(timeout=LISTEN_POLL_S + 2)
        with self._lock:
            self._conn.close()


_keepers: dict[str, Keeper] = {}
_keepers_lock = threading.Lock()


def keeper(url: str | None = None) -> Keeper:
    """The process's keeper for `url` (default: DATABASE_URL), opened on first use."""
    url = url or database_url()
    with _keepers_lock:
        if url not in _keepers:
            _keepers[url] = Keeper(url)
        return _keepers[url]


def close_keepers() -> None:
    """End the dedicated sessions: this process's locks are released (tests, exit)."""
    with _keepers_lock:
        keepers = list(_keepers.values())
        _keepers.clear()
    for item in keepers:
        item.close()


def live_lock_held(namespace_sql: str = ":live") -> str:
    """SQL true when the liveness lock of a row's `process_key` is held by some session."""
    return (
        "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
        f" AND l.objsubid = 2 AND l.classid::bigint = {namespace_sql}"
        " AND l.objid::bigint = w.process_key"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
    )


HELD_LOCKS_SQL = text(
    "SELECT count(*) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
    " AND l.objsubid = 2 AND l.classid::bigint = :namespace"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
