"""Splitting a growing text into settled blocks and a live tail.

Re-sending a whole answer on every update (what `st.write_stream` does)
costs the square of its length. The page renders each settled block once,
in its own element, and re-sends only the tail. A block settles at a blank
line outside a code fence; a tail that grows long without one is settled at
a line break (closing and reopening a code fence if it is inside one, never
inside a table), so what is re-sent stays short whatever the answer's shape.

A paragraph is usually one long line, and models write paragraphs of a
thousand characters and more (Chinese answers especially); re-sending the
whole paragraph ten times a second would be most of the bytes. So a plain
paragraph line is also cut into pieces, at a sentence end once a piece is
`PIECE_MIN` characters long, where its inline markup is balanced. A piece
is "open-ended": the next block continues the same paragraph, and the page
shows them inline, as one paragraph (ui/live.py, ui/theme.py). Any other
line longer than `HARD_LIMIT` (a list item, a heading, one enormous token)
is cut at a space, or anywhere past twice that, and shown as blocks of its
own until the answer is done: the bytes stay linear whatever the model writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.fences import closes_fence, fence_opening, unclosed_fence
from core.markdown import MAX_MARKUP

TAIL_LIMIT = 600  # characters of tail before a line break settles it
PIECE_MIN = 160  # a paragraph piece is at least this long before a sentence end cuts it
HARD_LIMIT = 4 * TAIL_LIMIT  # past this, any line but a table row or code is cut
# What starts a Markdown block other than a paragraph: headings, quotes, lists,
# tables, HTML, fences, display math, indented code.
_BLOCK_START = re.compile(r" {0,3}(?:[#>|<]|[*+-](?:\s|$)|\d{1,9}[.)](?:\s|$)|```|~~~|\$\$)|\s{4}")
_SENTENCE_END = re.compile(r"[.!?…](?=\s)|[。！？；]")
_SPACE_AFTER = "&#32;"  # Markdown strips a trailing space; the entity survives as one


@dataclass(frozen=True)
class Split:
    settled: list[str]
    tail: str
    # Indexes of settled blocks that end mid-paragraph: the next block (or the
    # tail) continues the same paragraph and is shown inline after them.
    open_ended: frozenset[int] = frozenset()


def split_settled(text: str, tail_limit: int = TAIL_LIMIT) -> Split:
    """Cut `text` into blocks that will not change and a tail that may.

    How the text is cut decides only how it looks while it streams: each block
    and the tail are made inert on their own (core/markdown.prepare_markdown),
    whatever this scanner makes of them (tests/test_markdown_safety.py checks
    every block of every payload). It is not markdown-it's block parser because
    that re-parse costs 11-23 ms per frame for a 15 KB answer (this scan under
    1 ms), growing with it, four times a second for every answer being written.
    Where a code block opens and closes is CommonMark's rule, shared with
    markdown-it (core/fences.py, tests/test_fences.py).
    """
    # Line ends as the Markdown parser reads them: a lone CR is one too.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    partial = lines.pop()  # the last line may still be growing
    settled: list[str] = []
    open_ended: set[int] = set()
    current: list[str] = []
    fence: str | None = None  # the opening line of the fence we are in
    run = ""  # its marker run ("```", "~~~~"): what closes it (core/fences.py)
    size = 0
    cells = 0  # table cell markers in `current`
    for index, line in enumerate([*lines, partial]):
        complete = index < len(lines)
        opening = fence_opening(line) if fence is None else None
        if fence is None and opening is None and not _in_table(line):
            pieces, line = _cut(line, current)
            for piece, joins in pieces:
                settled.append(piece)
                if joins:
                    open_ended.add(len(settled) - 1)
                current, size, cells = [], 0, 0
        if not complete:
            current.append(line)
            break
        if opening is not None:
            fence, run = line, opening
        elif fence is not None and closes_fence(line, run):
            fence = None
        elif fence is None and not line.strip():
            if current:
                settled.append("\n".join(current))
                current, size, cells = [], 0, 0
            continue
        current.append(line)
        size += len(line) + 1
        cells += line.count("|")
        # A table is kept whole, unless it is so big that it will be shown as
        # plain text anyway (the render budget): then it is cut like prose, or
        # the whole of it would be re-sent with every update.
        if size > tail_limit and (not _in_table(line) or cells > MAX_MARKUP):
            if fence is None:
                settled.append("\n".join(current))
                current, size, cells = [], 0, 0
            elif line is not fence:
                settled.append("\n".join([*current, run]))
                current, size = [fence], len(fence) + 1
    return Split(settled, "\n".join(current), frozenset(open_ended))


def _cut(line: str, current: list[str]) -> tuple[list[tuple[str, bool]], str]:
    """Settled pieces of a long line, each with whether the paragraph goes on
    inline after it, and what is left of the line.

    The first piece carries the block's earlier lines (`current`). A cut is
    made only once a non-space character follows it, and the earliest cut
    wins, so a piece never changes as the line grows.
    """
    paragraph = all(_is_paragraph_line(part) for part in [*current, line])
    pieces: list[tuple[str, bool]] = []
    start = 0
    while (cut := _next_cut(line, start, paragraph)) is not None:
        end, resume = cut
        piece = line[start:end]
        if start:
            piece = _escape_block_start(piece)
        if paragraph and resume > end:
            piece += _SPACE_AFTER
        pieces.append(("\n".join([*current, piece]), paragraph))
        current, start = [], resume
    rest = line[start:]
    return pieces, _escape_block_start(rest) if start else rest


def _next_cut(line: str, start: int, paragraph: bool) -> tuple[int, int] | None:
    """(end of the piece, start of the rest), or None.

    A paragraph is cut at its first sentence end at least PIECE_MIN
    characters in where the piece's markup is balanced; any line, at its
    first space HARD_LIMIT characters in, or, if it has none there, at twice
    that. The earliest wins, once something other than spaces follows it.
    """
    candidates = []
    if paragraph:
        ends = _SENTENCE_END.finditer(line, start + PIECE_MIN)
        balanced = (f.end() for f in ends if _balanced(line[start : f.end()]))
        candidates.append(next(balanced, None))
    space = _SPACE.search(line, start + HARD_LIMIT, start + 2 * HARD_LIMIT + 1)
    if space:
        candidates.append(space.start())
    elif len(line) > start + 2 * HARD_LIMIT:
        candidates.append(start + 2 * HARD_LIMIT)
    found = [c for c in candidates if c is not None]
    if not found:
        return None
    end = min(found)
    resume = _after_spaces(line, end)
    return (end, resume) if resume < len(line) else None


_SPACE = re.compile(r"\s")


def _after_spaces(line: str, index: int) -> int:
    while index < len(line) and line[index].isspace():
        index += 1
    return index


def _is_paragraph_line(line: str) -> bool:
    return bool(line.strip()) and not _BLOCK_START.match(line)


def _balanced(text: str) -> bool:
    """No emphasis, code span, math, link or parenthesis left open in `text`."""
    return (
        text.count("**") % 2 == 0
        and text.count("`") % 2 == 0
        and text.replace("\\$", "").count("$") % 2 == 0
        and text.count("[") == text.count("]")
        and text.count("(") == text.count(")")
    )


def _escape_block_start(piece: str) -> str:
    """The rest of a cut line, with anything that would start a block escaped
    ("2. Then" is text here, not a list)."""
    piece = piece.lstrip()
    numbered = re.match(r"(\d+)([.)])", piece)
    if numbered:
        return numbered.group(1) + "\\" + piece[numbered.end(1) :]
    if piece[:1] and piece[0] in "#>|<*+-=$~`":
        return "\\" + piece
    return piece


def _in_table(line: str) -> bool:
    return line.lstrip().startswith("|")


def close_open_markup(tail: str) -> str:
    """The live tail with unclosed `**`, `` ` `` and code fences closed, for display only.

    A half-written "**bold" would otherwise show its asterisks until the
    closing pair arrives; the stored text is never changed.
    """
    run = unclosed_fence(tail.split("\n"))
    if run is not None:
        return f"{tail}\n{run}"
    if tail.count("`") % 2:
        tail += "`"
    if tail.count("**") % 2:
        tail += "**"
    return tail
