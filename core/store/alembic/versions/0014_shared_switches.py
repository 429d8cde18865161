"""Switches every process reads on PostgreSQL: the demo's faults, breaker resets.

`demo_faults` holds the Status page's busy / retry-after / down switches of the
offline demo providers, so every replica's demo server injects the same faults
(core/demo/shared_faults.py). `breaker_resets` holds when "close all breakers"
was last pressed per route: the shared breakers read the attempt log only from
that moment on (core/resilience/shared_breaker.py). SQLite keeps both in memory
(one process) and never writes here.

Revision ID: 0014
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demo_faults",
        sa.Column("provider_id", sa.String(200), primary_key=True),
        sa.Column("busy_rate", sa.Float, nullable=False),
        sa.Column("retry_after", sa.Float, nullable=False),
        sa.Column("down", sa.Boolean, nullable=False),
        sa.Column("speed", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "breaker_resets",
        sa.Column("route_key", sa.String(400), primary_key=True),
        sa.Column("reset_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("breaker_resets")
    op.drop_table("demo_faults")
