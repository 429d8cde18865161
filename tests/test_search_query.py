"""The search query made from the conversation: follow-ups are searched with
the question they follow, standalone questions on their own (rule-based)."""

import pytest

from core.websearch.query import MAX_QUERY_CHARS, is_follow_up, search_query


@pytest.mark.parametrize(
    ("questions", "query"),
    [
        (["GDP growth of China in 2023?", "and in 2024?"], "GDP growth of China in 2023? in 2024?"),
        (
            ["GDP growth of China in 2023?", "and in 2024?", "What about India?"],
            "GDP growth of China in 2023? in 2024? India?",
        ),
        (["Who wrote Dream of the Red Chamber?", "When did he die?"],
         "Who wrote Dream of the Red Chamber? When did he die?"),
        (["北京今天天气怎么样？", "那上海呢？"], "北京今天天气怎么样？ 上海呢？"),
        (["北京今天天气怎么样？", "明天呢"], "北京今天天气怎么样？ 明天呢"),
        # A new standalone question is searched alone, whatever came before.
        (["GDP growth of China in 2023?", "What happened this week in Tokyo?"],
         "What happened this week in Tokyo?"),
        (["北京今天天气怎么样？", "上海明天会下雨吗？"], "上海明天会下雨吗？"),
        (["first", "Best ramen restaurants in Osaka"], "Best ramen restaurants in Osaka"),
        ([], ""),
    ],
)  # fmt: skip
def test_queries_carry_the_context_a_follow_up_needs(questions, query):
    assert search_query(questions) == query


def test_a_follow_up_chain_stops_at_the_question_it_leans_on():
    questions = [
        "Old unrelated question about Paris museums",
        "What is the population of Lagos?",
        "and 1990?",
    ]
    assert search_query(questions) == "What is the population of Lagos? 1990?"  # not Paris


def test_the_query_is_one_capped_line_keeping_the_newest_words():
    query = search_query(["word " * 100 + "\n\nabout the harbour", "and tomorrow?"])
    assert len(query) <= MAX_QUERY_CHARS and "\n" not in query
    assert query.endswith("about the harbour tomorrow?")


def test_what_counts_as_a_follow_up():
    assert is_follow_up("and tomorrow?") and is_follow_up("How about Kyoto?")
    assert is_follow_up("Is it safe for children?") and is_follow_up("还有呢？")
    assert not is_follow_up("Is the harbour bridge open to cyclists today?")
    assert not is_follow_up("上海明天会下雨吗？")
