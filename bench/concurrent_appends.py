"""Appends with 8 concurrent writers: a fresh SQLite file, and PostgreSQL when given.

The store_at_scale writers (8 threads, each a conversation: a question, a
queued answer, three progress saves, the finish), against a new database
rather than the million-message file, so the figure is the write path's own
and not the search index's upkeep on a large index (store_at_scale reports
that case). Paced (~20 writes a second per writer) and back to back, after
one writer alone (paced): the machine's own share of the tail. Each row also
gives the p99 of a call's CPU time in its own thread (`cpu_p99_ms`).

    python -m bench.concurrent_appends [--rounds 150] [--postgres URL]
                                       [--json bench/results/concurrent_appends.json]

For PostgreSQL: `d=$(mktemp -d); url=$(.ci/postgres start $d)` starts a
throwaway server, with durability off; the benchmark prints the server's
fsync and synchronous_commit so the figure can be read for what it is.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
from pathlib import Path

from bench.common import parser, report
from bench.store_at_scale import PAUSE_S, writes

TARGET_P99_MS = 5.0


def sqlite_rows(rounds: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "appends.db"
        _use(f"sqlite:///{path}")
        try:
            return _label("SQLite", _three_runs(path, rounds))
        finally:
            _forget()


def postgres_rows(url: str, rounds: int) -> tuple[list[dict], dict]:
    from sqlalchemy import create_engine, make_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        settings = {
            name: conn.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("server_version", "fsync", "synchronous_commit")
        }
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema},public"})
    _use(scoped.render_as_string(hide_password=False))
    try:
        rows = _three_runs(None, rounds)
    finally:
        _forget()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    return _label("PostgreSQL", rows), settings


def _three_runs(path: Path | None, rounds: int) -> list[dict]:
    # One writer alone, paced, first: what the machine itself adds (a call
    # that waits for a core), with nobody to wait for in the store.
    alone = writes(path, max(1, rounds // 2), PAUSE_S, writers=1)
    return alone + writes(path, rounds, PAUSE_S) + writes(path, rounds, 0.0)


def _use(url: str) -> None:
    from core.store import open_store, reset_for_tests

    reset_for_tests()
    os.environ["DATABASE_URL"] = url
    open_store()


def _forget() -> None:
    from core.store import reset_for_tests

    reset_for_tests()


def _label(database: str, rows: list[dict]) -> list[dict]:
    return [{"database": database, **row} for row in rows]


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--rounds", type=int, default=150, help="questions per writer")
    args.add_argument("--postgres", help="a PostgreSQL URL (postgresql+psycopg://…)")
    options = args.parse_args()
    rows = sqlite_rows(options.rounds)
    extra: dict = {"sqlite": sqlite3.sqlite_version}
    if options.postgres:
        postgres, extra["postgres"] = postgres_rows(options.postgres, options.rounds)
        rows += postgres
    verdicts = {}
    for row in rows:
        if row["what"].startswith("append") and "1 writer" not in row["what"]:
            verdicts[
                f"{row['database']}: append p99 < {TARGET_P99_MS:g} ms ({row['what'][8:]})"
            ] = row["p99_ms"] < TARGET_P99_MS
    if options.postgres:
        print(f"PostgreSQL: {extra['postgres']}")
    report("concurrent_appends", "Appends, 8 concurrent writers, fresh database", rows, verdicts,
           options.json, **extra)  # fmt: skip


if __name__ == "__main__":
    main()
