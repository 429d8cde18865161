"""A batch column's own system prompt: prompt variants in batches, as in compare.

Nullable: existing columns have none, and their rows keep the prompt set's
own system prompts (core/batch.py decides which one a cell is asked with).

Revision ID: 0016
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batch_columns") as batch:
        batch.add_column(sa.Column("system_prompt", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_columns") as batch:
        batch.drop_column("system_prompt")
