"""Where a fenced code block opens and where it closes, as CommonMark says.

The one definition of a fence for code that scans Markdown line by line (the
streaming split and its live tail, core/streaming.py; citation links,
core/websearch/citations.py); the inert renderer (core/markdown.py)
gets the same answer from markdown-it's block parser, and
tests/test_fences.py checks the two agree. They used to disagree: a
"```python" line inside a code block closed it for the streaming split (a
closing fence has no info string), and "```a`b" opened one (a backtick
fence's info string has no backtick), so a streaming answer was cut where
the finished one is not.

Only top-level fences are followed: one inside a list item or a quote is
left to the tail, which is parsed whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Up to three spaces of indent (four make indented code; a tab counts as four).
_OPENING = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_CLOSING = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")


def fence_opening(line: str) -> str | None:
    """The marker run ("```", "~~~~") if `line` opens a fenced code block, else None."""
    match = _OPENING.fullmatch(line)
    if match is None:
        return None
    run, info = match.groups()
    if run[0] == "`" and "`" in info:
        return None  # inline code spans, not a fence
    return run


def closes_fence(line: str, run: str) -> bool:
    """Whether `line` closes the block opened with the marker run `run`: the same
    character, at least as many, and nothing after but spaces."""
    match = _CLOSING.fullmatch(line)
    return match is not None and match.group(1)[0] == run[0] and len(match.group(1)) >= len(run)


def unclosed_fence(lines: Iterable[str]) -> str | None:
    """The marker run of the fence `lines` leave open at their end, else None."""
    run: str | None = None
    for line in lines:
        if run is None:
            run = fence_opening(line)
        elif closes_fence(line, run):
            run = None
    return run
