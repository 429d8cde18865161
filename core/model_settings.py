"""The settings a model is asked with: one type for compare, the arena and batches.

A column of a comparison, a side of a battle and a column of a batch are each
"this model, thinking on or off, at this temperature, with this system
prompt". The chat page's request (`core.chat.Choice`) is built from the same
fields plus what only a single request has (fallback allowed, web search).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSettings:
    model_id: str
    thinking: bool | None = None  # deep thinking on or off; None: the model's own default
    temperature: float | None = None  # None: the provider's default
    # A prompt variant (A/B prompts on one model: compare, batch); a chat keeps
    # its system prompt with the conversation instead.
    system_prompt: str | None = None
