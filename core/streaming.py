"""Splitting a growing text into settled blocks and a live tail.

Re-sending a whole answer on every update (what `st.write_stream` does)
costs the square of its length. The page renders each settled block once,
in its own element, and re-sends only the tail. A block settles at a blank
line outside a code fence; a tail that grows long without one is settled at
a line break (closing and reopening a code fence if it is inside one, never
inside a table), so what is re-sent stays short whatever the answer's shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^\s{0,3}(```+|~~~+)")
TAIL_LIMIT = 600  # characters of tail before a line break settles it


@dataclass(frozen=True)
class Split:
    settled: list[str]
    tail: str


def split_settled(text: str, tail_limit: int = TAIL_LIMIT) -> Split:
    """Cut `text` into blocks that will not change and a tail that may."""
    lines = text.split("\n")
    partial = lines.pop()  # the last line may still be growing
    settled: list[str] = []
    current: list[str] = []
    fence: str | None = None  # the opening line of the fence we are in
    size = 0
    for line in lines:
        marker = _FENCE.match(line)
        if marker and fence is None:
            fence = line
        elif marker and fence is not None and line.strip().startswith(_fence_token(fence)):
            fence = None
        elif fence is None and not line.strip():
            if current:
                settled.append("\n".join(current))
                current, size = [], 0
            continue
        current.append(line)
        size += len(line) + 1
        if size > tail_limit and not _in_table(line):
            if fence is None:
                settled.append("\n".join(current))
                current, size = [], 0
            elif line is not fence:
                settled.append("\n".join([*current, _fence_token(fence)]))
                current, size = [fence], len(fence) + 1
    tail = "\n".join([*current, partial]) if current else partial
    return Split(settled, tail)


def _fence_token(opening: str) -> str:
    match = _FENCE.match(opening)
    return match.group(1) if match else "```"


def _in_table(line: str) -> bool:
    return line.lstrip().startswith("|")


def close_open_markup(tail: str) -> str:
    """The live tail with unclosed `**`, `` ` `` and code fences closed, for display only.

    A half-written "**bold" would otherwise show its asterisks until the
    closing pair arrives; the stored text is never changed.
    """
    fences = sum(1 for line in tail.split("\n") if _FENCE.match(line))
    if fences % 2:
        return tail + "\n```"
    if tail.count("`") % 2:
        tail += "`"
    if tail.count("**") % 2:
        tail += "**"
    return tail
