"""The schema is built and upgraded by numbered migrations at start-up."""

import sqlite3

import pytest
from sqlalchemy import inspect

from core.store import open_store, reset_for_tests
from core.store.db import engine
from core.store.migrations import all_migrations, migrate
from core.store.models import Base


def schema_of(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return sorted(
            conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchall()
        )


def test_blank_database_gets_every_migration(db):
    inspector = inspect(engine())
    assert {"users", "conversations", "messages", "attempts", "schema_migrations"} <= set(
        inspector.get_table_names()
    )
    with engine().connect() as conn:
        versions = [row[0] for row in conn.exec_driver_sql("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in all_migrations()]


def test_orm_models_match_the_migrated_schema(db):
    inspector = inspect(engine())
    for table in Base.metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == set(table.columns.keys()), table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)


def test_migrating_twice_changes_nothing(db):
    assert migrate(engine()) == []


@pytest.mark.sqlite_only  # compares sqlite_master
def test_upgrading_step_by_step_equals_a_blank_install(tmp_path, monkeypatch):
    """A database made at every older version ends up identical to a fresh one."""
    fresh, stepped = tmp_path / "fresh.db", tmp_path / "stepped.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{fresh}")
    reset_for_tests()
    open_store()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{stepped}")
    reset_for_tests()
    for migration in all_migrations():
        migrate(engine(), up_to=migration.version)
    reset_for_tests()
    assert schema_of(fresh) == schema_of(stepped)


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys(db):
    with engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
