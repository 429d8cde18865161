"""What the leaderboard reads from a battle's text: style, categories, de-blinding,
and which votes each board is fitted on (real SQLite database)."""

import pytest

from core.arena_board import (
    BoardOptions,
    VoteAnnotations,
    annotated_votes,
    category_counts,
    fit_board,
)
from core.battle_categories import categories, language_of
from core.deblinding import is_deblinded, self_identification
from core.store import comparisons as comparison_store
from core.store.users import local_user
from core.style import Style, style_of, word_count
from tests.battle_helpers import judged_battle

# --- style ---------------------------------------------------------------------------


def test_style_counts_headers_bold_and_list_items_outside_code():
    answer = (
        "# Plan\n\nSome **bold** and __strong__ words.\n\n"
        "- first\n- second\n  * nested\n1. one\n2) two\n\n"
        "```python\n# a comment, not a header\n- not a list\nx = '**not bold**'\n```\n"
        "## Done\n"
    )
    style = style_of([answer])
    assert (style.headers, style.bold, style.lists) == (2, 2, 5)


def test_style_sums_the_turns_of_a_side():
    assert style_of(["# A\n- x", "# B\n**y**"]) == Style(
        length=word_count("# A\n- x") + word_count("# B\n**y**"), headers=2, bold=1, lists=1
    )


def test_length_counts_words_and_each_chinese_character():
    assert word_count("Hello, world!") == 2
    assert word_count("你好，世界") == 4
    assert word_count("用 Python 3 写") == 4  # 用, Python, 3, 写


def test_plain_prose_has_no_markdown():
    assert style_of(["Just a sentence * with a star and 3 * 4 = 12."]).as_tuple()[1:] == (0, 0, 0)


# --- categories ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "language"),
    [
        ("Write a poem about autumn", "en"),
        ("hello", "en"),
        ("Fibonacci in Rust", "en"),
        ("写一首关于秋天的诗", "zh"),
        ("用Python写一个快速排序，要求使用 recursion", "zh"),  # English terms stay Chinese
        ("日本語で答えてください", None),  # kana: Japanese
        ("Bonjour, comment ça va aujourd'hui?", None),
        ("Привет, как дела?", None),
        ("", None),
    ],
)
def test_language_of_the_prompt(prompt, language):
    assert language_of([prompt]) == language


def test_code_in_english_and_chinese():
    assert "code" in categories(["How do I reverse a list in Python?"], [])
    assert "code" in categories(["这个函数为什么报错？"], [])
    assert "code" in categories(["def f(x):\n    return x +"], [])
    assert "code" in categories(["Explain this"], ["```js\nconsole.log(1)\n```"])
    assert "code" not in categories(["Tell me a story about a barcode scanner"], ["Once…"])


def test_math_in_english_and_chinese():
    assert "math" in categories(["What is 17 * 23?"], [])
    assert "math" in categories(["Solve x^2 - 4 = 0"], [])
    assert "math" in categories(["求 $\\int_0^1 x^2 dx$"], [])
    assert "math" in categories(["解方程 3x + 2 = 11"], [])
    assert "math" not in categories(["我在 2024-05-01 到北京"], [])  # a date is not a sum
    assert "math" not in categories(["Write a haiku about rain"], [])


def test_long_prompt_and_multi_turn():
    long_english = " ".join(["word"] * 500)
    long_chinese = "字" * 500
    assert "long" in categories([long_english], [])
    assert "long" in categories([long_chinese], [])
    assert "long" not in categories(["word " * 499], [])
    assert "multi_turn" in categories(["Hi", "And then?"], ["Hello", "More"])
    assert "multi_turn" not in categories(["Hi"], ["Hello"])


# --- de-blinding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "我是DeepSeek，很高兴为您服务！",
        "你好！我是通义千问，由阿里云开发。",
        "我是由深度求索公司开发的智能助手。",
        "作为一个由OpenAI训练的语言模型，我无法浏览网页。",
        "我叫豆包。",
        "As an OpenAI model, I cannot browse the web.",
        "I am Claude, an AI assistant made by Anthropic.",
        "Hi! I'm ChatGPT.",
        "I'm an AI assistant developed by DeepSeek.",
        "Hello! I am a large language model, trained by Google.",
        "As Gemini, I should note that…",
        "Hello, I am Demo Thinker.",  # a model of the catalog
    ],
)
def test_answers_that_name_their_model_or_maker_are_flagged(answer):
    assert self_identification(answer, ("Demo Thinker",)) is not None


