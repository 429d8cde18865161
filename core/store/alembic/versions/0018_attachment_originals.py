"""Attached files keep their original bytes, stored once per person; their
extracted text is in the search index.

`attachment_files` holds each distinct file a person attached (by SHA-256 of
its bytes, unique per user): the same PDF attached to ten questions is kept
once. `attachments.file_id` points at it. Dedup is per person, never across
people: a shared copy would outlive one owner's erasure, and a cap or a timing
difference would tell one person what another had uploaded.

A file is kept while an attachment refers to it: a trigger deletes it in the
same transaction as its last attachment (which goes with its message and
conversation, ON DELETE CASCADE), on every path that deletes conversations,
and a person's files go with their account (ON DELETE CASCADE).

Search: SQLite gets `attachments_fts`, an FTS5 trigram table over the
extracted text (external content, kept in step by triggers in the same
transaction as every write, like `messages_fts`; existing files indexed here);
PostgreSQL a pg_trgm GIN index on `attachments.text` (built CONCURRENTLY, as in
revision 0002). Where neither exists (no FTS5 trigrams, no pg_trgm) search
scans, as it does for messages.

Revision ID: 0018
Revises: 0014
"""

from __future__ import annotations

import logging
import sqlite3

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

# A row of `attachments` deleted (its message or conversation deleted, directly
# or by cascade): its original goes once no other attachment refers to it.
SQLITE_TRIGGER = """CREATE TRIGGER attachment_files_unused AFTER DELETE ON attachments
WHEN old.file_id IS NOT NULL BEGIN
    DELETE FROM attachment_files WHERE id = old.file_id
    AND NOT EXISTS (SELECT 1 FROM attachments WHERE file_id = old.file_id);
END"""
POSTGRES_FUNCTION = """CREATE FUNCTION attachment_files_unused() RETURNS trigger AS $$
BEGIN
    DELETE FROM attachment_files WHERE id = OLD.file_id
    AND NOT EXISTS (SELECT 1 FROM attachments WHERE file_id = OLD.file_id);
    RETURN NULL;
END $$ LANGUAGE plpgsql"""
POSTGRES_TRIGGER = """CREATE TRIGGER attachment_files_unused AFTER DELETE ON attachments
FOR EACH ROW WHEN (OLD.file_id IS NOT NULL) EXECUTE FUNCTION attachment_files_unused()"""


FTS_SCHEMA = (
    """CREATE VIRTUAL TABLE attachments_fts USING fts5(
        text, content='attachments', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER attachments_fts_insert AFTER INSERT ON attachments BEGIN
        INSERT INTO attachments_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    # An external-content index must be told the exact old text to forget it.
    """CREATE TRIGGER attachments_fts_delete AFTER DELETE ON attachments BEGIN
        INSERT INTO attachments_fts(attachments_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER attachments_fts_update AFTER UPDATE OF text ON attachments BEGIN
        INSERT INTO attachments_fts(attachments_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
        INSERT INTO attachments_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    "INSERT INTO attachments_fts(attachments_fts) VALUES ('rebuild')",
)
FTS_DROP = (
    "DROP TRIGGER IF EXISTS attachments_fts_insert",
    "DROP TRIGGER IF EXISTS attachments_fts_delete",
    "DROP TRIGGER IF EXISTS attachments_fts_update",
    "DROP TABLE IF EXISTS attachments_fts",
)
# FTS5's secure-delete (SQLite 3.42+): a deleted file's entries leave the index at once.
FTS_SECURE_DELETE = "INSERT INTO attachments_fts(attachments_fts, rank) VALUES ('secure-delete', 1)"
TRIGRAM_INDEX = "ix_attachments_text_trgm"


def upgrade() -> None:
    op.create_table(
        "attachment_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("user_id", "sha256", name="uq_attachment_files_user_sha256"),
    )
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("file_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_attachments_file_id",
            "attachment_files",
            ["file_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index("ix_attachments_file", "attachments", ["file_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
        _postgres_search_index()
    else:
        op.execute(SQLITE_TRIGGER)
        _sqlite_search_index()


def _sqlite_search_index() -> None:
    conn = op.get_bind()
    # Revision 0002 of the numbered migrations made messages_fts where FTS5
    # has trigrams; without it, search scans attachments as it scans messages.
    found = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages_fts'")
    )
    if found.first() is None:
        return
    for statement in FTS_SCHEMA:
        conn.exec_driver_sql(statement)
    if sqlite3.sqlite_version_info >= (3, 42, 0):
        conn.exec_driver_sql(FTS_SECURE_DELETE)


def _postgres_search_index() -> None:
    conn = op.get_bind()
    installed = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
    if installed is None:
        log.warning("PostgreSQL has no pg_trgm: search scans attached files' text")
        return
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM_INDEX}")  # a failed build's
        op.execute(
            f"CREATE INDEX CONCURRENTLY {TRIGRAM_INDEX}"
            " ON attachments USING gin (text gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM_INDEX}")
    else:
        for statement in FTS_DROP:
            op.execute(statement)
    op.execute("DROP TRIGGER IF EXISTS attachment_files_unused ON attachments"
               if op.get_bind().dialect.name == "postgresql"
               else "DROP TRIGGER IF EXISTS attachment_files_unused")  # fmt: skip
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS attachment_files_unused()")
    op.drop_index("ix_attachments_file", "attachments")
    with op.batch_alter_table("attachments") as batch:
        batch.drop_constraint("fk_attachments_file_id", type_="foreignkey")
        batch.drop_column("file_id")
    op.drop_table("attachment_files")
