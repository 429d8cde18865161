"""Processes and who owns an answer being written.

`processes` has one row per running app process (its identity and its last
heartbeat); `messages.owner_process` names the process writing a queued or
streaming answer. A process starting up interrupts only answers whose owner
is dead, instead of every unfinished answer in the database.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
    )
    op.add_column("messages", sa.Column("owner_process", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("owner_process")
    op.drop_table("processes")
