"""Reasoning arrives three ways; the user always sees it in its own panel."""

import pytest

from core.events import Answer, AnswerWasReasoning, Reasoning
from core.reasoning import ReasoningNormalizer


def run(pieces: list[tuple[str, str]]) -> tuple[str, str]:
    """Feed (reasoning field, content) pairs; return the (reasoning, answer) a user sees."""
    normalizer = ReasoningNormalizer()
    events = []
    for field, content in pieces:
        events.extend(normalizer.feed(field, content))
    events.extend(normalizer.finish())
    reasoning, answer = "", ""
    for event in events:
        if isinstance(event, Reasoning):
            reasoning += event.text
        elif isinstance(event, Answer):
            answer += event.text
        elif isinstance(event, AnswerWasReasoning):
            reasoning, answer = answer + reasoning, ""
    return reasoning, answer


def test_reasoning_field_then_content():
    assert run([("Let me ", ""), ("think.", ""), ("", "The answer"), ("", " is 4.")]) == (
        "Let me think.",
        "The answer is 4.",
    )


def test_inline_think_tags():
    assert run([("", "<think>\nWeigh it.</think>\n\nFour.")]) == ("Weigh it.", "Four.")


@pytest.mark.parametrize("cut", range(1, 30))
def test_tags_split_across_chunks_at_every_position(cut):
    text = "<think>step one</think>\n\nDone."
    assert run([("", text[:cut]), ("", text[cut:])]) == ("step one", "Done.")


def test_tags_split_into_single_characters():
    text = "  <think>a</think>b"
    assert run([("", ch) for ch in text]) == ("a", "b")


def test_missing_opening_tag_moves_early_text_to_reasoning():
    assert run([("", "I should add them."), ("", "</thi"), ("", "k>"), ("", "</think>4")]) == (
        "I should add them.</thik>",
        "4",
    )


def test_missing_opening_tag_simple():
    assert run([("", "Hmm, 2+2.\n"), ("", "</think>\n\n4")]) == ("Hmm, 2+2.\n", "4")


def test_plain_answer_without_reasoning_is_untouched():
    assert run([("", "Just "), ("", "an answer, with <b>tags</b>.")]) == (
        "",
        "Just an answer, with <b>tags</b>.",
    )


def test_close_tag_in_answer_after_field_reasoning_is_text():
    # A model that reasoned through the field and then writes "</think>" in
    # its answer (explaining tags, say) keeps it as answer text.
    assert run([("thinking", ""), ("", "Use </think> to close.")]) == (
        "thinking",
        "Use </think> to close.",
    )


def test_stream_ending_inside_partial_tag_flushes_it():
    assert run([("", "<think>abc</th")]) == ("abc</th", "")
