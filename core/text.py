"""Cleaning what people type, and naming conversations after it."""

from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 2_000_000  # a 1 MB paste fits; beyond this the browser suffers anyway

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MARKUP = re.compile(r"[#*_`>~\[\]|]+")


REPLACEMENT = "\ufffd"


def clean_text(text: str) -> str:
    """`text` made storable in every database, changing nothing a person could see.

    The store applies it to every string it sends to the database
    (core/store/db.py), so what SQLite keeps is what PostgreSQL keeps.

    - Lone surrogates are not Unicode text (UTF-8 cannot carry them, and a
      browser replaces them before sending): they become U+FFFD, while
      surrogate pairs are joined into the character they encode.
    - NUL is refused by PostgreSQL in any text: it becomes U+FFFD, which is
      what CommonMark says a renderer must show for it anyway (spec 2.3), so
      the page looks the same before and after saving.

    Other control characters, bidi overrides and emoji are kept as they are:
    every database stores them, and the renderer makes them inert.
    """
    if "\x00" in text:
        text = text.replace("\x00", REPLACEMENT)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def is_blank(text: str | None) -> bool:
    """Nothing worth sending: empty, or only white space and invisible marks."""
    if not text:
        return True
    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc", "Zs") for ch in text)


def without_markup(text: str) -> str:
    """`text` with Markdown's markup characters (#, *, >, `…) turned into spaces."""
    return _MARKUP.sub(" ", text)


def auto_title(text: str, limit: int = 40) -> str:
    """A short title from the first question: its first line, without markup."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(without_markup(line).split())
    line = "".join(ch for ch in line if unicodedata.category(ch) not in ("Cc", "Cf"))
    if _CJK.search(line):
        limit = limit // 2  # CJK characters are twice as wide
    if len(line) <= limit:
        return line
    cut = line[:limit]
    if not _CJK.search(cut) and " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:，。；：") + "…"
