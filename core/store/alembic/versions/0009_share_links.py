"""Share links: a read-only snapshot of a conversation's branch behind a secret link.

The snapshot (JSON) is copied when the link is made, so later edits do not
change what was shared. Only the SHA-256 of the link's token is stored. Rows
go with their owner and with their conversation (ON DELETE CASCADE): a deleted
conversation's links stop opening at once, and revoking a link deletes its row.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "conversation_id",
            sa.Integer,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("with_attachments", sa.Boolean, nullable=False),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_share_links_user", "share_links", ["user_id", "created_at"])
    op.create_index("ix_share_links_conversation", "share_links", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_share_links_conversation", "share_links")
    op.drop_index("ix_share_links_user", "share_links")
    op.drop_table("share_links")
