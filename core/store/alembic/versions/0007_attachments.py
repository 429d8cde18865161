"""Files attached to a question: their name, format, size, extracted text and image.

One row per file, in the order attached. The extracted text is what the model
is sent on every turn (wrapped in the file template), so it is kept rather
than re-read; an image keeps its decoded, downscaled bytes. Rows go with their
message (ON DELETE CASCADE), and so with the conversation: erasure is real.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer,
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("mime", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tokens", sa.Integer, nullable=False),
        sa.Column("note", sa.String(32), nullable=False),
        sa.Column("image", sa.LargeBinary),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_attachments_message", "attachments", ["message_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_attachments_message", "attachments")
    op.drop_table("attachments")
