"""The store: SQLAlchemy models, migrations and one repository API.

`open_store()` runs once per process before anything reads or writes. The
process has one database, named by DATABASE_URL (default: data/chat.db).
"""

from __future__ import annotations

import threading

from sqlalchemy.exc import DBAPIError

from core.store import index_upkeep
from core.store.db import database_url, dispose_all, engine, session
from core.store.errors import storage_error
from core.store.schema import upgrade
from core.store.search import has_search_index

_opened: set[str] = set()
_lock = threading.Lock()


def open_store() -> None:
    """Create or upgrade the schema; merge the search index and checkpoint the
    write-ahead log (SQLite) in the background from now on
    (core/store/index_upkeep.py).

    Answers left unfinished by dead processes are not touched here: a tool that
    opens the store is not the answers' keeper. A process that runs generations
    starts `core.store.processes.Heartbeat`, which recovers them.

    Raises `StorageError` when the file is not a database, cannot be created,
    or cannot be written.
    """
    url = database_url()
    with _lock:
        if url in _opened:
            return
        try:
            upgrade(engine(url))
            with session(url) as db:
                indexed = has_search_index(db)
            if indexed:
                index_upkeep.keep_merged(url)
            if engine(url).dialect.name == "sqlite":
                index_upkeep.keep_checkpointed(url)
        except DBAPIError as exc:
            raise storage_error(exc) from exc
        _opened.add(url)


def reset_for_tests() -> None:
    """Forget engines and opened databases (tests switch DATABASE_URL)."""
    with _lock:
        _opened.clear()
    index_upkeep.forget()
    from core.store.advisory import close_keepers  # psycopg is imported only when used

    close_keepers()
    dispose_all()
