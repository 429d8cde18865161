"""PostgreSQL: an index of characters and character pairs, for terms of 1-2 characters.

pg_trgm's GIN indexes (revision 0002) cannot look up "量子" or "AI": a LIKE
pattern shorter than three characters gives them no trigram, so search
scanned the user's messages for such terms (as SQLite did before its side
index, revision 0011). This adds what SQLite's `messages_grams` gives, in
PostgreSQL's own form: an IMMUTABLE SQL function `duet_grams(text)` that
returns the distinct characters and adjacent pairs of `lower(text)` (without
whitespace), and GIN expression indexes on it for message content, reasoning
(finished messages only, the trigram indexes' rule) and conversation titles.
PostgreSQL keeps an expression index in step with every insert, update and
delete itself: no triggers, no side table, no second copy of the text.

`lower()` is what ILIKE folds with, so a text that ILIKE matches holds every
character and pair of the lowered term: the index never misses a match, and
the ILIKE search applied before still decides (core/store/search.py).

Built CONCURRENTLY (outside a transaction, writes go on), like revision 0002;
an invalid leftover of an interrupted build is dropped and built again. The
function costs about 0.3 ms for a 340-character text: on a million existing
messages the build takes minutes (content 15 min on the shared 2-core
machine of docs/performance.md), and start-up waits for it.

SQLite: nothing to do (revision 0011's side index serves it).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UNINDEXED = "('queued', 'streaming')"  # core.store.views.UNFINISHED, as stored today

# Characters: string_to_array(.., NULL) splits into them. Pairs: the
# non-overlapping pairs from the first character, and from the second, are
# together every adjacent pair. A high COST tells the planner that calling it
# row by row (a filter while reading the table in id order) is dear, so it
# reads the index instead.
FUNCTION = r"""CREATE OR REPLACE FUNCTION duet_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    SELECT array(
        SELECT DISTINCT g FROM (
            SELECT unnest(string_to_array(l, NULL))
            UNION ALL SELECT (regexp_matches(l, '..', 'g'))[1]
            UNION ALL SELECT (regexp_matches(substr(l, 2), '..', 'g'))[1]
        ) AS pieces(g)
        WHERE g !~ '\s'
    ) FROM lower(t) AS l
$$"""
INDEXES = {
    "ix_messages_content_grams": "messages USING gin (duet_grams(content))"
    f" WHERE status NOT IN {UNINDEXED}",
    "ix_messages_reasoning_grams": "messages USING gin (duet_grams(reasoning))"
    f" WHERE status NOT IN {UNINDEXED}",
    "ix_conversations_title_grams": "conversations USING gin (duet_grams(title))",
}


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
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
    op.execute("DROP FUNCTION IF EXISTS duet_grams(text)")


def _invalid(name: str) -> bool:
    found = op.get_bind().execute(
        text("SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(:name)"),
        {"name": name},
    )
    return bool(found.scalar())
