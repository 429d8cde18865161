"""A conversation's stored files, joined into the history sent to a model."""

from __future__ import annotations

from dataclasses import replace

from core.attachments.for_model import text_for_history, tokens_in_turn
from core.attachments.model import Attachment
from core.store import attachments as attachment_store
from core.store.views import MessageView
from core.tokens import count_text

# The "[file name]: …" lines the template adds around each file, in tokens.
WRAPPER_TOKENS = 20


def with_file_text(
    user_id: int, messages: list[MessageView]
) -> tuple[list[MessageView], dict[int, list[Attachment]]]:
    """The branch with each question's files wrapped into its text (what the
    model reads on this turn and every later one), and the files by message id."""
    files = attachment_store.of_messages(user_id, [m.id for m in messages if m.role == "user"])
    joined = []
    asking = messages[-1].id if messages and messages[-1].role == "user" else None
    for message in messages:
        attached = files.get(message.id)
        if not attached:
            joined.append(message)
            continue
        own = message.content_tokens
        if own is None:
            own = count_text(message.content)
        now = message.id == asking
        tokens = own + sum(tokens_in_turn(f, asked_now=now) + WRAPPER_TOKENS for f in attached)
        content = text_for_history(message.content, attached)
        joined.append(replace(message, content=content, content_tokens=tokens))
    return joined, files
