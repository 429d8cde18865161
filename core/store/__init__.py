"""The store: SQLAlchemy models, migrations and one repository API.

`open_store()` runs once per process before anything reads or writes. The
process has one database, named by DATABASE_URL (default: data/chat.db).
"""

from __future__ import annotations

import threading

from sqlalchemy.exc import DatabaseError, OperationalError

from core.errors import StorageError
from core.store.db import database_url, dispose_all, engine
from core.store.messages import interrupt_unfinished
from core.store.migrations import migrate

_opened: set[str] = set()
_lock = threading.Lock()


def open_store() -> None:
    """Create or upgrade the schema; mark answers a dead process left as interrupted.

    Raises `StorageError` when the file is not a database, cannot be created,
    or cannot be written.
    """
    url = database_url()
    with _lock:
        if url in _opened:
            return
        try:
            migrate(engine(url))
        except (OperationalError, DatabaseError) as exc:
            raise StorageError(str(exc.orig or exc)) from exc
        interrupt_unfinished()
        _opened.add(url)


def reset_for_tests() -> None:
    """Forget engines and opened databases (tests switch DATABASE_URL)."""
    with _lock:
        _opened.clear()
    dispose_all()
