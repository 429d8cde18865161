"""Answers that tell the voter who wrote them ("我是DeepSeek", "as an OpenAI model").

A battle is blind only while the voter does not know which model is which. An
answer that introduces itself by a model's or maker's name breaks that, and the
vote that follows measures loyalty as much as quality, so the leaderboard leaves
such battles out by default (LMArena removes them too).

An answer is flagged when it speaks *about itself* in the first person and names
a known model or maker: "I am Claude", "I'm ChatGPT", "I was trained by Google",
"as an OpenAI model", "我是通义千问", "我是由深度求索公司开发的", "作为DeepSeek…".
Naming someone else's model counts as well ("I am ChatGPT" from another model):
the voter was still told a name. Mentioning a model without speaking of oneself
("GPT-4 was released in 2023", "Claude 是 Anthropic 开发的") is not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Models and makers an answer may name. The catalog's own model and provider
# labels are added at run time (`names_in_catalog`), so a new model is covered
# the day it is configured.
KNOWN_NAMES = (
    "ChatGPT", "GPT-3.5", "GPT-4", "GPT-4o", "GPT-5", "GPT", "OpenAI",
    "Claude", "Anthropic",
    "Gemini", "Bard", "Gemma", "Google", "DeepMind",
    "DeepSeek", "深度求索",
    "Qwen", "通义千问", "通义", "千问", "Alibaba", "阿里巴巴", "阿里云", "阿里",
    "Hunyuan", "混元", "Tencent", "腾讯",
    "Llama", "LLaMA", "Meta AI", "Meta",
    "Mistral", "Mixtral",
    "Kimi", "Moonshot", "月之暗面",
    "GLM", "ChatGLM", "智谱", "Zhipu",
    "ERNIE", "文心一言", "文心", "Baidu", "百度",
    "Doubao", "豆包", "ByteDance", "字节跳动",
    "Grok", "xAI",
    "MiniMax", "零一万物", "Yi-Large",
    "Microsoft", "Copilot", "Phi",
    "讯飞星火", "星火", "iFlytek",
)  # fmt: skip


def names_in_catalog(catalog) -> tuple[str, ...]:
    """Model ids and labels of the catalog, without the qualifiers after a "·"
    ("Demo Thinker · offline" -> "Demo Thinker"). Provider labels are left out:
    some are plain words ("Local"), and the makers are in KNOWN_NAMES."""
    names = set()
    for model in catalog.models.values():
        names.update({model.id, model.label.split("·")[0].strip()})
    return tuple(sorted(n for n in names if len(n) >= 3))


@lru_cache(maxsize=8)
def _name_pattern(names: tuple[str, ...]) -> str:
    # Longest first, so "GPT-4o" wins over "GPT"; a Latin name must not be part
    # of a longer word ("Meta" in "metadata"), a Chinese one may (no spaces).
    alternatives = sorted(set(KNOWN_NAMES) | set(names), key=len, reverse=True)
    return "(?:" + "|".join(_name(n) for n in alternatives) + ")"


@lru_cache(maxsize=8)
def _lowercase_names(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple({n.lower() for n in (*KNOWN_NAMES, *names)})


@lru_cache(maxsize=8)
def _pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    name = _name_pattern(names)
    article = r"(?:(?:an?|the|your)\s+)?"
    filler = (
        r"(?:(?:AI|artificial intelligence|large|language|chat|model|assistant|chatbot)[\s,]+){0,4}"
    )
    kind = r"AI|model|assistant|chatbot|language model|product"
    english = (
        rf"\b(?:I\s*am|I'?m|I’m|my name is|call me)\s+{article}{filler}"
        rf"(?:(?:called|named)\s+)?{name}"
        rf"|\bas\s+{article}{name}(?:[\s-]+[\w.-]+)?[\s-]+(?:{kind})"
        rf"|\bas\s+{name},?\s+I\b"
        rf"|\b(?:I|I'?m|I’m|me|my)\b[^.!?\n]{{0,80}}?\b(?:developed|created|trained|built|made|"
        rf"designed|programmed|powered)\s+by\s+(?:the\s+)?(?:team\s+(?:at|of)\s+)?{name}"
    )
    chinese = (
        rf"我(?:是(?!说|指|问|想|觉得|认为)|叫|的名字(?:是|叫))[^。！？\n]{{0,24}}?{name}"
        rf"|作为\s*(?:一个|一款|一名)?\s*(?:由\s*)?{name}"
        rf"|我(?:由|是由)\s*{name}"
    )
    return re.compile(f"{english}|{chinese}", re.I)


def _name(name: str) -> str:
    escaped = re.escape(name)
    return rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])" if name.isascii() else escaped


# How far before and after a name the self-identifying phrase may reach: the
# longest pattern is "I … (80 characters) … developed by <name>".
_BEFORE, _AFTER = 120, 40


def self_identification(text: str, names: tuple[str, ...] = ()) -> str | None:
    """The phrase in which `text` names its model or maker, or None.

    Most answers name no model at all, so the names are looked for first, as
    plain substrings (fast), and the first-person phrases only around them:
    the phrase pattern over a whole 3,000-character answer costs about 1 ms,
    which for every answer of every vote would dominate a refit.
    """
    pattern = _pattern(names)
    lowered = text.lower()
    for name in _lowercase_names(names):
        start = lowered.find(name)
        while start != -1:
            window = text[max(0, start - _BEFORE) : start + len(name) + _AFTER]
            match = pattern.search(window)
            if match:
                return match.group(0)
            start = lowered.find(name, start + 1)
    return None


def is_deblinded(answers: Iterable[str], names: tuple[str, ...] = ()) -> bool:
    """Whether any answer of a battle (either side, any turn) named a model."""
    return any(self_identification(text, names) for text in answers)
