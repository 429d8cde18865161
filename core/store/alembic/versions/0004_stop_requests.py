"""Stop requests: Stop pressed on a process other than the one writing the answer.

The writer reads its answer's request about once a second (when it saves its
progress) and stops. A request counts only for a generation started before
it, so an old request never stops a later Retry.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stop_requests",
        sa.Column(
            "message_id",
            sa.Integer,
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("requested_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stop_requests")
