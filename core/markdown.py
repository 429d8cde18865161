"""Untrusted text made inert, by construction, for Streamlit's Markdown renderer.

Deciding what is code, a link or an image by scanning Markdown ourselves
disagreed with the browser's parser in corner cases (a code span across a
blank line, a backslash before the closing backtick, a fence that closes with
its list item, a lone CR as a line end, reference definitions), and each
disagreement let a model's answer make the browser fetch a URL. So the text is
parsed by markdown-it-py, which follows the same specifications as the
browser's remark (CommonMark, GFM tables and strikethrough, remark-math's
dollars), and written out again from its tokens:

- every piece of text is written with all ASCII punctuation backslash-escaped,
  so the browser can find no syntax in it that we did not put there;
- the only structure written is the one the parser found: paragraphs,
  headings, emphasis, lists, quotes, tables, code and math;
- a link stays a link only to http, https or mailto, and shows its host; any
  other link, every image (which would load by itself, with no click: a
  prompt-injected model's way to send the conversation to a server) and every
  reference definition become plain text with their destination shown;
- raw HTML of any tag or attribute, entities and autolinks are text;
- math that uses a command able to fetch or link (`\\href`, `\\url`,
  `\\includegraphics`, `\\html…`) is shown as code, not typeset;
- code is written inside a fence longer than any backtick run in it, so
  nothing in it can end it early.

Text over `MAX_MARKDOWN_CHARS` is not parsed: it is shown as plain text (see
`too_heavy_for_markdown`), and `prepare_markdown` escapes it whole.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.dollarmath import dollarmath_plugin

MAX_MARKDOWN_CHARS = 100_000
# Markers whose count makes the browser's layout slow (measured in Chromium,
# Streamlit 1.67): emphasis, code, quotes, links, strikethrough, table cells, math.
# (`_` also costs our own parser most: 100 KB of "a_" took it 2 s.)
MAX_MARKUP = 3_000
_MARKERS = "*_`>[~|$"

SAFE_SCHEMES = ("http", "https", "mailto")
_SHOWN_URL_CHARS = 80
# KaTeX commands that link, load or add HTML; Streamlit's KaTeX refuses them
# today (trust is off), and we do not rely on it.
_FETCHING_TEX = re.compile(r"\\(?:href|url|includegraphics|html[A-Za-z]*)(?![A-Za-z])")
# What would be syntax if a browser did not take `$…$` for math after all: math
# holding it is shown as code, whose end nothing inside can fake.
_NOT_MATH = re.compile(r"<[A-Za-z/!?]|\][ \t]*[(:\[]|`|\$")
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_BACKTICK_RUN = re.compile(r"`+")
_INFO_WORD = re.compile(r"[A-Za-z0-9_+#.-]{1,40}")


def _parser() -> MarkdownIt:
    parser = (
        MarkdownIt("commonmark")
        .enable(["table", "strikethrough"])
        .use(dollarmath_plugin, allow_digits=False, double_inline=True)
    )
    # \( \) and \[ \], how models write math; mdit-py-plugins' texmath rules
    # for them take quadratic time on unclosed openers, so these are our own.
    parser.inline.ruler.before("escape", "math_paren", _paren_math)
    parser.block.ruler.before("fence", "math_bracket", _bracket_math, {"alt": ["paragraph"]})
    # Keep every link and image as a token, whatever its scheme (markdown-it's
    # own check would leave a `data:` reference definition as text we could
    # not tell apart); we decide below what stays clickable.
    parser.validateLink = lambda url: True
    return parser


def _paren_math(state: StateInline, silent: bool) -> bool:
    """`\\(…\\)` as inline math, in linear time: where the next closer is
    (or that there is none) is remembered for the openers that follow."""
    src, start = state.src, state.pos + 2
    if not src.startswith("\\(", state.pos):
        return False
    known = state.env.get("math_paren")
    if known and known[0] is src and known[1] <= start and (known[2] < 0 or known[2] >= start):
        end = known[2]
    else:
        end = src.find("\\)", start)
        state.env["math_paren"] = (src, start, end)
    if end <= start:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content, token.markup = src[start:end], "\\("
    state.pos = end + 2
    return True


def _bracket_math(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """`\\[…\\]` as display math, from a line that starts with `\\[` to one that
    ends with `\\]`; a blank line or the end of its container ends the search."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    if not first.startswith("\\["):
        return False
    failed = state.env.get("math_bracket")  # (from, to, indent) of the last search that failed
    if failed and failed[0] < start < failed[1] and failed[2] == state.blkIndent:
        return False  # it would stop where that one did, with no closer
    lines, line = [first[2:]], start
    while not lines[-1].rstrip().endswith("\\]") or (line == start and len(first.rstrip()) < 4):
        line += 1
        if line >= end or state.isEmpty(line) or state.sCount[line] < state.blkIndent:
            state.env["math_bracket"] = (start, line, state.blkIndent)
            return False
        lines.append(state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]])
    lines[-1] = lines[-1].rstrip()[:-2]
    content = "\n".join(lines).strip()
    if not content:
        return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block, token.content, token.markup = True, content, "\\["
        token.map = [start, line + 1]
        state.line = line + 1
    return True


