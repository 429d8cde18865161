"""SQLite: an index of characters and character pairs, for terms of 1-2 characters.

The FTS5 trigram index cannot look up "量子" or "AI"; search scanned the
user's messages for them (0.4 s for a user with 500,000). This adds the FTS5
table `messages_grams`: for each finished message, the words
`duet_grams(text)` makes of its content and reasoning (every distinct
character and pair of adjacent characters; core/store/grams.py, a SQL
function every connection of the app registers). It is contentless (no second
copy of the text) and keeps which column a word is in, not where: enough to
find candidates, which search then checks with the LIKE it used before.

Triggers keep it in step in the same transaction as every write, with the
trigram index's rule: a message enters once finished, not at each save while
it streams. Existing messages are indexed here (about a minute per million).

Other databases, and SQLite without FTS5: nothing to do (search scans there).

Revision ID: 0011
Revises: 0013
"""

from __future__ import annotations

import sqlite3

from alembic import op
from sqlalchemy import text

revision = "0011"
down_revision = "0013"
branch_labels = None
depends_on = None

UNINDEXED = "('queued', 'streaming')"  # core.store.views.UNFINISHED, as stored today
GRAMS = "duet_grams"  # the SQL function core/store/grams.py registers on every connection

SCHEMA = (
    # ascii: our words are hex digits and "x"; detail=column: a search without
    # reasoning asks for {content} only, and positions are not needed.
    """CREATE VIRTUAL TABLE messages_grams USING fts5(
        content, reasoning, content='', tokenize='ascii', detail='column'
    )""",
    f"""CREATE TRIGGER messages_grams_insert AFTER INSERT ON messages
    WHEN new.status NOT IN {UNINDEXED} BEGIN
        INSERT INTO messages_grams(rowid, content, reasoning)
        VALUES (new.id, {GRAMS}(new.content), {GRAMS}(new.reasoning));
    END""",
    # A contentless table forgets a row only when told the words it was given.
    f"""CREATE TRIGGER messages_grams_delete AFTER DELETE ON messages
    WHEN old.status NOT IN {UNINDEXED} BEGIN
        INSERT INTO messages_grams(messages_grams, rowid, content, reasoning)
        VALUES ('delete', old.id, {GRAMS}(old.content), {GRAMS}(old.reasoning));
    END""",
    f"""CREATE TRIGGER messages_grams_update AFTER UPDATE OF content, reasoning, status ON messages
    BEGIN
        INSERT INTO messages_grams(messages_grams, rowid, content, reasoning)
        SELECT 'delete', old.id, {GRAMS}(old.content), {GRAMS}(old.reasoning)
        WHERE old.status NOT IN {UNINDEXED};
        INSERT INTO messages_grams(rowid, content, reasoning)
        SELECT new.id, {GRAMS}(new.content), {GRAMS}(new.reasoning)
        WHERE new.status NOT IN {UNINDEXED};
    END""",
)
BACKFILL = f"""INSERT INTO messages_grams(rowid, content, reasoning)
    SELECT id, {GRAMS}(content), {GRAMS}(reasoning) FROM messages
    WHERE status NOT IN {UNINDEXED}"""
# As for the trigram index: deleted rows leave at once on SQLite 3.42+
# (core/store/erase.py merges the index where this is missing).
SECURE_DELETE = "INSERT INTO messages_grams(messages_grams, rank) VALUES ('secure-delete', 1)"
DROP = (
    "DROP TRIGGER IF EXISTS messages_grams_insert",
    "DROP TRIGGER IF EXISTS messages_grams_delete",
    "DROP TRIGGER IF EXISTS messages_grams_update",
    "DROP TABLE IF EXISTS messages_grams",
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite" or not _has_trigram_index(conn):
        return
    for statement in SCHEMA:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(BACKFILL)
    if sqlite3.sqlite_version_info >= (3, 42, 0):
        conn.exec_driver_sql(SECURE_DELETE)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for statement in DROP:
        conn.exec_driver_sql(statement)


def _has_trigram_index(conn) -> bool:
    # Migration 0002 of the numbered ones made it where FTS5 has trigrams.
    found = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages_fts'")
    )
    return found.first() is not None
