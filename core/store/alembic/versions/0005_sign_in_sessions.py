"""Sign-in sessions that survive a reload, and sign-ups counted like sign-ins.

`sign_in_sessions` keeps one row per signed-in browser: the SHA-256 of a
random token the browser holds (never the token), whose user, and until
when. Deleting the rows ends the sessions. `login_attempts.kind` tells a
sign-in attempt from a sign-up, so both are throttled from one table.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_sign_in_sessions_user", "sign_in_sessions", ["user_id"])
    # A default lets SQLite add a NOT NULL column without rebuilding the table.
    op.add_column(
        "login_attempts",
        sa.Column("kind", sa.String(16), nullable=False, server_default="sign_in"),
    )
    op.create_index("ix_login_attempts_kind", "login_attempts", ["kind", "attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempts_kind", "login_attempts")
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_column("kind")
    op.drop_index("ix_sign_in_sessions_user", "sign_in_sessions")
    op.drop_table("sign_in_sessions")
