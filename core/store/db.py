"""One engine per process: SQLite in WAL mode, or PostgreSQL through psycopg 3.

DATABASE_URL names the database: unset, a SQLite file under data/ (nothing to
set up); `postgresql+psycopg://user:password@host/dbname` for a server that
several processes share. `postgresql://` and `postgres://` mean the same
(SQLAlchemy would otherwise look for psycopg2, which is not installed).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from core.catalog import ROOT
from core.store.errors import storage_error
from core.store.grams import register as register_grams
from core.store.write_queue import QueuedConnection, queue_for
from core.text import clean_text

DEFAULT_URL = f"sqlite:///{ROOT / 'data' / 'chat.db'}"
BUSY_TIMEOUT_S = 10

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url.removeprefix(bare)
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once; the busy timeout makes a
    # second writer wait instead of failing; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # The log is checkpointed in the background (core/store/index_upkeep.py),
    # not inside whichever commit makes it long: that commit waited for it.
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted text is overwritten with zeros, not left in free pages of the
    # file: "delete my data" means the bytes too (core/store/erase.py).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # The triggers of the short-term search index call it (core/store/grams.py).
    register_grams(dbapi_connection)


def _join(connection: QueuedConnection, queue: threading.Lock) -> None:
    # Writers of this process wait in one line (core/store/write_queue.py).
    connection.queue = queue
    connection.wait_s = BUSY_TIMEOUT_S


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cleaned(item) for item in value)
    return value


def _clean_parameters(_conn, _cursor, statement, parameters, _context, _executemany):
    # The one place every string reaches a database: cleaned here (NUL, lone
    # surrogates; core.text.clean_text), whichever table, repository function
    # or database, so SQLite and PostgreSQL keep the same text and no write
    # fails on a character one of them refuses.
    return statement, _cleaned(parameters)


def make_engine(url: str) -> Engine:
    engine = _make_engine(url)
    event.listen(engine, "before_cursor_execute", _clean_parameters, retval=True)
    return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": BUSY_TIMEOUT_S,
                "factory": QueuedConnection,
            },
            pool_size=10,
            max_overflow=20,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if path and path != ":memory:":
            queue = queue_for(str(Path(path).resolve()))
            event.listen(engine, "connect", lambda connection, _record: _join(connection, queue))
        return engine
    return create_engine(url, pool_pre_ping=True)


def engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: DATABASE_URL)."""
    url = url or database_url()
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
            _factories[url] = sessionmaker(_engines[url], expire_on_commit=False)
        return _engines[url]


@contextmanager
def session(url: str | None = None, *, within: Session | None = None) -> Iterator[Session]:
    """A transaction: commits on success, rolls back on any error.

    Database failures leave as a `StorageError` naming the cause (disk full,
    read-only, corrupt, busy, server unreachable, value refused:
    core/store/errors.py), so callers show one clear message.

    `within`: the session of a `unit_of_work` the caller is part of; its
    statements join that transaction, which commits (or not) as a whole.
    """
    if within is not None:
        yield within
        return
    try:
        engine(url)
        with _factories[url or database_url()]() as db, db.begin():
            yield db
    except DBAPIError as exc:
        raise storage_error(exc) from exc


@contextmanager
def unit_of_work(url: str | None = None) -> Iterator[Session]:
    """One workflow's transaction (a send: conversation, question, files,
    drafted answer): repository functions given its session as `db=` write
    into it, and nothing is stored unless all of it is.

    On SQLite its connection queues once for the process's write lock
    (core/store/write_queue.py) and holds it to the commit, so keep it short:
    no model call, no waiting, and no other session that writes (that one
    would queue behind this one until the busy timeout, then fail).
    """
    with session(url) as db:
        yield db


def dispose_all() -> None:
    """Close every pooled connection (tests, and before deleting a DB file)."""
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()
        _factories.clear()
