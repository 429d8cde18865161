"""One definition of a fenced code block: the line scanners (core/fences.py, used
by the streaming split and citation links) agree with markdown-it, the parser the
inert renderer uses, on which lines are code, and the streaming split never
settles a block inside a code block the finished answer shows as one."""

import pytest

from core.fences import closes_fence, fence_opening, unclosed_fence
from core.markdown import parse
from core.streaming import close_open_markup, split_settled

DOCUMENTS = {
    "plain": "Text\n\n```\ncode\n```\n\nmore",
    "info string": "```python\nx = 1\n```\nafter",
    "tilde": "~~~\nx\n~~~\nafter",
    "longer closing": "````\nx\n``````\nafter",
    "shorter run is content": "````\nx\n```\ny\n````\nafter",
    "other character is content": "```\nx\n~~~\ny\n```\nafter",
    "closing has no info string": "```\nx\n```python\n\ny\n```\nafter",
    "closing may have trailing spaces": "```\nx\n```   \nafter",
    "three spaces of indent": "   ```\nx\n   ```\nafter",
    "four spaces is indented code": "    ```\nx\n\n```\ny\n```",
    "backtick in a backtick info string": "```a`b\n\nnot code\n\n```\nreal code\n```",
    "backtick in a tilde info string": "~~~a`b\ncode\n~~~\nafter",
    "never closed": "```\nx\n\ny",
    "two in a row": "```\na\n```\n```\nb\n```",
    "too short": "``\nx\n``",
}


def lines_in_code_by_markdown_it(text: str) -> set[int]:
    """Line numbers of top-level fenced code blocks, fences included."""
    return {
        line
        for token in parse(text)
        if token.type == "fence" and token.level == 0
        for line in range(*token.map)
    }


def lines_in_code_by_scanner(text: str) -> set[int]:
    inside: set[int] = set()
    run = None
    for number, line in enumerate(text.split("\n")):
        if run is None:
            run = fence_opening(line)
            if run is not None:
                inside.add(number)
        else:
            inside.add(number)
            if closes_fence(line, run):
                run = None
    return inside


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_the_scanner_and_markdown_it_see_the_same_code_blocks(text):
    assert lines_in_code_by_scanner(text) == lines_in_code_by_markdown_it(text)


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_a_streaming_block_never_ends_inside_a_code_block(text):
    """Blocks settle at blank lines: never at one inside a code block, so every
    code block markdown-it finds is whole in one block (settled, or the tail)."""
    split = split_settled(text + "\n\nend")
    code = [(t.map[0], t.map[1]) for t in parse(text) if t.type == "fence" and t.level == 0]
    blocks = [*split.settled, split.tail]
    found = [(t.map, b) for b in blocks for t in parse(b) if t.type == "fence"]
    assert len(found) == len(code)
    for (start, end), (_, block) in zip(code, found, strict=True):
        assert "\n".join(text.split("\n")[start:end]) in block


def test_a_line_with_an_info_string_does_not_close_a_code_block_while_it_streams():
    text = "```\nx = 1\n```python\n\ny = 2\n"
    split = split_settled(text)
    assert split.settled == []  # one code block, still open: nothing settled at the blank line
    assert split.tail == text
    assert close_open_markup(split.tail) == text + "\n```"


def test_the_live_tail_is_closed_with_the_fence_it_opened():
    assert close_open_markup("~~~\nx") == "~~~\nx\n~~~"
    assert close_open_markup("````\nx\n```") == "````\nx\n```\n````"
    assert unclosed_fence(["```", "x", "```"]) is None
