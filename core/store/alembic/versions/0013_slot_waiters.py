"""Slot waiters: the line in front of a provider's slots, shared by every process.

On PostgreSQL a request that finds a provider's `max_concurrency` slots taken
writes a row here; its place in line is its row's order among the rows of
live processes (core/resilience/shared_admission.py). SQLite keeps the line
in memory (one process) and never writes here.

Revision ID: 0013
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0007"
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


def downgrade() -> None:
    op.drop_index("ix_slot_waiters_gate", table_name="slot_waiters")
    op.drop_table("slot_waiters")
