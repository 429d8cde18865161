"""The schema's version: Alembic revisions, applied by one process at a time.

`upgrade(engine)` runs at every start-up (so a SQLite file needs no set-up)
and as a deploy step (`python -m core.store.schema upgrade`). Processes that
start together take turns through a cross-process lock: a PostgreSQL advisory
lock (freed by the server if the process dies), or an exclusive lock on a
file beside the SQLite database. The first upgrades; the others find the
schema at head and go on. A database upgraded by newer code than this one is
refused with a clear message rather than used.

    python -m core.store.schema upgrade   # bring DATABASE_URL's schema to head
    python -m core.store.schema current   # the revision it is at
    python -m core.store.schema check     # differences between it and the models
"""

from __future__ import annotations

import fcntl
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, make_url
from sqlalchemy.engine import Connection

from core.errors import SchemaTooNew

ALEMBIC_DIR = Path(__file__).parent / "alembic"
# Any fixed 64-bit number; it names this app's migration lock on the server.
ADVISORY_LOCK_KEY = 0x44756574_4D696772  # "DuetMigr"
LOCK_POLL_S = 0.2

log = logging.getLogger(__name__)

# Kept by the database itself, not described by the models: SQLite's FTS5
# search tables (their shadow tables share the prefix; messages_grams is
# revision 0011's) and PostgreSQL's trigram indexes, made by migrations with
# raw SQL (core/store/search.py), and its expression indexes of characters and
# pairs (revision 0019).
_NOT_IN_MODELS = ("messages_fts", "conversations_fts", "messages_grams", "attachments_fts")
_SEARCH_INDEX_SUFFIXES = ("_trgm", "_grams")


def include_object(obj, name, type_, _reflected, _compare_to) -> bool:
    """Whether Alembic's comparison with the models should look at this object."""
    if type_ == "table" and name and name.startswith(_NOT_IN_MODELS):
        return False
    return not (type_ == "index" and name and name.endswith(_SEARCH_INDEX_SUFFIXES))


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None: blank, or made before Alembic)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> list[str]:
    """Bring the schema to head, one process at a time; return the revisions applied."""
    with migration_lock(engine), engine.connect() as conn:
        before = current_revision(conn)
        conn.commit()
        _refuse_newer(before)
        if before == head_revision():
            return []
        command.upgrade(alembic_config(conn), "head")
        return _revisions_between(before, head_revision())


def differences(engine: Engine) -> list:
    """What Alembic finds different between the database and the models (empty: none)."""
    from core.store.models import Base

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        return compare_metadata(context, Base.metadata)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Held while no other process migrates this database."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
    else:
        with _file_lock(_lock_path(engine)):
            yield


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    # A session lock on a connection of its own, outside any transaction, taken
    # by polling: a waiter blocked inside pg_advisory_lock() would hold a
    # snapshot, and CREATE INDEX CONCURRENTLY in the holder's migration waits
    # for every older snapshot to go: the two would wait for each other.
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        waited = 0.0
        while not conn.exec_driver_sql(
            f"SELECT pg_try_advisory_lock({ADVISORY_LOCK_KEY})"
        ).scalar():
            if waited % 30 < LOCK_POLL_S:
                log.info("waiting for another process to finish migrating the database")
            time.sleep(LOCK_POLL_S)
            waited += LOCK_POLL_S
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")


def _lock_path(engine: Engine) -> Path | None:
    database = make_url(engine.url).database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".migrate-lock")


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    # flock, not SQLite's own locks: the migration runs in several transactions
    # (one per revision), and the lock must span them all. The kernel frees it
    # when the process dies.
    if path is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _refuse_newer(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    if revision not in {r.revision for r in script.walk_revisions()}:
        raise SchemaTooNew(
            f"the database is at revision {revision}, this code at {head_revision()}"
        )


def _revisions_between(before: str | None, after: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    lower = before or "base"
    return [r.revision for r in reversed(list(script.iterate_revisions(after, lower)))]


def main(argv: list[str]) -> int:
    from core.store.db import database_url, engine

    action = argv[0] if argv else ""
    target = engine(database_url())
    if action == "upgrade":
        applied = upgrade(target)
        print("applied: " + (", ".join(applied) or "nothing, already at head"))
    elif action == "current":
        with target.connect() as conn:
            print(current_revision(conn) or "none")
    elif action == "check":
        found = differences(target)
        for difference in found:
            print(difference)
        return 1 if found else 0
    else:
        print(__doc__.split("\n\n")[-1])
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
