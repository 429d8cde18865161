"""The style of an answer, as counted for style control: length and Markdown elements.

Human voters prefer longer answers and answers dense with headers, bold text and
lists, whatever their substance (LMArena, "Does style matter?", 2024). Style
control adds these counts to the Bradley–Terry fit as covariates
(core/style_control.py), so a model's rating says how often it wins at equal
style.

The counts are LMArena's four: length, headers, bold spans, list items. They are
regular expressions over lines, with fenced code blocks removed first (a `#`
comment in Python is not a header); they are meant to be cheap, since the
leaderboard derives them from every judged answer when it refits.

Length is counted in *words*, where a CJK character counts as one: a model-
independent unit (unlike each provider's tokenizer) that weighs a Chinese and
an English answer of the same substance about equally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

FEATURES = ("length", "headers", "bold", "lists")

_FENCED_CODE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)", re.M | re.S)
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|[^\W_]+")
_HEADER = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.M)
_BOLD = re.compile(r"\*\*(?=\S)[^*\n]+?\*\*|__(?=\S)[^_\n]+?__")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S", re.M)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@dataclass(frozen=True)
class Style:
    """Counts over one or more answers (a multi-turn battle sums its turns)."""

    length: int = 0  # words; a CJK character is a word
    headers: int = 0
    bold: int = 0
    lists: int = 0  # list items, ordered or not

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.length, self.headers, self.bold, self.lists)


def word_count(text: str) -> int:
    """Words in `text`, each CJK character counted as one (code included)."""
    return len(_WORD.findall(text))


def without_code_blocks(text: str) -> str:
    return _FENCED_CODE.sub("", text)


def style_of(answers: Iterable[str]) -> Style:
    """The summed style of the answers a voter read on one side of a battle."""
    length = headers = bold = lists = 0
    for text in answers:
        length += word_count(text)
        prose = without_code_blocks(text)
        headers += len(_HEADER.findall(prose))
        bold += len(_BOLD.findall(prose))
        lists += len(_LIST_ITEM.findall(prose))
    return Style(length, headers, bold, lists)


def cjk_characters(text: str) -> int:
    return len(_CJK.findall(text))
