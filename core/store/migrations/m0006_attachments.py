"""Files attached to a question: their name, format, size, extracted text and image.

One row per file, in the order attached. The extracted text is what the model
is sent on every turn (wrapped in the file template), so it is kept rather
than re-read; an image keeps its decoded, downscaled bytes. Rows go with their
message (ON DELETE CASCADE), and so with the conversation: erasure is real.
"""

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    meta = MetaData()
    Table("messages", meta, Column("id", Integer, primary_key=True))
    attachments = Table(
        "attachments",
        meta,
        Column("id", Integer, primary_key=True),
        Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        Column("position", Integer, nullable=False),
        Column("name", String(255), nullable=False),
        Column("format", String(16), nullable=False),
        Column("mime", String(128), nullable=False),
        Column("size", Integer, nullable=False),
        Column("text", Text, nullable=False),
        Column("tokens", Integer, nullable=False),
        Column("note", String(32), nullable=False),
        Column("image", LargeBinary),
        Column("created_at", Float, nullable=False),
    )
    Index("ix_attachments_message", attachments.c.message_id, attachments.c.position)
    attachments.create(conn)
