"""PostgreSQL: the index of characters and pairs, by age, so a short term's newest
matches are read first.

Revision 0019's GIN indexes answer "which messages hold the pair 量子" with all
of them at once, unordered: thousands for a common term (4,953 in the
benchmark's million messages), each read from the table to check its owner
and then sorted, when search shows the newest 60 (117 ms; docs/performance.md
section 10). A GIN index cannot return its matches newest first, and a range
of ids does not shorten its list.

So each gram is now indexed with the band of message ids it was written in:
`duet_dated_grams(content, id)` gives "量子 121" for a message with id
121 × 8,192 + n (a band is 2^13 consecutive ids: message ids only grow, so a
band is a stretch of time). A search asks for its term's key in the newest
band first, then in older bands, a few at a time (`duet_gram_keys(term,
first_band, last_band)`), and stops once it has a page: only the matches of the bands it
asked for are read. A rare term asks for every band at once (one key per
band: 122 for a million messages), which is one index lookup still.

The new indexes replace revision 0019's on message content and reasoning
(same rows, same text, the same count of index entries); the titles keep
theirs (a title is a row of its own, not a stream, and few per person).

Both functions only call PostgreSQL's own functions, so they need no
search_path (index upkeep, ANALYZE and pg_restore call them under any).
The gram part is `duet_grams()`'s expression, copied: change both together.

Built CONCURRENTLY like revisions 0002 and 0019 (the build of a million
messages' content takes minutes; writes go on); an invalid leftover of an
interrupted build is built again. The old indexes are dropped only once the
new ones exist.

SQLite: nothing to do (revision 0011's side index is read newest first).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UNINDEXED = "('queued', 'streaming')"  # core.store.views.UNFINISHED, as stored today
BAND_BITS = 13  # core.store.search.BAND_BITS: a band is 8,192 consecutive message ids

# The grams of duet_grams() (revision 0019), each followed by a space and the
# band. A gram never holds whitespace, so the space cannot be part of one. The
# band is appended after DISTINCT, once per gram: as fast as duet_grams().
DATED_GRAMS = rf"""CREATE OR REPLACE FUNCTION duet_dated_grams(t text, message_id integer)
    RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    SELECT array(
        SELECT g || b FROM (
            SELECT DISTINCT g FROM (
                SELECT unnest(string_to_array(l, NULL))
                UNION ALL SELECT (regexp_matches(l, '..', 'g'))[1]
                UNION ALL SELECT (regexp_matches(substr(l, 2), '..', 'g'))[1]
            ) AS pieces(g)
            WHERE g !~ '\s'
        ) AS grams(g)
    ) FROM lower(t) AS l, CAST(' ' || (message_id >> {BAND_BITS}) AS text) AS band(b)
$$"""
# The keys of a term of one or two characters in bands `first_band` to `last_band`,
# newest first. A two-character term's pair is its own gram (its characters
# are implied), so one key per band. IMMUTABLE: PostgreSQL computes it once
# while planning, and then knows which keys the index is asked for.
GRAM_KEYS = """CREATE OR REPLACE FUNCTION duet_gram_keys(
        term text, first_band integer, last_band integer
    ) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array(
        SELECT lower(term) || ' ' || band
        FROM generate_series(last_band, first_band, -1) AS band
    )
$$"""
PARTIAL = f" WHERE status NOT IN {UNINDEXED}"
DATED = {
    "ix_messages_content_dated_grams": "messages USING gin (duet_dated_grams(content, id))"
    + PARTIAL,
    "ix_messages_reasoning_dated_grams": "messages USING gin (duet_dated_grams(reasoning, id))"
    + PARTIAL,
}
UNDATED = {  # revision 0019's
    "ix_messages_content_grams": "messages USING gin (duet_grams(content))" + PARTIAL,
    "ix_messages_reasoning_grams": "messages USING gin (duet_grams(reasoning))" + PARTIAL,
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(DATED_GRAMS)
    op.execute(GRAM_KEYS)
    _build(DATED)
    with op.get_context().autocommit_block():
        for name in UNDATED:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _build(UNDATED)
    with op.get_context().autocommit_block():
        for name in DATED:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    op.execute("DROP FUNCTION IF EXISTS duet_gram_keys(text, integer, integer)")
    op.execute("DROP FUNCTION IF EXISTS duet_dated_grams(text, integer)")


def _build(indexes: dict[str, str]) -> None:
    with op.get_context().autocommit_block():
        for name, definition in indexes.items():
            if _invalid(name):
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def _invalid(name: str) -> bool:
    found = op.get_bind().execute(
        text("SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(:name)"),
        {"name": name},
    )
    return bool(found.scalar())
