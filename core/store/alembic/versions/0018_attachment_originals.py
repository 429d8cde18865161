"""Attached files keep their original bytes, stored once per person.

`attachment_files` holds each distinct file a person attached (by SHA-256 of
its bytes, unique per user): the same PDF attached to ten questions is kept
once. `attachments.file_id` points at it. Dedup is per person, never across
people: a shared copy would outlive one owner's erasure, and a cap or a timing
difference would tell one person what another had uploaded.

A file is kept while an attachment refers to it: a trigger deletes it in the
same transaction as its last attachment (which goes with its message and
conversation, ON DELETE CASCADE), on every path that deletes conversations,
and a person's files go with their account (ON DELETE CASCADE).

Revision ID: 0018
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None

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
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
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
