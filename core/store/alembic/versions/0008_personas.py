"""Personas a user made: a name, an icon, a system prompt and chat defaults.

Built-in personas are defined in code (core/personas.py), not stored. A user's
rows go with the user (ON DELETE CASCADE). Conversations already have the
`system_prompt` and `temperature` columns a persona fills in.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("icon", sa.String(16), nullable=False),
        sa.Column("system_prompt", sa.Text, nullable=False),
        sa.Column("model_id", sa.String(128)),
        sa.Column("thinking", sa.Boolean),
        sa.Column("temperature", sa.Float),
        sa.Column("web_search", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_personas_user", "personas", ["user_id", "name"])


def downgrade() -> None:
    op.drop_index("ix_personas_user", "personas")
    op.drop_table("personas")
