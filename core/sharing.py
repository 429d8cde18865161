"""Share links: a read-only copy of a conversation's branch behind a secret URL.

- The link carries a random 256-bit token (`secrets.token_urlsafe`); the
  database keeps only its SHA-256, as for sign-in sessions: the token is
  unguessable, so a plain hash is enough, and a stolen database opens no link.
- What is shared is a snapshot, copied when the link is made: the questions
  and answers of the branch shown then, with reasoning, model and route. A
  later edit, regeneration or new message does not change it (make a new link
  for that). Answers still being written are left out.
- Attached files are left out unless the owner asks for them when sharing;
  then their names, extracted text and (downscaled) images are copied too.
- Revoking deletes the link; deleting the conversation deletes its links
  (ON DELETE CASCADE). Either way the link stops opening at its next request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, fields

from core.attachments.model import Attachment
from core.errors import AppError
from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import share_links
from core.store.share_links import ShareLinkView
from core.store.views import MessageView

TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 64  # longer than any token we make: not one of ours
SNAPSHOT_VERSION = 1
# Each link keeps a copy of its conversation: a bound on how many copies one
# person can make (revoking one makes room).
MAX_LINKS_PER_USER = 50

# What a shared message keeps: everything a reader sees under it, nothing that
# points back into the owner's records (ids, parents, the conversation).
_PRIVATE = {"id", "public_id", "conversation_id", "parent_id", "owner_process"}
_KEPT = [f.name for f in fields(MessageView) if f.name not in _PRIVATE]
_FILE_FIELDS = ("name", "format", "size", "text", "tokens", "mime", "note")


@dataclass(frozen=True)
class NewLink:
    """A link just made: the token is shown to its owner once, then only its hash exists."""

    link: ShareLinkView
    token: str


@dataclass(frozen=True)
class SharedConversation:
    """What a share link opens: a title and messages, with files if the owner chose."""

    title: str
    messages: list[MessageView]
    files: dict[int, list[Attachment]]  # by message id (its position in `messages`)
    created_at: float


class ShareLimitReached(AppError):
    """The user has MAX_LINKS_PER_USER links; the detail is that number."""

    kind = "share_limit"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share(user_id: int, conversation_id: int, *, with_attachments: bool = False) -> NewLink:
    """Snapshot the user's conversation's current branch behind a new link.

    `RecordNotFound` when the conversation is not the user's; `ShareLimitReached`
    when they already have MAX_LINKS_PER_USER links."""
    conversation = conversation_store.get_conversation(user_id, conversation_id)
    if share_links.count(user_id) >= MAX_LINKS_PER_USER:
        raise ShareLimitReached(str(MAX_LINKS_PER_USER))
    messages = [m for m in message_store.branch(user_id, conversation_id) if not m.unfinished]
    files: dict[int, list[Attachment]] = {}
    if with_attachments:
        asked = [m.id for m in messages if m.role == "user"]
        files = attachment_store.of_messages(user_id, asked)
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "title": conversation.title,
        "messages": [_message_record(m, files.get(m.id, [])) for m in messages],
    }
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = share_links.create(
        user_id,
        conversation_id,
        token_hash=token_hash(token),
        title=conversation.title,
        snapshot=json.dumps(snapshot, ensure_ascii=False),
        with_attachments=with_attachments,
        messages=len(messages),
    )
    return NewLink(link, token)


def links_of(user_id: int, conversation_id: int | None = None) -> list[ShareLinkView]:
    """The user's own links (to one conversation, or all), newest first."""
    return share_links.links_of(user_id, conversation_id)


def revoke(user_id: int, public_id: str) -> None:
    """Stop one of the user's links; `RecordNotFound` if it is not theirs."""
    share_links.revoke(user_id, public_id)


def open_link(token: object) -> SharedConversation | None:
    """What a token opens, for anyone holding it; None when it opens nothing
    (never made, revoked, its conversation deleted, or not a token at all)."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    stored = share_links.snapshot_by_hash(token_hash(token))
    if stored is None:
        return None
    return _shared_of(json.loads(stored))


def _message_record(message: MessageView, files: list[Attachment]) -> dict:
    record = {name: getattr(message, name) for name in _KEPT}
    if files:
        record["files"] = [_file_record(f) for f in files]
    return record


def _file_record(file: Attachment) -> dict:
    record = {name: getattr(file, name) for name in _FILE_FIELDS}
    if file.image is not None:
        record["image"] = base64.b64encode(file.image).decode("ascii")
    return record


def _shared_of(snapshot: dict) -> SharedConversation:
    messages: list[MessageView] = []
    files: dict[int, list[Attachment]] = {}
    for position, record in enumerate(snapshot["messages"]):
        kept = {name: record.get(name) for name in _KEPT}
        messages.append(
            MessageView(
                id=position,
                public_id="",
                conversation_id=0,
                parent_id=position - 1 if position else None,
                **kept,
            )
        )
        if record.get("files"):
            files[position] = [_file_of(f) for f in record["files"]]
    created = max((m.created_at for m in messages), default=0.0)
    return SharedConversation(snapshot.get("title") or "", messages, files, created)


def _file_of(record: dict) -> Attachment:
    image = record.get("image")
    return Attachment(
        **{name: record[name] for name in _FILE_FIELDS},
        image=base64.b64decode(image) if image else None,
    )
