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


class PersonaRow(Base):
    """A persona a user made (Alembic revision 0008): how a new chat starts.

    The built-in personas are not rows: they are defined in code
    (core/personas.py), in every language, for everyone.
    """

    __tablename__ = "personas"
    __table_args__ = (Index("ix_personas_user", "user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    icon: Mapped[str] = mapped_column(String(16), default="")
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    model_id: Mapped[str | None] = mapped_column(String(128))
    thinking: Mapped[bool | None] = mapped_column(Boolean)
    temperature: Mapped[float | None] = mapped_column(Float)
    web_search: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class AttachmentFile(Base):
    """The original bytes of an attached file, kept once per person and content
    hash (Alembic revision 0018); deleted with its last attachment by a trigger."""

    __tablename__ = "attachment_files"
    __table_args__ = (
        UniqueConstraint("user_id", "sha256", name="uq_attachment_files_user_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[float] = mapped_column(Float)


class AttachmentRow(Base):
    """A file attached to a question (Alembic revision 0007); see core/attachments."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_message", "message_id", "position"),
        Index("ix_attachments_file", "file_id"),
    )

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
    file_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachment_files.id", ondelete="SET NULL", name="fk_attachments_file_id")
    )


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
    # A prompt variant (Alembic 0016): replaces the rows' own system prompts.
    system_prompt: Mapped[str | None] = mapped_column(Text)


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


class BatchJudge(Base):
    """The judge a batch is graded by (core/judging): its model, pointwise or
    pairwise, and for pairwise the column every other column is judged against."""

    __tablename__ = "batch_judges"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(16))
    baseline_column_id: Mapped[int | None] = mapped_column(
        ForeignKey("batch_columns.id", ondelete="CASCADE")
    )


class BatchPromptCriteria(Base):
    """What a prompt's answers are checked against: a reference answer, a rubric,
    and deterministic assertions (JSON, core/judging/assertions.py)."""

    __tablename__ = "batch_prompt_criteria"

    prompt_id: Mapped[int] = mapped_column(
        ForeignKey("batch_prompts.id", ondelete="CASCADE"), primary_key=True
    )
    expected: Mapped[str | None] = mapped_column(Text)
    rubric: Mapped[str | None] = mapped_column(Text)
    assertions: Mapped[str | None] = mapped_column(Text)


class BatchJudgement(Base):
    """One request to the judge about one cell: its reply is an ordinary message
    (kind "batch"), read into a verdict when shown (core/judging/verdicts.py).
    Pairwise cells are judged twice, `swapped` saying the baseline came first."""

    __tablename__ = "batch_judgements"
    __table_args__ = (
        Index("ix_batch_judgements_batch", "batch_id", "id"),
        Index("ix_batch_judgements_message", "message_id"),
        UniqueConstraint("cell_id", "swapped", name="uq_batch_judgements_cell_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    cell_id: Mapped[int] = mapped_column(ForeignKey("batch_cells.id", ondelete="CASCADE"))
    swapped: Mapped[bool] = mapped_column(Boolean)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))


class JudgeAgreement(Base):
    """A judge model asked about a blind human vote's two answers, in one order;
    its reply is an ordinary message (core/judging/agreement.py)."""

    __tablename__ = "judge_agreements"
    __table_args__ = (
        Index("ix_judge_agreements_judge", "judge_model_id", "vote_id"),
        Index("ix_judge_agreements_message", "message_id"),
        UniqueConstraint(
            "judge_model_id", "vote_id", "swapped", name="uq_judge_agreements_vote_order"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    judge_model_id: Mapped[str] = mapped_column(String(128))
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    swapped: Mapped[bool] = mapped_column(Boolean)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))


class FeedbackVote(Base):
    """A vote given in plain sight (core/feedback.py): a thumb on a chat answer
    (`value` up/down) or "which is better" between two compare columns (`value`
    a/b/tie/both_bad). Kept with the models, their settings and the prompt, and
    never mixed with the blind arena votes."""

    __tablename__ = "feedback_votes"
    __table_args__ = (
        Index("ix_feedback_votes_user_message", "user_id", "message_id", "other_message_id"),
        Index("ix_feedback_votes_kind", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # thumbs, preference
    value: Mapped[str] = mapped_column(String(16))
    # A vote goes with the answers it judged: erasing a conversation erases
    # the prompt copied here too (docs/architecture.md, "Deleting for real").
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    other_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE")
    )
    model_id: Mapped[str] = mapped_column(String(128))
    other_model_id: Mapped[str | None] = mapped_column(String(128))
    settings: Mapped[str] = mapped_column(Text)  # JSON: thinking, temperature, system prompt
    prompt: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


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


class ShareLink(Base):
    """A conversation's branch shared read-only behind a secret link; Alembic 0009.

    `snapshot` is JSON copied when the link was made (core/sharing.py); only
    the SHA-256 of the link's token is kept."""

    __tablename__ = "share_links"
    __table_args__ = (
        Index("ix_share_links_user", "user_id", "created_at"),
        Index("ix_share_links_conversation", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[str] = mapped_column(Text)
    with_attachments: Mapped[bool] = mapped_column(Boolean)
    messages: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)


class UserGroup(Base):
    """A group of people an admin defines (Alembic 0010; core/store/groups.py):
    the models its members may use, and limits that override `[policy]`'s
    per-person defaults for them (NULL: not set here)."""

    __tablename__ = "user_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    max_tokens_per_day: Mapped[int | None] = mapped_column(Integer)
    max_cost_usd_per_day: Mapped[float | None] = mapped_column(Float)
    max_tokens_per_month: Mapped[int | None] = mapped_column(Integer)
    max_cost_usd_per_month: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)


class UserGroupMember(Base):
    __tablename__ = "user_group_members"
    __table_args__ = (Index("ix_user_group_members_user", "user_id"),)

    group_id: Mapped[int] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class UserGroupModel(Base):
    """A catalog model id a group's members may use (ids, not rows: the catalog is a file)."""

    __tablename__ = "user_group_models"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class UserQuota(Base):
    """One person's limits, set by an admin; they win over their groups' and `[policy]`."""

    __tablename__ = "user_quotas"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    max_tokens_per_day: Mapped[int | None] = mapped_column(Integer)
    max_cost_usd_per_day: Mapped[float | None] = mapped_column(Float)
    max_tokens_per_month: Mapped[int | None] = mapped_column(Integer)
    max_cost_usd_per_month: Mapped[float | None] = mapped_column(Float)


class Spending(Base):
    """Tokens one generation spent, written when it ends (Alembic 0017).

    Quotas and the Usage page count these rows, not the answers: deleting a
    conversation frees stored space but never gives back tokens already
    spent, and a Retry that overwrote an answer still counts. No text is kept;
    rows go with their user.
    """

    __tablename__ = "spending"
    __table_args__ = (Index("ix_spending_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[float] = mapped_column(Float)
    model_id: Mapped[str | None] = mapped_column(String(128))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)


class DemoFaultSwitch(Base):
    """A demo provider's fault switches, shared by every process on PostgreSQL (Alembic 0014).

    Each replica runs its own demo server; they all read this row
    (core/demo/shared_faults.py), so a switch on the Status page holds everywhere.
    """

    __tablename__ = "demo_faults"

    provider_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    busy_rate: Mapped[float] = mapped_column(Float)
    retry_after: Mapped[float] = mapped_column(Float)
    down: Mapped[bool] = mapped_column(Boolean)
    speed: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class BreakerReset(Base):
    """When a route's breaker was last closed by hand, on PostgreSQL (Alembic 0014).

    The shared breakers read the attempt log from this moment on, in every process.
    """

    __tablename__ = "breaker_resets"

    route_key: Mapped[str] = mapped_column(String(400), primary_key=True)
    reset_at: Mapped[float] = mapped_column(Float)
