"""Baseline: the schema as the numbered migrations 0001-0004 built it.

A blank database gets all four; a file made before Alembic gets those it
lacks (its `schema_migrations` table says which), so both end at the same
schema. The old record is then dropped: `alembic_version` takes over.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from core.store.migrations import apply_pending

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_pending(op.get_bind())
    op.drop_table("schema_migrations")


def downgrade() -> None:
    raise NotImplementedError("the baseline is where this database's history starts")
