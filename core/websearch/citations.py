"""An answer's [citation:X] marks as numbered links, and its sources as a list.

Both produce Markdown that then goes through the app's one inert rendering
function (core/markdown.py), like every other text. Page titles are text
from the web: their Markdown characters are escaped, so a title cannot
become a link, an image or a heading. Only http(s) links are made; a
citation of a number that was not a source stays plain text.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from core.fences import closes_fence, fence_opening
from core.websearch.results import Source, WebSources, site_of

_CITATION = re.compile(r"\[citation:\s*(\d{1,3})\s*\]", re.IGNORECASE)
# Markdown's markers, written as character references: they show as themselves
# and are never syntax. (Backslash escapes would not do: the renderer reads
# "\[" and "\(" as the math delimiters models write.)
_MARKDOWN_CHARS = re.compile(r"[\\`*_\[\]()<>#|~$&!]")
# Characters kept as they are in a link destination; the rest are percent-encoded,
# so a URL cannot end the link early or open another one.
_URL_SAFE = ":/?#@!$&*+,;=%~-._"
MAX_TITLE = 160


def safe_link(url: str) -> str | None:
    """`url` ready for a Markdown link destination, or None if it is not http(s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return quote(url, safe=_URL_SAFE)


def escape(text: str) -> str:
    """Text shown as itself in Markdown: one line, every marker escaped."""
    return _MARKDOWN_CHARS.sub(lambda m: f"&#{ord(m.group())};", " ".join(text.split()))


def link_citations(text: str, sources: WebSources | None) -> str:
    """`text` with each [citation:X] a link "[X]" to source X (outside code blocks)."""
    if sources is None or not sources.sources or "citation" not in text.lower():
        return text
    links = {s.number: safe_link(s.url) for s in sources.sources}

    def link(match: re.Match[str]) -> str:
        number = int(match.group(1))
        target = links.get(number)
        return f"[[{number}]]({target})" if target else f"[{number}]"

    lines = text.split("\n")
    fence: str | None = None  # the marker run of the code block we are in
    for index, line in enumerate(lines):
        if fence is None and (opening := fence_opening(line)):
            fence = opening
            continue
        if fence is not None:
            fence = None if closes_fence(line, fence) else fence
            continue
        if "citation" in line.lower():
            lines[index] = _CITATION.sub(link, line)
    return "\n".join(lines)


def source_line(source: Source) -> str:
    """One entry of the Sources panel (a Markdown list item): "1. [Title](link)",
    or "1. Title · site" when the address is not one a link may go to."""
    title = escape(source.title[:MAX_TITLE]) or escape(source.site)
    target = safe_link(source.url)
    if target is None:
        return f"{source.number}. {title} · {escape(source.site)}"
    # The renderer shows a link's host after it (core/markdown.py), so the site
    # is added only when it says something else.
    site = "" if source.site == site_of(source.url) else f" · {escape(source.site)}"
    return f"{source.number}. [{title}]({target}){site}"
