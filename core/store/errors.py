"""What went wrong in the database, named for the person who must fix it.

SQLite and PostgreSQL report the same causes differently: SQLite by result
code (`sqlite_errorname` on Python's exceptions), PostgreSQL by SQLSTATE
(psycopg's `sqlstate`; none when no connection was made at all). Both map
onto the same few `StorageError` kinds, each with its own advice.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from core.errors import (
    StorageBusy,
    StorageCorrupt,
    StorageError,
    StorageFull,
    StorageReadOnly,
    StorageRefused,
    StorageUnreachable,
)

# SQLite result codes (extended codes start with these names).
_SQLITE = (
    ("SQLITE_FULL", StorageFull),
    ("SQLITE_READONLY", StorageReadOnly),
    ("SQLITE_CORRUPT", StorageCorrupt),
    ("SQLITE_NOTADB", StorageCorrupt),
    ("SQLITE_BUSY", StorageBusy),
    ("SQLITE_LOCKED", StorageBusy),
    ("SQLITE_CONSTRAINT", StorageRefused),
    ("SQLITE_TOOBIG", StorageRefused),
)

# PostgreSQL SQLSTATEs, most specific first (appendix A of its manual).
_POSTGRES = (
    ("53300", StorageBusy),  # too_many_connections
    ("53", StorageFull),  # insufficient resources: disk_full, out_of_memory
    ("25006", StorageReadOnly),  # read_only_sql_transaction (a standby)
    ("XX001", StorageCorrupt),  # data_corrupted
    ("XX002", StorageCorrupt),  # index_corrupted
    ("40", StorageBusy),  # serialization failure, deadlock
    ("55P03", StorageBusy),  # lock_not_available
    ("57014", StorageBusy),  # query_canceled (statement or lock timeout)
    ("57P", StorageUnreachable),  # the server shut down or is starting
    ("08", StorageUnreachable),  # connection exceptions
    ("28", StorageUnreachable),  # invalid authorization (password, role)
    ("3D000", StorageUnreachable),  # no such database
    ("22", StorageRefused),  # data exceptions: value too long, bad encoding
    ("23", StorageRefused),  # integrity constraints
)


def storage_error(exc: DBAPIError) -> StorageError:
    """The `StorageError` that names the cause of a database driver's error."""
    orig = exc.orig if exc.orig is not None else exc
    detail = str(orig).strip()
    return _error_class(orig)(detail)


def _error_class(orig: BaseException) -> type[StorageError]:
    name = getattr(orig, "sqlite_errorname", None)
    if name:
        return next((cls for prefix, cls in _SQLITE if name.startswith(prefix)), StorageError)
    if type(orig).__module__.startswith("psycopg"):
        state = getattr(orig, "sqlstate", None)
        if state is None:  # no server answered: refused, unknown host, socket missing
            return StorageUnreachable
        return next((cls for prefix, cls in _POSTGRES if state.startswith(prefix)), StorageError)
    return StorageError
