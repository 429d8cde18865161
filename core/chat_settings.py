"""A conversation's own settings: its system prompt and temperature.

The conversation rows have always had the two columns; personas fill them in
when a chat starts, and the conversation's menu changes them later. The same
bounds hold wherever a value comes from (a persona, the menu, an imported
file), so a stored conversation can always be sent and shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import SettingsRejected
from core.store import conversations as conversation_store
from core.text import clean_text, is_blank

# A system prompt is sent with every question; 20,000 characters (about 5,000
# tokens) is far more than any useful one and still leaves room in a small
# model's context.
MAX_SYSTEM_PROMPT_CHARS = 20_000
# What OpenAI-compatible APIs accept (DeepSeek, Qwen, OpenAI: 0 to 2).
MIN_TEMPERATURE = 0.0
MAX_TEMPERATURE = 2.0


@dataclass(frozen=True)
class ChatSettings:
    """What a conversation is sent with besides its messages (None: not set)."""

    system_prompt: str | None = None
    temperature: float | None = None


def checked_system_prompt(text: str | None) -> str | None:
    """The prompt as it will be stored (blank is none); `SettingsRejected` if too long."""
    if text is None or is_blank(text):
        return None
    text = clean_text(text).strip()
    if len(text) > MAX_SYSTEM_PROMPT_CHARS:
        raise SettingsRejected(
            f"system prompt of {len(text):,} characters; the limit is {MAX_SYSTEM_PROMPT_CHARS:,}",
            reason="prompt_too_long",
            limit=MAX_SYSTEM_PROMPT_CHARS,
        )
    return text


def checked_temperature(value: float | None) -> float | None:
    """A temperature between 0 and 2 (None: the model's default)."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE
    ):
        raise SettingsRejected("temperature out of range", reason="temperature")
    return round(float(value), 2)


def checked(settings: ChatSettings) -> ChatSettings:
    return ChatSettings(
        checked_system_prompt(settings.system_prompt), checked_temperature(settings.temperature)
    )


def settings_of(user_id: int, conversation_id: int) -> ChatSettings:
    conversation = conversation_store.get_conversation(user_id, conversation_id)
    return ChatSettings(conversation.system_prompt, conversation.temperature)


def save_settings(user_id: int, conversation_id: int, settings: ChatSettings) -> ChatSettings:
    """Check and keep a conversation's settings; the next question is sent with them.

    Only the owner's conversation (`RecordNotFound` otherwise); nothing is
    written when a value is refused.
    """
    settings = checked(settings)
    conversation_store.update_conversation(
        user_id,
        conversation_id,
        system_prompt=settings.system_prompt,
        temperature=settings.temperature,
    )
    return settings
