"""Plain, immutable snapshots of stored rows: what the repository returns.

Pages and the worker never hold ORM objects, so nothing lazy-loads behind a
closed session and nothing is written by accident.
"""

from __future__ import annotations

from dataclasses import dataclass

# A message's status, as stored.
QUEUED = "queued"  # written, waiting for a slot or a retry
STREAMING = "streaming"
COMPLETE = "complete"
STOPPED = "stopped"  # the user pressed Stop; the partial text is kept
INTERRUPTED = "interrupted"  # the stream broke, or the app restarted mid-answer
ERROR = "error"  # nothing could be generated; the error is recorded
UNFINISHED = (QUEUED, STREAMING)
FINAL = (COMPLETE, STOPPED, INTERRUPTED, ERROR)


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    auth_source: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class ConversationView:
    id: int
    public_id: str
    user_id: int
    kind: str
    title: str
    model_id: str
    thinking: bool | None
    temperature: float | None
    system_prompt: str | None
    current_leaf_id: int | None
    pinned: bool
    archived: bool
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class MessageView:
    id: int
    public_id: str
    conversation_id: int
    parent_id: int | None
    depth: int
    role: str
    content: str
    reasoning: str
    status: str
    model_id: str | None
    requested_model_id: str | None
    provider_id: str | None
    upstream_model: str | None
    thinking: bool | None
    temperature: float | None
    error_kind: str | None
    error_detail: str | None
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    reasoning_tokens: int | None
    usage_estimated: bool
    content_tokens: int | None
    context_dropped: int
    queue_ms: int | None
    ttft_ms: int | None
    answer_ms: int | None
    reasoning_ms: int | None
    duration_ms: int | None
    attempts: int
    created_at: float
    updated_at: float
    # The process writing it while it is unfinished (core/store/processes.py);
    # None once it ends, and in views made outside the database.
    owner_process: str | None = None

    @property
    def degraded(self) -> bool:
        return bool(self.requested_model_id and self.requested_model_id != self.model_id)

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED


def view_of(row: object, view: type) -> object:
    """Copy the mapped columns of an ORM row into a view dataclass."""
    return view(**{name: getattr(row, name) for name in view.__dataclass_fields__})
