"""A page's main text, without menus, scripts and footers (stdlib html.parser).

Why not trafilatura: it pulls in a dozen packages (lxml, dateparser, justext,
courlan…) for a feature whose output is cut to a few thousand tokens anyway.
This extractor keeps what matters for grounding:

* the text of <main> / <article> when the page has one with real text,
  else the body;
* without <script>, <style>, <nav>, <header>, <footer>, <aside>, <form>,
  and elements whose class or id says they are navigation, cookie banners,
  share bars, comments or ads;
* blocks kept as paragraphs; blocks that are mostly link text (menus, tag
  clouds) dropped.

It is linear in the page's size (html.parser is a streaming tokenizer) and
never raises on broken markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

SKIPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "iframe",
        "object",
        "canvas",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "button",
        "select",
        "textarea",
        "dialog",
        "menu",
    ]
)
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "br",
        "tr",
        "td",
        "th",
        "table",
        "section",
        "article",
        "main",
        "pre",
        "blockquote",
        "dd",
        "dt",
        "dl",
        "figure",
        "figcaption",
        "hr",
    ]
)
VOID_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
_BOILERPLATE = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|footer|sidebar|cookie|consent|banner|advert|ads?|promo|"
    r"share|social|breadcrumbs?|related|popup|modal|comments?|subscribe|newsletter)($|[\s_-])",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
MAX_DEPTH = 128  # open elements tracked; deeper nesting is read as flat text
MAIN_MIN_CHARS = 200  # a <main> shorter than this is probably not the content
LINK_HEAVY = 0.6  # a block whose text is mostly links is navigation


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self.blocks: list[tuple[str, int, bool]] = []  # text, link chars, inside main
        self._block: list[str] = []
        self._link_chars = 0
        self._skip: list[str] = []  # the tags that opened skipped regions
        self._open: list[str] = []
        self._in_title = False
        self._in_link = 0
        self._main_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS or len(self._open) >= MAX_DEPTH:
            # Past MAX_DEPTH a crafted page of endless nesting would make every
            # closing tag a long search: its deeper tags are only block breaks.
            if tag == "br" or tag in BLOCK_TAGS:
                self._end_block()
            return
        self._open.append(tag)
        if self._skip:
            self._skip.append(tag)
            return
        marks = " ".join(value or "" for name, value in attrs if name in ("class", "id", "role"))
        if tag in SKIPPED_TAGS or (
            tag not in ("body", "html", "main") and _BOILERPLATE.search(marks)
        ):
            self._skip.append(tag)
            return
        if tag == "title":
            self._in_title = True
        elif tag in ("main", "article"):
            self._end_block()
            self._main_depth += 1
        elif tag == "a":
            self._in_link += 1
        elif tag in BLOCK_TAGS:
            self._end_block()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or tag not in self._open:
            return  # a stray closing tag: ignored, as a browser does
        while self._open:  # close what was left open inside, as a browser does
            closed = self._open.pop()
            self._close(closed)
            if closed == tag:
                break

    def _close(self, tag: str) -> None:
        if self._skip:
            self._skip.pop()
            return
        if tag == "title":
            self._in_title = False
        elif tag in ("main", "article"):
            self._end_block()
            self._main_depth = max(0, self._main_depth - 1)
        elif tag == "a":
            self._in_link = max(0, self._in_link - 1)
        elif tag in BLOCK_TAGS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
            return
        if self._skip or "head" in self._open:
            return
        self._block.append(data)
        if self._in_link:
            self._link_chars += len(data.strip())

    def _end_block(self) -> None:
        text = _SPACES.sub(" ", "".join(self._block)).strip()
        if text:
            self.blocks.append((text, self._link_chars, self._main_depth > 0))
        self._block = []
        self._link_chars = 0

    def close(self) -> None:
        super().close()
        self._end_block()


def extract(html: str, content_type: str = "text/html") -> Extracted:
    """The title and main text of a page (plain text is returned as it is)."""
    if content_type == "text/plain":
        return Extracted("", _tidy(html.splitlines()))
    collector = _Collector()
    collector.feed(html)
    collector.close()
    title = _SPACES.sub(" ", "".join(collector.title_parts)).strip()
    kept = [(text, inside) for text, links, inside in collector.blocks if _is_content(text, links)]
    main = [text for text, inside in kept if inside]
    chosen = main if sum(len(t) for t in main) >= MAIN_MIN_CHARS else [t for t, _ in kept]
    return Extracted(title, _tidy(chosen))


def _is_content(text: str, link_chars: int) -> bool:
    return bool(text) and link_chars <= LINK_HEAVY * len(text)


def _tidy(blocks: list[str]) -> str:
    lines: list[str] = []
    for block in blocks:
        line = _SPACES.sub(" ", block).strip()
        if line and (not lines or lines[-1] != line):
            lines.append(line)
    return "\n\n".join(lines)
