"""PostgreSQL: pg_trgm GIN indexes for search on message text, reasoning and titles.

A trigram index finds any substring of three characters or more, in any
script, as SQLite's FTS5 trigram tables do (migration 0002 of the numbered
ones); ILIKE '%term%' uses it. Messages are indexed once finished, the rule
SQLite follows too: the partial index leaves out queued and streaming
answers, which are saved about once a second while they grow.

The indexes are built CONCURRENTLY, outside a transaction, so adding them to
a large live table does not block writes to it. A concurrent build that
fails leaves an invalid index behind; it is dropped and built again. Where
pg_trgm is not installed (Debian's postgresql-contrib), search works
without the indexes, by scanning.

Other databases: nothing to do.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

UNINDEXED = "('queued', 'streaming')"  # core.store.views.UNFINISHED, as stored today
INDEXES = {
    "ix_messages_content_trgm": f"messages USING gin (content gin_trgm_ops)"
    f" WHERE status NOT IN {UNINDEXED}",
    "ix_messages_reasoning_trgm": f"messages USING gin (reasoning gin_trgm_ops)"
    f" WHERE status NOT IN {UNINDEXED}",
    "ix_conversations_title_trgm": "conversations USING gin (title gin_trgm_ops)",
}


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    available = conn.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        log.warning("PostgreSQL has no pg_trgm (postgresql-contrib): search will scan")
        return
    # pg_trgm is a trusted extension: a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.get_context().autocommit_block():
        for name, definition in INDEXES.items():
            if _invalid(name):
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def _invalid(name: str) -> bool:
    found = op.get_bind().execute(
        text("SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(:name)"),
        {"name": name},
    )
    return bool(found.scalar())
