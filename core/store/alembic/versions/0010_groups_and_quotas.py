"""Groups, the models each may use, and limits per group and per person.

`user_groups` holds a group's name and its limits (NULL: not set, the
`[policy]` default applies); `user_group_members` who is in it;
`user_group_models` the catalog model ids its members may use;
`user_quotas` one person's own limits, which win over their groups'.
Usage itself is not stored here: it is read from the answers (core/store/usage.py).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _limits() -> list[sa.Column]:
    return [
        sa.Column("max_tokens_per_day", sa.Integer),
        sa.Column("max_cost_usd_per_day", sa.Float),
        sa.Column("max_tokens_per_month", sa.Integer),
        sa.Column("max_cost_usd_per_month", sa.Float),
    ]


def upgrade() -> None:
    op.create_table(
        "user_groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        *_limits(),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "user_group_members",
        sa.Column(
            "group_id",
            sa.Integer,
            sa.ForeignKey("user_groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_index("ix_user_group_members_user", "user_group_members", ["user_id"])
    op.create_table(
        "user_group_models",
        sa.Column(
            "group_id",
            sa.Integer,
            sa.ForeignKey("user_groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("model_id", sa.String(128), primary_key=True),
    )
    op.create_table(
        "user_quotas",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        *_limits(),
    )


def downgrade() -> None:
    op.drop_table("user_quotas")
    op.drop_table("user_group_models")
    op.drop_index("ix_user_group_members_user", "user_group_members")
    op.drop_table("user_group_members")
    op.drop_table("user_groups")