_PARSER = _parser()


def parse(text: str) -> list[Token]:
    """The block tokens of `text`, as the browser's parser would see them."""
    return _cached_parse(text)


@lru_cache(maxsize=128)
def _cached_parse(text: str) -> list[Token]:
    # A page rerun renders the same recent messages again; parse each once.
    return _PARSER.parse(text)


def prepare_markdown(text: str) -> str:
    """`text` as Markdown that renders its prose, code and math but can load or
    run nothing, and links only to http(s)/mailto with their host shown."""
    if not text:
        return ""
    if len(text) > MAX_MARKDOWN_CHARS:
        return escape_text(text)
    return _prepared(text)


@lru_cache(maxsize=128)
def _prepared(text: str) -> str:
    tree = SyntaxTreeNode(parse(text))
    return "\n\n".join(_blocks(tree.children)).strip("\n")


def too_heavy_for_markdown(text: str) -> bool:
    """Whether a browser would spend seconds laying `text` out as Markdown.

    Measured in Chromium with Streamlit 1.67: the cost grows with the square
    of the markers in prose (10,000 characters of "*a" took 1.2 s, 50,000 took
    19 s; 10,000 of "> " 2 s; a 100 KB table 24 s) and with length (1 MB of
    prose 1 s, 100,000 characters of code 3 s). Such text is shown as plain
    text instead, which costs next to nothing. Markers inside code blocks (as
    the parser finds them) do not count: code is not laid out as Markdown.
    """
    if len(text) > MAX_MARKDOWN_CHARS:
        return True
    markers = sum(text.count(marker) for marker in _MARKERS)
    if markers <= MAX_MARKUP:
        return False
    if markers > 10 * MAX_MARKUP:
        return True  # however much of it is code, too much is prose; skip the parse
    lines = text.split("\n")
    code_lines = set()
    for token in parse(text):
        if token.type in ("fence", "code_block") and token.map:
            code_lines.update(range(token.map[0], token.map[1]))
    markers = 0
    for number, line in enumerate(lines):
        if number not in code_lines:
            markers += sum(line.count(marker) for marker in _MARKERS)
    return markers > MAX_MARKUP


def escape_text(text: str) -> str:
    """`text` shown literally wherever Markdown is rendered (labels, titles, names).

    Every ASCII punctuation character is backslash-escaped (CommonMark lets any
    of them be), so no link, image, heading, math, HTML or Streamlit directive
    (`:red[…]`, `:material/…:`) can start in it. Line breaks become spaces:
    a label is one line.
    """
    return _ASCII_PUNCTUATION.sub(r"\\\1", " ".join(text.splitlines()) if text else "")


def is_safe_url(url: str) -> bool:
    """Whether a link may stay clickable: http, https or mailto, read as a browser would.

    Percent-escapes and character references are already decoded by the
    parser; controls, spaces and invisible marks are dropped before the check
    ("java\\tscript:" and "java\\u200bscript:" are refused as what they spell).
    """
    decoded = "".join(
        ch
        for ch in unquote(url)
        if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")
    ).lower()
    return any(decoded.startswith(f"{scheme}:") for scheme in SAFE_SCHEMES) and not any(
        ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url
    )


