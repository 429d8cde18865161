"""Full-text search over messages and titles; an index for the sidebar's order.

SQLite only: two FTS5 tables with the trigram tokenizer, which finds any
substring of three characters or more and so works for Chinese and Japanese
as well as for words (unicode61 would treat a whole Chinese sentence as one
token). Both are "external content" tables: they keep the index, not a copy
of the text, and triggers keep them in step with `messages` and
`conversations` in the same transaction as every write.

A message is indexed once it is finished (not while queued or streaming):
an answer being written is saved about once a second, and re-indexing its
whole text each time would churn the index for nothing. The triggers apply
the same rule on insert, update and delete, so the index never holds a row
the rule says it should not (an external-content index must be told the
exact old values to delete).

Other databases (PostgreSQL) get no FTS tables; core/store/search.py falls
back to LIKE there, and where SQLite lacks FTS5's trigram tokenizer.
"""

import logging
import sqlite3

from sqlalchemy import Boolean, Column, Float, Index, Integer, MetaData, String, Table
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

UNINDEXED = "('queued', 'streaming')"  # core.store.views.UNFINISHED, as stored today

SEARCH_SCHEMA = (
    """CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, reasoning, content='messages', content_rowid='id', tokenize='trigram'
    )""",
    f"""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    WHEN new.status NOT IN {UNINDEXED} BEGIN
        INSERT INTO messages_fts(rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
    END""",
    f"""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.status NOT IN {UNINDEXED} BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
    END""",
    # One trigger, two statements: the old entry must leave before the new one
    # comes in, and SQLite does not promise an order between two triggers.
    f"""CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning, status ON messages
    BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
        SELECT 'delete', old.id, old.content, old.reasoning WHERE old.status NOT IN {UNINDEXED};
        INSERT INTO messages_fts(rowid, content, reasoning)
        SELECT new.id, new.content, new.reasoning WHERE new.status NOT IN {UNINDEXED};
    END""",
    """CREATE VIRTUAL TABLE conversations_fts USING fts5(
        title, content='conversations', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
    END""",
    """CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO conversations_fts(conversations_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
    END""",
    """CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
        INSERT INTO conversations_fts(conversations_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
        INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
    END""",
)

BACKFILL = (
    f"""INSERT INTO messages_fts(rowid, content, reasoning)
    SELECT id, content, reasoning FROM messages WHERE status NOT IN {UNINDEXED}""",
    "INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild')",
)

# FTS5's secure-delete (SQLite 3.42+) removes a deleted row's entries from
# the index at once instead of leaving them until segments merge.
SECURE_DELETE = (
    "INSERT INTO messages_fts(messages_fts, rank) VALUES ('secure-delete', 1)",
    "INSERT INTO conversations_fts(conversations_fts, rank) VALUES ('secure-delete', 1)",
)


def trigram_available(conn: Connection) -> bool:
    """FTS5 is compiled in, and new enough for the trigram tokenizer (3.34)."""
    options = set(conn.exec_driver_sql("PRAGMA compile_options").scalars())
    if "ENABLE_FTS5" in options and sqlite3.sqlite_version_info >= (3, 34, 0):
        return True
    log.warning("SQLite %s has no FTS5 trigram tokenizer: search uses LIKE", sqlite3.sqlite_version)
    return False


def _run(conn: Connection, statements: tuple[str, ...]) -> None:
    for statement in statements:
        conn.exec_driver_sql(statement)


def upgrade(conn: Connection) -> None:
    meta = MetaData()
    conversations = Table(  # only the columns this migration names
        "conversations",
        meta,
        Column("user_id", Integer),
        Column("kind", String(16)),
        Column("archived", Boolean),
        Column("pinned", Boolean),
        Column("updated_at", Float),
    )
    # The sidebar's query (a user's chats, not archived, pinned first, newest
    # first) reads this index in order and stops at the page size.
    Index(
        "ix_conversations_sidebar",
        conversations.c.user_id,
        conversations.c.kind,
        conversations.c.archived,
        conversations.c.pinned,
        conversations.c.updated_at,
    ).create(conn)
    if conn.dialect.name != "sqlite" or not trigram_available(conn):
        return
    _run(conn, SEARCH_SCHEMA)
    _run(conn, BACKFILL)
    if sqlite3.sqlite_version_info >= (3, 42, 0):
        _run(conn, SECURE_DELETE)
