"""Comparisons and arena battles (columns of conversations), votes, batch runs.

A comparison groups one conversation per column; an arena battle is a
comparison of two hidden models. A vote names the exact answers it judged
and keeps the models' ids, so the leaderboard survives the deletion of a
battle. A batch is a prompt set run on several model settings; each cell
points at the answer it produced.
"""

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    meta = MetaData()
    # Tables of earlier migrations, named so foreign keys can point at them.
    Table("users", meta, Column("id", Integer, primary_key=True))
    Table("conversations", meta, Column("id", Integer, primary_key=True))
    Table("messages", meta, Column("id", Integer, primary_key=True))
    comparisons = Table(
        "comparisons",
        meta,
        Column("id", Integer, primary_key=True),
        Column("public_id", String(32), nullable=False, unique=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        Column("mode", String(16), nullable=False),
        Column("title", String(200), nullable=False),
        Column("created_at", Float, nullable=False),
        Column("updated_at", Float, nullable=False),
    )
    Index(
        "ix_comparisons_user_mode_updated",
        comparisons.c.user_id,
        comparisons.c.mode,
        comparisons.c.updated_at,
    )
    columns = Table(
        "comparison_columns",
        meta,
        Column("id", Integer, primary_key=True),
        Column("comparison_id", ForeignKey("comparisons.id", ondelete="CASCADE"), nullable=False),
        Column("position", Integer, nullable=False),
        Column(
            "conversation_id", ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
        ),
        UniqueConstraint("comparison_id", "position", name="uq_comparison_columns_position"),
    )
    Index("ix_comparison_columns_conversation", columns.c.conversation_id)
    votes = Table(
        "votes",
        meta,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        Column(
            "comparison_id",
            ForeignKey("comparisons.id", ondelete="SET NULL"),
            unique=True,
        ),
        Column("outcome", String(16), nullable=False),
        Column("model_a", String(128), nullable=False),
        Column("model_b", String(128), nullable=False),
        Column("message_a_id", ForeignKey("messages.id", ondelete="SET NULL")),
        Column("message_b_id", ForeignKey("messages.id", ondelete="SET NULL")),
        Column("created_at", Float, nullable=False),
    )
    Index("ix_votes_user", votes.c.user_id)
    batches = Table(
        "batches",
        meta,
        Column("id", Integer, primary_key=True),
        Column("public_id", String(32), nullable=False, unique=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        Column("name", String(200), nullable=False),
        Column("concurrency", Integer, nullable=False),
        Column("created_at", Float, nullable=False),
        Column("updated_at", Float, nullable=False),
    )
    Index("ix_batches_user_updated", batches.c.user_id, batches.c.updated_at)
    Table(
        "batch_prompts",
        meta,
        Column("id", Integer, primary_key=True),
        Column("batch_id", ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
        Column("position", Integer, nullable=False),
        Column("external_id", String(200), nullable=False),
        Column("system_prompt", Text),
        Column("prompt", Text, nullable=False),
        UniqueConstraint("batch_id", "position", name="uq_batch_prompts_position"),
    )
    Table(
        "batch_columns",
        meta,
        Column("id", Integer, primary_key=True),
        Column("batch_id", ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
        Column("position", Integer, nullable=False),
        Column("model_id", String(128), nullable=False),
        Column("thinking", Boolean),
        Column("temperature", Float),
        UniqueConstraint("batch_id", "position", name="uq_batch_columns_position"),
    )
    cells = Table(
        "batch_cells",
        meta,
        Column("id", Integer, primary_key=True),
        Column("batch_id", ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
        Column("prompt_id", ForeignKey("batch_prompts.id", ondelete="CASCADE"), nullable=False),
        Column("column_id", ForeignKey("batch_columns.id", ondelete="CASCADE"), nullable=False),
        Column("message_id", ForeignKey("messages.id", ondelete="SET NULL")),
        UniqueConstraint("prompt_id", "column_id", name="uq_batch_cells_prompt_column"),
    )
    Index("ix_batch_cells_batch", cells.c.batch_id, cells.c.id)
    Index("ix_batch_cells_message", cells.c.message_id)
    meta.create_all(conn, tables=[t for t in meta.sorted_tables if t.name not in _EARLIER])


_EARLIER = {"users", "conversations", "messages"}
