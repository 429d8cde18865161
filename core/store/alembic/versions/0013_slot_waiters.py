"""Shared scheduling state: the line in front of a provider's slots, sends per user.

On PostgreSQL a request that finds a provider's `max_concurrency` slots taken
writes a row here; its place in line is its row's order among the rows of
live processes (core/resilience/shared_admission.py). SQLite keeps the line
in memory (one process) and never writes here.

`rate_events` holds each user's recent sends on PostgreSQL, so the limit of
messages per minute counts the sends made through every process
(core/limits.py `SharedRateLimiter`).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slot_waiters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("gate", sa.String(200), nullable=False),
        sa.Column("process_key", sa.BigInteger, nullable=False),
        sa.Column("queued_at", sa.Float, nullable=False),
    )
    op.create_index("ix_slot_waiters_gate", "slot_waiters", ["gate", "id"])
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_rate_events_user_at", "rate_events", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_events_user_at", table_name="rate_events")
    op.drop_table("rate_events")
    op.drop_index("ix_slot_waiters_gate", table_name="slot_waiters")
    op.drop_table("slot_waiters")