# ---------------------------------------------------------------- blocks


def _blocks(nodes: list[SyntaxTreeNode]) -> list[str]:
    return [block for node in nodes if (block := _block(node))]


def _block(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "paragraph":
        return _paragraph(_inline(node.children[0].children if node.children else []))
    if kind == "heading":
        level = int(node.tag[1])
        text = _inline(node.children[0].children if node.children else []).replace("\n", " ")
        return "#" * level + " " + text
    if kind == "blockquote":
        return _prefixed("\n\n".join(_blocks(node.children)), "> ", "> ", ">")
    if kind in ("bullet_list", "ordered_list"):
        return _list(node)
    if kind in ("fence", "code_block"):
        return _fence(node.content, node.info if kind == "fence" else "")
    if kind in ("math_block", "math_block_label"):
        return _math_block(node.content)
    if kind == "table":
        return _table(node)
    if kind == "hr":
        return "***"
    if kind == "html_block":
        return _literal_lines(node.content)
    # Anything else the parser may produce: its source, as text.
    return _literal_lines(node.content)


def _paragraph(text: str) -> str:
    # Markdown drops a paragraph's trailing spaces; a streamed piece that goes
    # on inline needs its last one (core/streaming.py), so it is kept as an entity.
    stripped = text.rstrip(" ")
    return stripped + "&#32;" * min(len(text) - len(stripped), 1)


def _literal_lines(content: str) -> str:
    lines = [escape_text(line) for line in content.split("\n") if line.strip()]
    return "\\\n".join(lines)  # a hard break between lines, as they were written


def _prefixed(text: str, first: str, rest: str, blank: str = "") -> str:
    lines = text.split("\n")
    out = [first + lines[0] if lines[0] else first.rstrip() or blank]
    out += [rest + line if line else blank for line in lines[1:]]
    return "\n".join(out)


def _list(node: SyntaxTreeNode) -> str:
    ordered = node.type == "ordered_list"
    start = int(node.attrs.get("start", 1)) if ordered else 1
    delimiter = node.markup if node.markup in (".", ")", "-", "*", "+") else "-"
    loose = any(
        child.type == "paragraph" and not child.hidden
        for item in node.children
        for child in item.children
    )
    items = []
    for number, item in enumerate(node.children, start):
        marker = f"{number}{delimiter}" if ordered else delimiter
        # A tight list's paragraphs have no blank line between them and what follows.
        body = ("\n\n" if loose else "\n").join(_blocks(item.children))
        items.append(_prefixed(body, marker + " ", " " * (len(marker) + 1)))
    return ("\n\n" if loose else "\n").join(items)


def _fence(content: str, info: str) -> str:
    longest = max((len(run) for run in _BACKTICK_RUN.findall(content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{code_language(info)}\n{content.rstrip(chr(10))}\n{fence}"


def code_language(info: str) -> str:
    """The language word of a fence's info string, or "" (the rest is dropped)."""
    word = _INFO_WORD.match(info.strip())
    return word.group(0) if word else ""


def _math_block(content: str) -> str:
    content = content.strip("\n")
    if display_math_as_code(content):
        return _fence(content, "latex")
    return f"$$\n{content}\n$$"


def display_math_as_code(content: str) -> bool:
    """Whether display math (stripped of its outer newlines) is shown as code:
    it could fetch or link, or holds what would be syntax outside math."""
    lines = content.split("\n")
    return bool(
        _FETCHING_TEX.search(content) or _NOT_MATH.search(content) or "" in map(str.strip, lines)
    )


def _table(node: SyntaxTreeNode) -> str:
    rows = [row for section in node.children for row in section.children]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            _inline(cell.children[0].children if cell.children else [], in_table=True)
            for cell in row.children
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("| " + " | ".join(_alignment(cell) for cell in row.children) + " |")
    return "\n".join(lines)


def _alignment(cell: SyntaxTreeNode) -> str:
    return {"center": ":-:", "right": "--:", "left": ":--"}.get(cell_alignment(cell), "---")


def cell_alignment(cell: SyntaxTreeNode) -> str:
    """A table cell's alignment: "left", "center", "right" or ""."""
    style = str(cell.attrs.get("style", ""))
    for alignment in ("center", "right", "left"):
        if alignment in style:
            return alignment
    return ""


# ---------------------------------------------------------------- inline


def _inline(nodes: list[SyntaxTreeNode], *, in_table: bool = False) -> str:
    return "".join(_inline_node(node, in_table) for node in nodes)


def _inline_node(node: SyntaxTreeNode, in_table: bool) -> str:
    kind = node.type
    if kind == "text":
        return escape_text(node.content)
    if kind == "softbreak":
        return "\n"
    if kind == "hardbreak":
        return "\\\n"
    if kind == "code_inline":
        return _code_span(node.content, in_table)
    if kind in ("em", "strong", "s"):
        mark = {"em": "*", "strong": "**", "s": "~~"}[kind]
        return mark + _inline(node.children, in_table=in_table) + mark
    if kind == "link":
        return _link(node, in_table)
    if kind == "image":
        return _image(node)
    if kind in ("math_inline", "math_inline_double"):
        return _math_inline(node.content, "$$" if kind == "math_inline_double" else "$", in_table)
    return escape_text(node.content)  # html_inline and anything unknown: as written


def _code_span(content: str, in_table: bool) -> str:
    if in_table:
        content = content.replace("|", "\\|")  # GFM splits cells before code spans
    longest = max((len(run) for run in _BACKTICK_RUN.findall(content)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if content[:1] in ("`", " ") or content[-1:] in ("`", " ") else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def _math_inline(content: str, mark: str, in_table: bool) -> str:
    if inline_math_as_code(content, in_table=in_table):
        return _code_span(content, in_table)
    return f"{mark}{content}{mark}"


def inline_math_as_code(content: str, *, in_table: bool = False) -> bool:
    """Whether inline math is shown as code: it could fetch or link, spans
    lines, or holds what would be syntax outside math."""
    return bool(
        "\n" in content
        or _FETCHING_TEX.search(content)
        or _NOT_MATH.search(content)
        or (in_table and "|" in content)
    )


def _link(node: SyntaxTreeNode, in_table: bool) -> str:
    href = str(node.attrs.get("href", ""))
    text = _inline(node.children, in_table=in_table)
    if not is_safe_url(href):
        return f"{text} {escape_text('(' + shown_destination(href) + ')')}"
    return f"[{text}](<{_destination(href)}>){_where(href, plain_text(node))}"


def _image(node: SyntaxTreeNode) -> str:
    """An image as a link to it (a click, never a load), or as text."""
    src = str(node.attrs.get("src", ""))
    alt = escape_text(node.content or "image")
    if not is_safe_url(src):
        return f"{alt} {escape_text('(' + shown_destination(src) + ')')}"
    return f"[🖼 {alt}](<{_destination(src)}>){_where(src, '')}"


def _destination(url: str) -> str:
    # markdown-it has already percent-encoded it; what would end or break the
    # `<…>` form is encoded again, to be sure.
    return url.replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def _where(url: str, shown: str) -> str:
    """ " (host)" after a link, unless its text already says where it goes."""
    target = link_target(url, shown)
    return " " + escape_text(f"({target})") if target else ""


def link_target(url: str, shown: str) -> str:
    """Where a safe link goes (its host, or a mailto's address), to show after
    it; "" when its text `shown` already says so."""
    if url.lower().startswith("mailto:"):
        target = unquote(url[len("mailto:") :])
    else:
        target = urlsplit(url).hostname or ""
    return "" if not target or target in shown else target


def plain_text(node: SyntaxTreeNode) -> str:
    """The text a link shows, without its markup."""
    return "".join(child.content for child in node.walk() if child.type in ("text", "code_inline"))


def shown_destination(url: str) -> str:
    """An unsafe link's or an image's destination as shown in text: decoded, shortened."""
    url = unquote(url)
    return url if len(url) <= _SHOWN_URL_CHARS else url[:_SHOWN_URL_CHARS] + "…"
