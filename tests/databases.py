"""The tests' databases: temporary SQLite files, or schemas on PostgreSQL.

TEST_DATABASE_URL names the database server the suite runs on (unset: a
fresh SQLite file per test, as a laptop install uses). On PostgreSQL each
test gets its own schema, created empty, put first on the connection's
search_path, and dropped with everything in it after the test: as isolated
as a new file, and much faster than a new database. Extensions (pg_trgm)
live in `public`, which stays on the path.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.pool import NullPool

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "")

_admin: Engine | None = None


def on_sqlite() -> bool:
    """Whether the suite runs on SQLite files (the default)."""
    return not SERVER_URL or make_url(SERVER_URL).get_backend_name() == "sqlite"


def new_database(tmp_path: Path, name: str = "chat") -> str:
    """The URL of a new, empty database for one test."""
    if on_sqlite():
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    schema = f"test_{name}_{uuid.uuid4().hex[:12]}"
    with _admin_engine().begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(SERVER_URL).update_query_dict({"options": f"-csearch_path={schema},public"})
    return url.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Forget what `new_database` made (the file goes with tmp_path)."""
    if on_sqlite():
        return
    schema = schema_of(url)
    with _admin_engine().begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def schema_of(url: str) -> str:
    """The test schema a PostgreSQL test URL puts first on its search_path."""
    options = make_url(url).query["options"]
    return options.removeprefix("-csearch_path=").split(",")[0]


def _admin_engine() -> Engine:
    global _admin
    if _admin is None:
        _admin = create_engine(SERVER_URL, poolclass=NullPool)
        with _admin.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    return _admin


def stored_bytes(url: str) -> bytes:
    """Everything the database holds, as bytes: the SQLite file and its journals
    (free pages too), or every row of every table of the test's schema."""
    if on_sqlite():
        path = Path(make_url(url).database or "")
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    schema = schema_of(url)
    with _admin_engine().connect() as conn:
        tables = conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = %(schema)s", {"schema": schema}
        ).scalars()
        rows = [
            row
            for table in list(tables)
            for row in conn.exec_driver_sql(f'SELECT t::text FROM "{schema}"."{table}" t').scalars()
        ]
    return "\n".join(rows).encode()
