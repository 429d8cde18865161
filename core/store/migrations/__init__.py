"""Numbered schema migrations, applied in order at start-up.

Each module `mNNNN_<name>.py` in this package defines `upgrade(conn)`. A
migration describes its own tables with SQLAlchemy Core (never the ORM
classes, which follow the latest schema), so an old migration means today
what it meant when it was written, and a blank database and an upgraded one
end up identical (tests/store/test_migrations.py proves it).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, select
from sqlalchemy.engine import Connection

_NAME = re.compile(r"^m(\d{4})_(\w+)$")
_lock = threading.Lock()

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
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
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


def migrate(engine: Engine, *, up_to: int | None = None) -> list[int]:
    """Apply every pending migration (or those up to `up_to`); return them."""
    applied_now = []
    with _lock:
        for migration in all_migrations():
            if up_to is not None and migration.version > up_to:
                break
            with engine.begin() as conn:
                if migration.version in applied_versions(conn):
                    continue
                migration.upgrade(conn)
                conn.execute(
                    schema_migrations.insert().values(
                        version=migration.version, name=migration.name, applied_at=time.time()
                    )
                )
            applied_now.append(migration.version)
    return applied_now
