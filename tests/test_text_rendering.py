"""Streaming splits, Markdown preparation, titles and input cleaning."""

import pytest

from core.markdown import prepare_markdown
from core.streaming import close_open_markup, split_settled
from core.text import auto_title, clean_text, is_blank
from core.tokens import Turn, fit_history


def test_settled_blocks_never_change_as_text_grows():
    text = (
        "# T\n\npara one\nline two\n\n```py\nx = 1\n\ny = 2\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nend"
    )
    text = text * 20
    previous: list[str] = []
    for end in range(1, len(text) + 1):
        split = split_settled(text[:end], tail_limit=60)
        assert split.settled[: len(previous)] == previous
        previous = split.settled
        assert "\n".join(split.settled) or split.tail


def test_long_paragraph_without_blank_lines_keeps_a_short_tail():
    text = "\n".join(f"line {i} with some words" for i in range(500))
    assert len(split_settled(text).tail) < 700


def test_code_fence_is_closed_and_reopened_when_split():
    text = "```python\n" + "\n".join(f"x{i} = {i}" for i in range(300)) + "\n"
    split = split_settled(text, tail_limit=100)
    assert all(block.startswith("```python") and block.endswith("```") for block in split.settled)
    assert split.tail.startswith("```python")


def test_tail_markup_is_closed_for_display():
    assert close_open_markup("This is **bold") == "This is **bold**"
    assert close_open_markup("call `f(x") == "call `f(x`"
    assert close_open_markup("```py\nx = 1") == "```py\nx = 1\n```"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("It costs $5 or $10.", "It costs \\$5 or \\$10."),
        ("Let $x$ be real.", "Let $x$ be real."),
        ("Inline \\(a^2\\) and display \\[b\\]", "Inline $a^2$ and display $$b$$"),
        ("```\n$5 \\(k\\)\n```", "```\n$5 \\(k\\)\n```"),
        ("`$5` stays", "`$5` stays"),
    ],
)
def test_markdown_math_and_currency(source, expected):
    assert prepare_markdown(source) == expected


def test_titles_are_short_and_clean():
    assert auto_title("# Hello **world**\nsecond line") == "Hello world"
    long = auto_title("Please explain the difference between TCP and UDP in networking terms")
    assert long.endswith("…") and len(long) <= 41
    assert len(auto_title("请详细解释一下量子计算和经典计算之间的根本区别是什么")) <= 21


def test_blank_and_lone_surrogates():
    assert is_blank(" \n\t\u200b") and not is_blank(" a ")
    assert clean_text("ok \ud800 end") == "ok \ufffd end"
    assert clean_text("pair \ud83d\ude00") == "pair 😀"
    assert clean_text("NUL\x00 kept") == "NUL\x00 kept"


def test_history_trimming_drops_oldest_and_keeps_the_question():
    turns = [Turn("system", "be brief", 3)]
    for i in range(10):
        turns += [Turn("user", f"q{i}", 100), Turn("assistant", f"a{i}", 100)]
    turns.append(Turn("user", "last", 100))
    fitted = fit_history(turns, budget=650)
    assert fitted.turns[0].role == "system"
    assert fitted.turns[-1].content == "last"
    assert fitted.turns[1].role == "user"  # never starts with an assistant turn
    assert fitted.dropped == len(turns) - len(fitted.turns)
    assert fitted.prompt_tokens <= 650
