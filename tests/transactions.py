"""Counting a workflow's write transactions, and making the database itself
refuse a write midway (as a full disk or a dropped server would), with a
trigger that works on SQLite and on PostgreSQL: the tools of the
unit-of-work tests (tests/test_send_unit_of_work.py,
tests/test_workflow_unit_of_work.py, tests/test_flows_unit_of_work.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, text

from core.store.db import engine, session

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def write_transactions() -> Iterator[list[int]]:
    """Counts the transactions of this thread that wrote and committed (the
    worker's own saves, on its threads, are not the workflow's). The search
    index's merge steps after a deletion (SQLite before 3.42, core/store/erase.py)
    hold no rows of anyone's: they are upkeep, short by design, not counted."""
    here = threading.get_ident()
    counted: list[int] = []

    def on_execute(conn, _cursor, statement, *_args):
        upkeep = "VALUES ('merge'" in statement
        if (
            threading.get_ident() == here
            and statement.lstrip()[:6].upper() in WRITES
            and not upkeep
        ):
            conn.info["wrote"] = True

    def on_commit(conn):
        if conn.info.pop("wrote", False):
            counted.append(1)

    def on_rollback(conn):
        conn.info.pop("wrote", None)

    listeners = [
        ("before_cursor_execute", on_execute),
        ("commit", on_commit),
        ("rollback", on_rollback),
    ]
    for name, listener in listeners:
        event.listen(Engine, name, listener)
    try:
        yield counted
    finally:
        for name, listener in listeners:
            event.remove(Engine, name, listener)


def shared_rate_counts() -> int:
    """On PostgreSQL the per-minute limit is shared by every process: `admit`
    counts the send in a transaction of its own, committed before anything is
    stored (core/store/shared_limits.py), so a refused send stores nothing."""
    return 1 if engine().dialect.name == "postgresql" else 0


@contextmanager
def refused(operation: str, table: str, when: str = "1 = 1") -> Iterator[None]:
    """The database refuses `operation` (INSERT, UPDATE or DELETE) on `table`
    while the SQL condition `when` holds (it may name NEW or OLD, and count
    rows), until the block ends: a real trigger, on either database."""
    name = f"refuse_{operation.lower()}_{table}"
    with session() as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(
                text(
                    f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                    f"IF {when} THEN RAISE EXCEPTION 'no room for {table}'; END IF; "
                    "RETURN COALESCE(NEW, OLD); END $$ LANGUAGE plpgsql"
                )
            )
            db.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            )
            drop = [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]
        else:
            db.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                    f"WHEN {when} BEGIN SELECT RAISE(ABORT, 'no room for {table}'); END"
                )
            )
            drop = [f"DROP TRIGGER {name}"]
    try:
        yield
    finally:
        with session() as db:
            for statement in drop:
                db.execute(text(statement))


def answers_refused():
    """The database refuses to store an answer (an assistant message)."""
    return refused("INSERT", "messages", "NEW.role = 'assistant'")
