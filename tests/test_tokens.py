"""What a model is sent when a conversation outgrows its context window, and the
token counts behind it (core/tokens.py): the oldest turns go first, the system
prompt and the question never do, and nothing is cut inside a character."""

from __future__ import annotations

from core.tokens import (
    MESSAGE_OVERHEAD,
    REPLY_PRIMING,
    Turn,
    count_text,
    fit_history,
    input_budget,
    truncate_to_tokens,
)


def conversation(pairs: int, tokens: int = 100) -> list[Turn]:
    """A system prompt, `pairs` questions with their answers, and a new question."""
    turns = [Turn("system", "be brief", 3)]
    for i in range(pairs):
        turns += [Turn("user", f"q{i}", tokens), Turn("assistant", f"a{i}", tokens)]
    return [*turns, Turn("user", "last", tokens)]


def test_counts_are_real_tokens_from_the_bundled_encoding():
    # The character estimate (len // 3) would say 3 and 1: the encoding loaded offline.
    assert count_text("hello world") == 2
    assert count_text("你好，世界") == 6
    assert count_text("") == 0
    assert Turn.of("user", "hello world").tokens == 2


def test_a_history_that_fits_is_sent_whole():
    turns = conversation(3)
    fitted = fit_history(turns, budget=10_000)
    assert fitted.turns == tuple(turns)
    assert fitted.dropped == 0
    assert fitted.prompt_tokens == REPLY_PRIMING + sum(t.tokens + MESSAGE_OVERHEAD for t in turns)


def test_the_oldest_turns_go_first_and_the_newest_stay():
    fitted = fit_history(conversation(10), budget=540)
    contents = [t.content for t in fitted.turns]
    # 540 holds the system prompt (7), the priming (3) and five turns of 104.
    assert contents == ["be brief", "q8", "a8", "q9", "a9", "last"]
    assert fitted.dropped == 16
    assert fitted.prompt_tokens == 530


def test_a_trimmed_history_never_opens_with_an_answer():
    # 450 would also hold a8, the answer to q8, which no longer fits: an
    # answer to a question the model does not see, so it goes too.
    fitted = fit_history(conversation(10), budget=450)
    assert [t.content for t in fitted.turns] == ["be brief", "q9", "a9", "last"]
    assert fitted.dropped == 18
    assert fitted.prompt_tokens == REPLY_PRIMING + (3 + MESSAGE_OVERHEAD) + 3 * 104


def test_the_question_is_kept_even_when_it_alone_is_too_long():
    # The caller refuses such a request before sending it (ChatService.admit);
    # trimming must not silently send the history without the question.
    fitted = fit_history(conversation(2, tokens=5_000), budget=1_000)
    assert [t.content for t in fitted.turns] == ["be brief", "last"]
    assert fitted.prompt_tokens > 1_000


def test_system_turns_are_never_dropped():
    turns = [Turn("system", "rules", 400), *conversation(4)[1:]]
    fitted = fit_history(turns, budget=600)
    assert fitted.turns[0].content == "rules"
    assert fitted.turns[-1].content == "last"
    assert fitted.as_messages()[0] == {"role": "system", "content": "rules"}


def test_the_answer_keeps_room_in_the_window():
    assert input_budget(8192, 1000) == 7192
    # At most half the window is held back for the answer...
    assert input_budget(8192, 8192) == 4096
    assert input_budget(128_000, 8192) == 119_808
    # ...and a question always gets some room, even in a tiny window.
    assert input_budget(300, 8000) == 256


def test_a_cut_never_ends_inside_a_character():
    text = "你好世界的朋友们"
    for limit in range(1, 8):
        cut, was_cut = truncate_to_tokens(text, limit)
        assert "\ufffd" not in cut
        assert text.startswith(cut)
        assert was_cut
        assert count_text(cut) <= limit
    assert truncate_to_tokens(text, 100) == (text, False)
    assert truncate_to_tokens("abc", 0) == ("", True)
    assert truncate_to_tokens("", 0) == ("", False)
