"""Model output made ready for Streamlit's Markdown renderer.

Streamlit renders Markdown with KaTeX for `$…$` and `$$…$$` and with raw
HTML disabled (we never pass `unsafe_allow_html` for anything a person or a
model wrote). Models write math as `\\(…\\)` and `\\[…\\]` too, and a price such
as "$5 or $10" would otherwise be read as math; outside code, this module
converts the one and escapes the other.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_DISPLAY = re.compile(r"\\\[(.+?)\\\]", re.DOTALL)
_INLINE = re.compile(r"\\\((.+?)\\\)", re.DOTALL)
_CURRENCY = re.compile(r"(?<![\\$])\$(?=\d)")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def prepare_markdown(text: str) -> str:
    """`text` with math delimiters normalized and currency dollars escaped."""
    if not text:
        return ""
    out: list[str] = []
    prose: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            if not in_fence and prose:
                out.append(_prose("\n".join(prose)))
                prose = []
            in_fence = not in_fence
            out.append(line)
        elif in_fence:
            out.append(line)
        else:
            prose.append(line)
    if prose:
        out.append(_prose("\n".join(prose)))
    return "\n".join(out)


def _prose(text: str) -> str:
    # Leave inline code alone: split it out, fix the rest, put it back.
    parts = []
    last = 0
    for match in _INLINE_CODE.finditer(text):
        parts.append(_fix(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_fix(text[last:]))
    return "".join(parts)


def _fix(text: str) -> str:
    text = _DISPLAY.sub(lambda m: f"$${m.group(1)}$$", text)
    text = _INLINE.sub(lambda m: f"${m.group(1).strip()}$", text)
    return _currency(text)


def _currency(text: str) -> str:
    """Escape `$` before a digit unless it opens inline math that closes on the line."""
    out = []
    for line in text.split("\n"):
        if "$$" in line:
            out.append(line)
            continue
        out.append(_CURRENCY.sub(r"\\$", line) if _looks_like_prices(line) else line)
    return "\n".join(out)


def _looks_like_prices(line: str) -> bool:
    # "$5 and $10" has its dollars before digits and no math operators between them.
    singles = [m.start() for m in re.finditer(r"(?<![\\$])\$(?!\$)", line)]
    if len(singles) < 2:
        return bool(singles) and bool(_CURRENCY.search(line))
    between = line[singles[0] + 1 : singles[1]]
    return bool(re.match(r"\d", between)) and not re.search(r"[=^_\\{}]", between)
