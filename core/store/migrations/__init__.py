"""The numbered migrations the schema was built with before Alembic (0001-0004).

They are frozen: Alembic's baseline revision (core/store/alembic/versions/
0001_baseline.py) runs those a database has not had yet, as recorded in the
old `schema_migrations` table, so a blank database and a file made by any
earlier version reach the same baseline. New schema changes are Alembic
revisions (docs/architecture.md, "Changing the schema"); a module added here
is refused, loudly, until it is converted.

Each module `mNNNN_<name>.py` defines `upgrade(conn)` and describes its own
tables with SQLAlchemy Core (never the ORM classes, which follow the latest
schema), so it means today what it meant when it was written.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, select
from sqlalchemy.engine import Connection

_NAME = re.compile(r"^m(\d{4})_(\w+)$")
BASELINE = 4  # the last numbered migration; Alembic's baseline revision ends here

_history = MetaData()
schema_migrations = Table(
    "schema_migrations",
    _history,
    Column("version", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("applied_at", Float, nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


def all_migrations() -> list[Migration]:
    """The numbered migrations of the baseline, in order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if match and int(match.group(1)) > BASELINE:
            raise RuntimeError(
                f"core/store/migrations/{info.name}.py: numbered migrations end at "
                f"{BASELINE:04d}; make it an Alembic revision in core/store/alembic/versions "
                '(docs/architecture.md, "Changing the schema")'
            )
        if match:
            module = importlib.import_module(f"{__name__}.{info.name}")
            found.append(Migration(int(match.group(1)), match.group(2), module.upgrade))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def applied_versions(conn: Connection) -> set[int]:
    _history.create_all(conn, checkfirst=True)
    return set(conn.execute(select(schema_migrations.c.version)).scalars())


def apply_pending(conn: Connection, *, up_to: int = BASELINE) -> list[int]:
    """Apply on `conn` the numbered migrations (up to `up_to`) it has not had; return them."""
    done = applied_versions(conn)
    applied_now = []
    for migration in all_migrations():
        if migration.version > up_to:
            break
        if migration.version in done:
            continue
        migration.upgrade(conn)
        conn.execute(
            schema_migrations.insert().values(
                version=migration.version, name=migration.name, applied_at=time.time()
            )
        )
        applied_now.append(migration.version)
    return applied_now


def build_before_alembic(engine: Engine, *, up_to: int = BASELINE) -> list[int]:
    """A database as a version before Alembic left it (tests of the upgrade path)."""
    with engine.begin() as conn:
        return apply_pending(conn, up_to=up_to)
