"""Streaming splits, Markdown preparation, titles and input cleaning."""

import pytest

from core.markdown import prepare_markdown
from core.streaming import HARD_LIMIT, PIECE_MIN, close_open_markup, split_settled
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


MODEL_PROSE = (
    "Models write **long paragraphs**. They explain (at length) what `f(x)` does, "
    "quote prices like $5 and math like $x^2$, and number things: 2. is not a list "
    "here. Then they go on! 模型也会写很长的中文段落。每一句都以句号结束；有时不是。"
    "- a dash mid-line is no list either. # Nor is this a heading? "
)


@pytest.mark.parametrize(
    "text",
    [
        MODEL_PROSE * 12 + "\n\n" + MODEL_PROSE * 6,
        "- item " + "word " * 1500 + "\n\nafter",
        "x" * (5 * HARD_LIMIT),
        "Intro line\n" + MODEL_PROSE * 10,
    ],
)
def test_pieces_and_their_open_ends_never_change_as_text_grows(text):
    previous = split_settled("")
    for end in range(1, len(text) + 1, 7):
        split = split_settled(text[:end])
        assert split.settled[: len(previous.settled)] == previous.settled
        assert split.open_ended >= previous.open_ended
        previous = split


def test_a_long_paragraph_is_cut_into_pieces_shown_as_one():
    text = MODEL_PROSE * 20  # one line, about 4,800 characters
    split = split_settled(text)
    assert len(split.tail) < PIECE_MIN + len(MODEL_PROSE)
    assert split.open_ended == frozenset(range(len(split.settled)))  # all one paragraph
    shown = "".join([*split.settled, split.tail]).replace("&#32;", " ")
    assert shown.replace("\\", "").replace(" ", "") == text.replace(" ", "")
    for piece in [*split.settled[1:], split.tail]:
        assert not piece.startswith(("2.", "-", "#"))  # escaped: text, not a list or heading


def test_a_piece_never_ends_inside_markup():
    text = "**Bold that runs. Over several sentences. Until here.** " * 40
    for piece in split_settled(text).settled:
        assert piece.count("**") % 2 == 0


def test_any_very_long_line_keeps_the_tail_bounded():
    for line in ("- " + "item " * 3000, "z" * 20 * HARD_LIMIT):
        assert len(split_settled(line).tail) <= 2 * HARD_LIMIT + 1


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
        ("It costs $5 or $10", "It costs \\$5 or \\$10"),
        ("Let $x$ be real", "Let $x$ be real"),
        ("Inline \\(a^2\\) and\n\\[\nb\n\\]", "Inline $a^2$ and\n\n$$\nb\n$$"),
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
    assert clean_text("NUL\x00 as CommonMark shows it") == "NUL\ufffd as CommonMark shows it"
    assert clean_text("bell\x07 escape\x1b kept") == "bell\x07 escape\x1b kept"


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
