"""Model output and user text made ready, and safe, for Streamlit's Markdown renderer.

Streamlit renders Markdown with KaTeX for `$…$` and `$$…$$` and with raw
HTML disabled (we never pass `unsafe_allow_html` for anything a person or a
model wrote), so `<script>` and `<img onerror=…>` show as text. Outside code,
this module also:

- converts `\\(…\\)` and `\\[…\\]` (how models write math) to `$…$` / `$$…$$`,
  and escapes currency dollars ("$5 or $10") that would otherwise be math;
- neutralizes links whose scheme is not http(s), mailto or tel — Streamlit's
  renderer already blanks `javascript:` but lets `data:` and `file:` through —
  by breaking their syntax, so they show as text; entity-encoded and
  whitespace-obfuscated schemes are decoded before the check;
- turns images into links: an image loads by itself when the message is
  shown, so a prompt-injected model could send the conversation to any
  server in an image URL; a link needs a click.

Every step is linear in the length of the text: a 1 MB paste of `\\[` or
backticks must not hold the server (regular expressions with a lazy `.+?`
between two delimiters take quadratic time when the closer is missing).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_BACKTICKS = re.compile(r"`+")
_CURRENCY = re.compile(r"(?<![\\$])\$(?=\d)")
_SINGLE_DOLLAR = re.compile(r"(?<![\\$])\$(?!\$)")

MAX_MARKDOWN_CHARS = 100_000
MAX_MARKUP = 3_000  # emphasis, code, quote, link and strike markers in prose

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# The places a URL starts in Markdown: an inline link or image "](url)", a
# reference definition "[label]: url", and an autolink "<scheme:…>".
_LINK_OPENER = re.compile(r"\]\(|\]:")
_DESTINATION_LEAD = re.compile(r"[ \t]*(?:\r?\n[ \t]*)?<?")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}):[^\s<>]*>")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
# Enough of a destination to read its scheme, even spelt with character
# references ("&#x64;&#x61;…" is 6 characters a letter).
_LOOKAHEAD = 128
_IMAGE = re.compile(r"!\[")


def prepare_markdown(text: str) -> str:
    """`text` with math normalized, currency escaped and unsafe links and images defused."""
    if not text:
        return ""
    return "\n".join(chunk if is_code else _prose(chunk) for is_code, chunk in blocks(text))


def blocks(text: str) -> list[tuple[bool, str]]:
    """`text` cut into fenced code (True) and prose (False), lines kept whole."""
    out: list[tuple[bool, str]] = []
    lines: list[str] = []
    fence: tuple[str, int] | None = None  # the open fence's character and length
    for line in text.split("\n"):
        if fence is None and (opened := _fence_opener(line)):
            if lines:
                out.append((False, "\n".join(lines)))
            fence, lines = opened, [line]
        elif fence is not None and _closes(line, fence):
            out.append((True, "\n".join([*lines, line])))
            fence, lines = None, []
        else:
            lines.append(line)
    if lines:
        out.append((fence is not None, "\n".join(lines)))
    return out


def too_heavy_for_markdown(text: str) -> bool:
    """Whether a browser would spend seconds laying `text` out as Markdown.

    Measured in Chromium with Streamlit 1.67: the renderer's cost grows with
    the square of the emphasis, code and quote markers in prose (10,000
    characters of "*a" took 1.2 s, 50,000 took 19 s; 10,000 of "> " 2 s) and
    with length (1 MB of plain prose 1 s, 100,000 characters of code 3 s).
    Such text is shown as plain text instead, which costs next to nothing.
    """
    if len(text) > MAX_MARKDOWN_CHARS:
        return True
    markers = 0
    for is_code, chunk in blocks(text):
        if not is_code:
            markers += sum(chunk.count(marker) for marker in "*`>[~")
    return markers > MAX_MARKUP


def _fence_opener(line: str) -> tuple[str, int] | None:
    """A code fence as CommonMark defines it (a backtick fence's info has no backtick)."""
    match = _FENCE.match(line)
    if match is None or (match.group(1)[0] == "`" and "`" in match.group(2)):
        return None
    return match.group(1)[0], len(match.group(1))


def _closes(line: str, fence: tuple[str, int]) -> bool:
    match = _FENCE.match(line)
    return (
        match is not None
        and match.group(1)[0] == fence[0]
        and len(match.group(1)) >= fence[1]
        and not match.group(2).strip()
    )


def _prose(text: str) -> str:
    # Math, dollars and images leave inline code alone. Links are defused
    # everywhere in prose, inline code included: a stray backslash in a code
    # span is a small price for never misjudging where one ends.
    parts = []
    last = 0
    for start, end in code_spans(text):
        parts.append(_fix(text[last:start]))
        parts.append(text[start:end])
        last = end
    parts.append(_fix(text[last:]))
    return defuse_links("".join(parts))


def _fix(text: str) -> str:
    text = _replace_delimited(text, "\\[", "\\]", lambda inner: f"$${inner}$$")
    text = _replace_delimited(text, "\\(", "\\)", lambda inner: f"${inner.strip()}$")
    images = [m.start() for m in _IMAGE.finditer(text) if not _escaped(text, m.start())]
    text = _insert_backslashes(text, images)
    return _currency(text)


# ---------------------------------------------------------------- code spans


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where inline code is: (start, end) of each span, in linear time.

    A run of N backticks opens a span closed by the next run of exactly N
    backticks (CommonMark); a backslash before an opening run makes its first
    backtick literal.
    """
    runs = []
    for match in _BACKTICKS.finditer(text):
        start, end = match.span()
        if _escaped(text, start):
            start += 1
        if start < end:
            runs.append((start, end))
    # For each run, the index of the next run of the same length.
    following: list[int | None] = [None] * len(runs)
    seen: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        following[index] = seen.get(length)
        seen[length] = index
    spans = []
    index = 0
    while index < len(runs):
        closer = following[index]
        if closer is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[closer][1]))
        index = closer + 1
    return spans


def _escaped(text: str, position: int) -> bool:
    """Whether an odd number of backslashes precedes `position`."""
    count = 0
    while position - count - 1 >= 0 and text[position - count - 1] == "\\":
        count += 1
    return count % 2 == 1


# ---------------------------------------------------------------- math and dollars


def _replace_delimited(text: str, opener: str, closer: str, render: Callable[[str], str]) -> str:
    """Each `opener…closer` (non-empty, shortest) through `render`, in one pass."""
    out = []
    position = 0
    while True:
        start = text.find(opener, position)
        if start < 0:
            break
        end = text.find(closer, start + len(opener) + 1)
        if end < 0:
            break  # no closer after this opener, so none after any later one
        out.append(text[position:start])
        out.append(render(text[start + len(opener) : end]))
        position = end + len(closer)
    out.append(text[position:])
    return "".join(out)


def _currency(text: str) -> str:
    """Escape `$` before a digit unless it opens inline math that closes on the line."""
    if "$" not in text:
        return text
    out = []
    for line in text.split("\n"):
        if "$" not in line or "$$" in line:
            out.append(line)
            continue
        out.append(_CURRENCY.sub(r"\\$", line) if _looks_like_prices(line) else line)
    return "\n".join(out)


def _looks_like_prices(line: str) -> bool:
    # "$5 and $10" has its dollars before digits and no math operators between them.
    singles = [m.start() for m in _SINGLE_DOLLAR.finditer(line)]
    if len(singles) < 2:
        return bool(singles) and bool(_CURRENCY.search(line))
    between = line[singles[0] + 1 : singles[1]]
    return bool(re.match(r"\d", between)) and not re.search(r"[=^_\\{}]", between)


# ---------------------------------------------------------------- links


def defuse_links(text: str) -> str:
    """`text` with every link, image or definition to an unsafe URL shown as text."""
    cuts: list[int] = []  # where to insert a backslash
    for match in _LINK_OPENER.finditer(text):
        if not is_safe_url(_destination_at(text, match.end())):
            cuts.append(match.start() + 1)  # "]\(" and "]\:" are no longer syntax
    for match in _AUTOLINK.finditer(text):
        if match.group(1).lower() not in SAFE_SCHEMES and not _escaped(text, match.start()):
            cuts.append(match.start())  # "\<" is a literal "<"
    return _insert_backslashes(text, sorted(cuts))


def _destination_at(text: str, position: int) -> str:
    """The start of a link destination at `position`: up to its first colon at most."""
    start = _DESTINATION_LEAD.match(text, position).end()
    window = text[start : start + _LOOKAHEAD]
    cut = len(window)
    for stop in ")>\n":  # characters no scheme, reference or destination start has
        found = window.find(stop, 0, cut)
        if found >= 0:
            cut = found
    colon = window.find(":", 0, cut)
    return window[: colon + 1 if colon >= 0 else cut]


def _insert_backslashes(text: str, positions: list[int]) -> str:
    if not positions:
        return text
    parts = []
    last = 0
    for position in positions:
        parts.append(text[last:position])
        parts.append("\\")
        last = position
    parts.append(text[last:])
    return "".join(parts)


def is_safe_url(url: str) -> bool:
    """Whether a link target is relative or uses an allowed scheme.

    Read the way a browser would: character references decoded, Markdown
    escapes removed, and tabs, line breaks and control characters dropped
    (browsers ignore them inside a scheme: "java&#9;script:" is javascript:).
    """
    if ":" not in url and "&" not in url:
        return True  # no scheme, not even an encoded one: a relative link
    decoded = _BACKSLASH_ESCAPE.sub(r"\1", html.unescape(url))
    scheme = _SCHEME.match(_INVISIBLE.sub("", decoded).lower())
    return scheme is None or scheme.group(1) in SAFE_SCHEMES
