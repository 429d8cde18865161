"""How many tokens a conversation's current branch takes, files and system prompt included.

Summed in the database along the branch (a recursive walk from the shown
leaf to the root), so a page can say before sending how much of a model's
context window the conversation already fills, at a cost that does not
load the messages.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import and_, case, func, literal, select

from core.store.conversations import owned
from core.store.db import session
from core.store.models import AttachmentRow, Message
from core.tokens import MESSAGE_OVERHEAD, REPLY_PRIMING, count_text

WRAPPER_TOKENS = 20  # the file template's lines around each file
# An image a vision model saw is named in later turns, not sent again
# (core/attachments/for_model.py, `image_name_line`): about this many tokens.
IMAGE_NAME_TOKENS = 15

# Counting a 20,000-character system prompt takes about 30 ms, and the page
# asks on every rerun of a conversation; prompts change rarely.
_prompt_tokens = lru_cache(maxsize=64)(count_text)


def branch_tokens(user_id: int, conversation_id: int) -> int:
    """Estimated prompt tokens of the current branch (messages whose count is
    unknown count as a quarter of their length, the tokenizer's usual ratio)."""
    with session() as db:
        conversation = owned(db, user_id, conversation_id)
        if conversation.current_leaf_id is None:
            return 0
        # The system prompt is sent first with every question (core/chat.py).
        prompt = conversation.system_prompt
        system = _prompt_tokens(prompt) + MESSAGE_OVERHEAD if prompt else 0
        start = select(Message.id, Message.parent_id).where(
            Message.id == conversation.current_leaf_id,
            Message.conversation_id == conversation_id,
        )
        walk = start.cte("walk", recursive=True)
        walk = walk.union_all(
            select(Message.id, Message.parent_id).join(walk, Message.id == walk.c.parent_id)
        )
        own = func.coalesce(Message.content_tokens, func.length(Message.content) / 4)
        messages = db.execute(
            select(func.coalesce(func.sum(own), 0), func.count())
            .select_from(Message)
            .join(walk, Message.id == walk.c.id)
        ).one()
        # Every stored question is an earlier turn for the next one: its images
        # count as their name line; described images and documents as their text.
        named_image = and_(AttachmentRow.image.is_not(None), AttachmentRow.text == "")
        own = case((named_image, literal(IMAGE_NAME_TOKENS)), else_=AttachmentRow.tokens)
        files = db.scalar(
            select(func.coalesce(func.sum(own + literal(WRAPPER_TOKENS)), 0))
            .select_from(AttachmentRow)
            .join(walk, AttachmentRow.message_id == walk.c.id)
        )
    return system + int(messages[0]) + int(files) + messages[1] * MESSAGE_OVERHEAD + REPLY_PRIMING
