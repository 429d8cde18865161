"""Tokens spent, one row per generation, kept apart from the answers.

Quotas and usage used to be summed from the answers themselves, so deleting a
conversation gave its tokens back: a person could reset their own quota. This
ledger is written when a generation ends and is not touched by deleting
conversations; it holds model, provider, time and token counts, no text.
Existing answers with counts are copied in once, at their creation time.

Revision ID: 0017
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spending",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("model_id", sa.String(128)),
        sa.Column("provider_id", sa.String(64)),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
    )
    op.create_index("ix_spending_user_at", "spending", ["user_id", "at"])
    op.execute(
        """
        INSERT INTO spending (user_id, at, model_id, provider_id, prompt_tokens, completion_tokens)
        SELECT c.user_id, m.created_at, m.model_id, m.provider_id,
               COALESCE(m.prompt_tokens, 0), COALESCE(m.completion_tokens, 0)
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.role = 'assistant'
          AND (m.prompt_tokens IS NOT NULL OR m.completion_tokens IS NOT NULL)
        """
    )


def downgrade() -> None:
    op.drop_table("spending")
