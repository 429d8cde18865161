"""Users, conversations (a tree of messages each), messages, attempts."""

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
)
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    meta = MetaData()
    Table(
        "users",
        meta,
        Column("id", Integer, primary_key=True),
        Column("username", String(64), nullable=False, unique=True),
        Column("display_name", String(128), nullable=False),
        Column("role", String(16), nullable=False),
        Column("password_hash", Text),
        Column("auth_source", String(16), nullable=False),
        Column("created_at", Float, nullable=False),
    )
    conversations = Table(
        "conversations",
        meta,
        Column("id", Integer, primary_key=True),
        Column("public_id", String(32), nullable=False, unique=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("title", String(200), nullable=False),
        Column("title_is_auto", Boolean, nullable=False),
        Column("model_id", String(128), nullable=False),
        Column("thinking", Boolean),
        Column("temperature", Float),
        Column("system_prompt", Text),
        Column("current_leaf_id", Integer),
        Column("pinned", Boolean, nullable=False),
        Column("archived", Boolean, nullable=False),
        Column("created_at", Float, nullable=False),
        Column("updated_at", Float, nullable=False),
    )
    Index(
        "ix_conversations_user_kind_updated",
        conversations.c.user_id,
        conversations.c.kind,
        conversations.c.updated_at,
    )
    messages = Table(
        "messages",
        meta,
        Column("id", Integer, primary_key=True),
        Column("public_id", String(32), nullable=False, unique=True),
        Column(
            "conversation_id", ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
        ),
        Column("parent_id", ForeignKey("messages.id", ondelete="CASCADE")),
        Column("depth", Integer, nullable=False),
        Column("role", String(16), nullable=False),
        Column("content", Text, nullable=False),
        Column("reasoning", Text, nullable=False),
        Column("status", String(16), nullable=False),
        Column("model_id", String(128)),
        Column("requested_model_id", String(128)),
        Column("provider_id", String(64)),
        Column("upstream_model", String(128)),
        Column("thinking", Boolean),
        Column("temperature", Float),
        Column("error_kind", String(32)),
        Column("error_detail", Text),
        Column("finish_reason", String(32)),
        Column("prompt_tokens", Integer),
        Column("completion_tokens", Integer),
        Column("reasoning_tokens", Integer),
        Column("usage_estimated", Boolean, nullable=False),
        Column("content_tokens", Integer),
        Column("context_dropped", Integer, nullable=False),
        Column("queue_ms", Integer),
        Column("ttft_ms", Integer),
        Column("answer_ms", Integer),
        Column("reasoning_ms", Integer),
        Column("duration_ms", Integer),
        Column("attempts", Integer, nullable=False),
        Column("created_at", Float, nullable=False),
        Column("updated_at", Float, nullable=False),
    )
    Index("ix_messages_conversation", messages.c.conversation_id, messages.c.id)
    Index("ix_messages_parent", messages.c.parent_id)
    Index("ix_messages_status", messages.c.status)
    attempts = Table(
        "attempts",
        meta,
        Column("id", Integer, primary_key=True),
        Column("message_id", ForeignKey("messages.id", ondelete="SET NULL")),
        Column("model_id", String(128), nullable=False),
        Column("provider_id", String(64), nullable=False),
        Column("upstream_model", String(128), nullable=False),
        Column("attempt_no", Integer, nullable=False),
        Column("outcome", String(16), nullable=False),
        Column("error_kind", String(32)),
        Column("http_status", Integer),
        Column("queue_ms", Integer),
        Column("ttft_ms", Integer),
        Column("duration_ms", Integer),
        Column("prompt_tokens", Integer),
        Column("completion_tokens", Integer),
        Column("started_at", Float, nullable=False),
    )
    Index("ix_attempts_provider_started", attempts.c.provider_id, attempts.c.started_at)
    Index("ix_attempts_started", attempts.c.started_at)
    Index("ix_attempts_message", attempts.c.message_id)
    meta.create_all(conn)
