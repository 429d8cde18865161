"""Judged batches: a batch's judge, each prompt's reference, rubric and
assertions, and one row per request to the judge (its reply is a message);
and judge–human agreement: a judge's requests about blind human votes.

Rows go with their batch (ON DELETE CASCADE); the judge's conversations are
deleted with the batch by core/store/batches.delete_batch.

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_judges",
        sa.Column(
            "batch_id",
            sa.Integer,
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("model_id", sa.String(128), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column(
            "baseline_column_id",
            sa.Integer,
            sa.ForeignKey("batch_columns.id", ondelete="CASCADE"),
        ),
    )
    op.create_table(
        "batch_prompt_criteria",
        sa.Column(
            "prompt_id",
            sa.Integer,
            sa.ForeignKey("batch_prompts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("expected", sa.Text),
        sa.Column("rubric", sa.Text),
        sa.Column("assertions", sa.Text),
    )
    op.create_table(
        "batch_judgements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "batch_id", sa.Integer, sa.ForeignKey("batches.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "cell_id",
            sa.Integer,
            sa.ForeignKey("batch_cells.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("swapped", sa.Boolean, nullable=False),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="SET NULL")),
        sa.UniqueConstraint("cell_id", "swapped", name="uq_batch_judgements_cell_order"),
    )
    op.create_index("ix_batch_judgements_batch", "batch_judgements", ["batch_id", "id"])
    op.create_index("ix_batch_judgements_message", "batch_judgements", ["message_id"])
    op.create_table(
        "judge_agreements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("judge_model_id", sa.String(128), nullable=False),
        sa.Column(
            "vote_id", sa.Integer, sa.ForeignKey("votes.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("swapped", sa.Boolean, nullable=False),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="SET NULL")),
        sa.UniqueConstraint(
            "judge_model_id", "vote_id", "swapped", name="uq_judge_agreements_vote_order"
        ),
    )
    op.create_index("ix_judge_agreements_judge", "judge_agreements", ["judge_model_id", "vote_id"])
    op.create_index("ix_judge_agreements_message", "judge_agreements", ["message_id"])
    op.create_table(
        "feedback_votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(16), nullable=False),
        sa.Column(
            "message_id",
            sa.Integer,
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("other_message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="CASCADE")),
        sa.Column("model_id", sa.String(128), nullable=False),
        sa.Column("other_model_id", sa.String(128)),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_feedback_votes_user_message",
        "feedback_votes",
        ["user_id", "message_id", "other_message_id"],
    )
    op.create_index("ix_feedback_votes_kind", "feedback_votes", ["kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_votes_kind", "feedback_votes")
    op.drop_index("ix_feedback_votes_user_message", "feedback_votes")
    op.drop_table("feedback_votes")
    op.drop_index("ix_judge_agreements_message", "judge_agreements")
    op.drop_index("ix_judge_agreements_judge", "judge_agreements")
    op.drop_table("judge_agreements")
    op.drop_index("ix_batch_judgements_message", "batch_judgements")
    op.drop_index("ix_batch_judgements_batch", "batch_judgements")
    op.drop_table("batch_judgements")
    op.drop_table("batch_prompt_criteria")
    op.drop_table("batch_judges")