@pytest.mark.parametrize(
    "answer",
    [
        "GPT-4 was released by OpenAI in 2023.",
        "Claude 是 Anthropic 开发的模型。",
        "I am using Claude at work and it helps.",
        "As a Google search shows, the answer is 42.",
        "I am an AI assistant.",
        "As an AI, I have no feelings.",
        "我是说 GPT-4 的上下文更长。",
        "The metadata says I am metaphorically correct.",
        "我是一个AI助手，可以帮你写代码。",
    ],
)
def test_mentions_that_do_not_identify_the_speaker_are_not_flagged(answer):
    assert self_identification(answer) is None


def test_a_battle_is_deblinded_if_any_turn_of_either_side_names_a_model():
    assert is_deblinded(["Sure.", "Fine.", "By the way, I'm Claude."])
    assert not is_deblinded(["Sure.", "Fine."])


# --- which votes a board is fitted on (stored battles) -------------------------------


def test_boards_select_votes_by_category_and_leave_deblinded_battles_out(db):
    user = local_user()
    for _ in range(3):
        judged_battle(user.id, "m1", "m2", "a", prompts=["Write a poem"])
    judged_battle(
        user.id, "m1", "m2", "b", prompts=["写一首诗"], answers_a=["好"], answers_b=["嗯"]
    )
    judged_battle(
        user.id, "m1", "m2", "b", prompts=["Who are you?"],
        answers_a=["A helper."], answers_b=["I am Claude."],
    )  # fmt: skip
    judged_battle(user.id, "m2", "m1", "a", prompts=["Hi", "And 2 + 2?"])
    deleted = judged_battle(user.id, "m2", "m1", "tie", prompts=["Sort a list in Python"])
    comparison_store.delete_comparison(user.id, deleted)

    votes = annotated_votes()
    assert len(votes) == 7
    assert sum(v.deblinded for v in votes) == 1
    assert sum(not v.text_known for v in votes) == 1
    counts = category_counts(votes)
    assert (counts["en"], counts["zh"], counts["multi_turn"], counts["math"]) == (4, 1, 1, 1)
    assert counts["code"] == 0  # the coding battle was deleted: its category is unknown

    everything = fit_board(votes, BoardOptions(), rounds=10)
    assert (everything.used, everything.deblinded_left_out, everything.without_text) == (6, 1, 0)
    with_deblinded = fit_board(votes, BoardOptions(include_deblinded=True), rounds=10)
    assert (with_deblinded.used, with_deblinded.deblinded_left_out) == (7, 0)
    chinese = fit_board(votes, BoardOptions(category="zh"), rounds=10)
    assert chinese.used == 1 and chinese.board.ratings[0].model_id == "m2"
    styled = fit_board(votes, BoardOptions(style_control=True), rounds=10)
    assert (styled.used, styled.without_text) == (5, 1)
    assert len(styled.board.style_effects) == 4
    english_styled = fit_board(votes, BoardOptions(style_control=True, category="en"), rounds=10)
    assert (english_styled.used, english_styled.deblinded_left_out) == (4, 1)


def test_annotations_are_kept_between_refits_and_follow_deleted_battles(db):
    user = local_user()
    first = judged_battle(user.id, "m1", "m2", "a", prompts=["Write a poem"])
    judged_battle(
        user.id, "m1", "m2", "b", prompts=["写一首诗"], answers_a=["好"], answers_b=["嗯"]
    )
    annotations = VoteAnnotations()
    before = annotations.refresh()
    judged_battle(user.id, "m2", "m1", "a", prompts=["What is 2 + 2?"])
    after = annotations.refresh()
    assert len(after) == 3
    assert after[0] is before[0] and after[1] is before[1]  # not read again
    assert "math" in after[2].categories

    comparison_store.delete_comparison(user.id, first)
    deleted = annotations.refresh()
    assert not deleted[0].text_known and deleted[0].categories == frozenset()
    assert deleted[1] is before[1]


def test_annotations_keep_no_text_and_no_user(db):
    user = local_user()
    judged_battle(
        user.id, "m1", "m2", "a", prompts=["my secret plan xq17"],
        answers_a=["answer zz42 **bold**"], answers_b=["我是秘密回答"],
    )  # fmt: skip
    kept = repr(annotated_votes()) + repr(VoteAnnotations().refresh())
    for text in ("xq17", "zz42", "秘密", "bold", user.username):
        assert text not in kept
