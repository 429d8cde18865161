"""The ORM mapping of the latest schema (migrations/ builds and upgrades it).

Times are UNIX epoch seconds (floats): cheap to index and to compare, and
free of time-zone ambiguity; pages format them for the reader's locale.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16), default="user")
    password_hash: Mapped[str | None] = mapped_column(Text)
    auth_source: Mapped[str] = mapped_column(String(16), default="local")
    created_at: Mapped[float] = mapped_column(Float)
    # The identity provider's id for a single sign-on user ("<issuer>|<sub>").
    subject: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (Index("ux_users_auth_subject", "auth_source", "subject", unique=True),)


class LoginAttempt(Base):
    """One sign-in attempt with a password, kept a day for throttling."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username", "username", "attempted_at"),
        Index("ix_login_attempts_ip", "ip", "attempted_at"),
        Index("ix_login_attempts_kind", "kind", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[float] = mapped_column(Float)
    # "sign_in" or "sign_up" (migration 0005).
    kind: Mapped[str] = mapped_column(String(16), default="sign_in", server_default="sign_in")


class SignInSession(Base):
    """A signed-in browser: the hash of the token it holds, until `expires_at`."""

    __tablename__ = "sign_in_sessions"
    __table_args__ = (Index("ix_sign_in_sessions_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_user_kind_updated", "user_id", "kind", "updated_at"),
        # The sidebar: a user's chats, not archived, pinned first, newest first
        Index("ix_conversations_sidebar", "user_id", "kind", "archived", "pinned", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="chat")
    title: Mapped[str] = mapped_column(String(200), default="")
    title_is_auto: Mapped[bool] = mapped_column(Boolean, default=True)
    model_id: Mapped[str] = mapped_column(String(128))
    thinking: Mapped[bool | None] = mapped_column(Boolean)
    temperature: Mapped[float | None] = mapped_column(Float)
    system_prompt: Mapped[str | None] = mapped_column(Text)
    current_leaf_id: Mapped[int | None] = mapped_column(Integer)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_parent", "parent_id"),
        Index("ix_messages_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text, default="")
    reasoning: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="complete")
    model_id: Mapped[str | None] = mapped_column(String(128))
    requested_model_id: Mapped[str | None] = mapped_column(String(128))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    upstream_model: Mapped[str | None] = mapped_column(String(128))
    thinking: Mapped[bool | None] = mapped_column(Boolean)
    temperature: Mapped[float | None] = mapped_column(Float)
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error_detail: Mapped[str | None] = mapped_column(Text)
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    reasoning_tokens: Mapped[int | None] = mapped_column(Integer)
    usage_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    content_tokens: Mapped[int | None] = mapped_column(Integer)
    context_dropped: Mapped[int] = mapped_column(Integer, default=0)
    queue_ms: Mapped[int | None] = mapped_column(Integer)
    ttft_ms: Mapped[int | None] = mapped_column(Integer)
    answer_ms: Mapped[int | None] = mapped_column(Integer)
    reasoning_ms: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    # The process writing this answer while it is queued or streaming
    # (core/store/processes.py): recovery interrupts only a dead owner's answers.
    owner_process: Mapped[str | None] = mapped_column(String(32))


class AttachmentRow(Base):
    """A file attached to a question (Alembic revision 0007); see core/attachments."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_message", "message_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    mime: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(32))
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[float] = mapped_column(Float)


class Attempt(Base):
    """One request to one route: the raw material of the status page.

    Attempts keep no text and survive the deletion of their message (the
    link is set to NULL): they are operational metrics, not anyone's data.
    """

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_provider_started", "provider_id", "started_at"),
        Index("ix_attempts_started", "started_at"),
        Index("ix_attempts_message", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    model_id: Mapped[str] = mapped_column(String(128))
    provider_id: Mapped[str] = mapped_column(String(64))
    upstream_model: Mapped[str] = mapped_column(String(128))
    attempt_no: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    error_kind: Mapped[str | None] = mapped_column(String(32))
    http_status: Mapped[int | None] = mapped_column(Integer)
    queue_ms: Mapped[int | None] = mapped_column(Integer)
    ttft_ms: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(Float)


class Comparison(Base):
    """Several conversations asked the same prompts: a comparison or an arena battle."""

    __tablename__ = "comparisons"
    __table_args__ = (Index("ix_comparisons_user_mode_updated", "user_id", "mode", "updated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(16))  # "compare" or "arena"
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class ComparisonColumn(Base):
    __tablename__ = "comparison_columns"
    __table_args__ = (
        Index("ix_comparison_columns_conversation", "conversation_id"),
        UniqueConstraint("comparison_id", "position", name="uq_comparison_columns_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparisons.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))


class Vote(Base):
    """A judgement of two exact answers; outlives the battle for the leaderboard."""

    __tablename__ = "votes"
    __table_args__ = (Index("ix_votes_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    comparison_id: Mapped[int | None] = mapped_column(
        ForeignKey("comparisons.id", ondelete="SET NULL"), unique=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    model_a: Mapped[str] = mapped_column(String(128))
    model_b: Mapped[str] = mapped_column(String(128))
    message_a_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    message_b_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    created_at: Mapped[float] = mapped_column(Float)


class Batch(Base):
    """A prompt set run on several model settings."""

    __tablename__ = "batches"
    __table_args__ = (Index("ix_batches_user_updated", "user_id", "updated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    concurrency: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class BatchPrompt(Base):
    __tablename__ = "batch_prompts"
    __table_args__ = (UniqueConstraint("batch_id", "position", name="uq_batch_prompts_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str] = mapped_column(String(200))
    system_prompt: Mapped[str | None] = mapped_column(Text)
    prompt: Mapped[str] = mapped_column(Text)


class BatchColumn(Base):
    __tablename__ = "batch_columns"
    __table_args__ = (UniqueConstraint("batch_id", "position", name="uq_batch_columns_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[str] = mapped_column(String(128))
    thinking: Mapped[bool | None] = mapped_column(Boolean)
    temperature: Mapped[float | None] = mapped_column(Float)


class BatchCell(Base):
    """One prompt on one column; its answer is an ordinary message."""

    __tablename__ = "batch_cells"
    __table_args__ = (
        Index("ix_batch_cells_batch", "batch_id", "id"),
        Index("ix_batch_cells_message", "message_id"),
        UniqueConstraint("prompt_id", "column_id", name="uq_batch_cells_prompt_column"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    prompt_id: Mapped[int] = mapped_column(ForeignKey("batch_prompts.id", ondelete="CASCADE"))
    column_id: Mapped[int] = mapped_column(ForeignKey("batch_columns.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))


class Process(Base):
    """A running app process: who it is, and when it last said it was alive."""

    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(Float)
    heartbeat_at: Mapped[float] = mapped_column(Float)


class StopRequest(Base):
    """Stop pressed for an answer another process may be writing (core/store/stops.py)."""

    __tablename__ = "stop_requests"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[float] = mapped_column(Float)


class SlotWaiter(Base):
    """A request waiting for a provider's slot, on PostgreSQL (Alembic 0013).

    Its place in line is its order among the waiters of live processes
    (core/resilience/shared_admission.py); `process_key` names the process's
    liveness lock, so a dead process's waiters drop out of line at once.
    """

    __tablename__ = "slot_waiters"
    __table_args__ = (Index("ix_slot_waiters_gate", "gate", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gate: Mapped[str] = mapped_column(String(200))
    process_key: Mapped[int] = mapped_column(BigInteger)
    queued_at: Mapped[float] = mapped_column(Float)


class RateEvent(Base):
    """Sends of one user, counted against messages per minute on PostgreSQL (Alembic 0013)."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class MessageWebSources(Base):
    """An answer's web search record (JSON: core/websearch/results.py); Alembic 0006."""

    __tablename__ = "message_web_sources"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    sources: Mapped[str] = mapped_column(Text)


class ConversationWebSearch(Base):
    """A conversation's Web search switch; Alembic 0006."""

    __tablename__ = "conversation_web_search"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean)
