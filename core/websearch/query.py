"""The search query for a question, made from the conversation.

A follow-up such as "and in 2024?" or "那上海呢？" means nothing to a search
engine on its own. The rewrite is rule-based and deterministic (no model call:
it costs nothing, works offline and cannot be steered by a page or an answer):

1. a question is a *follow-up* when it opens with a continuation word ("and",
   "what about", "那", "还有"…), ends with the Chinese "呢", leans on a
   pronoun ("it", "they", "它"…) while short, or is very short;
2. its continuation word is dropped ("and in 2024?" -> "in 2024?");
3. it is joined to the question it follows: the nearest earlier question that
   stands on its own, with the follow-ups between them (up to `MAX_CHAIN`),
   so "GDP of China in 2023?", "and in 2024?", "what about India?" searches
   "GDP of China in 2023? in 2024? India?".

Only the user's questions are used, never the model's answers. The query is
one line of at most `MAX_QUERY_CHARS`, its newest words kept.
"""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 200
MAX_CHAIN = 3  # follow-ups carried along after the standalone question
SHORT_WORDS = 4  # a question of fewer words (Latin script) is a follow-up
SHORT_CJK = 6  # ...or of fewer Chinese/Japanese/Korean characters
PRONOUN_SHORT_WORDS = 10  # a pronoun in a question this short points back

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W_]+")
# Longest first, so "and what about" is taken whole, not just "and".
_LEADS_EN = (
    "and what about",
    "and how about",
    "what about",
    "how about",
    "and also",
    "and then",
    "and",
    "also",
    "then",
    "or",
    "but",
    "same for",
)
_LEADS_ZH = ("那么", "还有", "另外", "那", "而", "并且")
# Not "this"/"that": "What happened this week?" stands on its own.
_PRONOUNS_EN = {"it", "its", "they", "them", "their", "those", "these"}
_PRONOUNS_HE_SHE = {"he", "she", "him", "her", "his"}
_PRONOUNS_ZH = ("它", "他们", "她们", "这个", "那个", "这些", "那些")
_LEAD_EN = re.compile(
    r"^(?:" + "|".join(re.escape(lead) for lead in _LEADS_EN) + r")\b[\s,，:]*", re.IGNORECASE
)


def search_query(questions: list[str]) -> str:
    """The query for the newest question; `questions` are the user's, oldest first."""
    if not questions:
        return ""
    flat = [" ".join(q.split()) for q in questions]
    parts = [flat[-1]]
    index = len(flat) - 1
    while is_follow_up(flat[index]) and index > 0 and len(parts) <= MAX_CHAIN:
        parts[0] = without_lead(parts[0]) or parts[0]
        index -= 1
        parts.insert(0, flat[index])
    return _cap(" ".join(p for p in parts if p))


def is_follow_up(question: str) -> bool:
    """Whether `question` leans on the one before it to make sense."""
    text = question.strip()
    if not text:
        return False
    if _LEAD_EN.match(text) or text.startswith(_LEADS_ZH):
        return True
    if text.rstrip("？?。.！! ").endswith("呢"):
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    cjk = len(_CJK.findall(text))
    if cjk:
        return cjk < SHORT_CJK or (cjk < 2 * SHORT_CJK and any(p in text for p in _PRONOUNS_ZH))
    if len(words) < SHORT_WORDS:
        return True
    pronouns = _PRONOUNS_EN | _PRONOUNS_HE_SHE
    return len(words) < PRONOUN_SHORT_WORDS and any(w in pronouns for w in words)


def without_lead(question: str) -> str:
    """The follow-up without its continuation word: "and in 2024?" -> "in 2024?"."""
    text = _LEAD_EN.sub("", question.strip(), count=1)
    for lead in _LEADS_ZH:
        if text.startswith(lead):
            return text[len(lead) :].lstrip("，, ")
    return text


def _cap(query: str) -> str:
    """At most `MAX_QUERY_CHARS`, the newest words kept (the follow-up's own)."""
    if len(query) <= MAX_QUERY_CHARS:
        return query
    return query[-MAX_QUERY_CHARS:].strip()
