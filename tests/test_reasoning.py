"""Reasoning arrives three ways; the user always sees it in its own panel.

Every case checks what a user sees after each chunk, while the answer streams,
not only at the end: the (reasoning, answer) pair is read from the same
`GenerationProgress` the pages render.
"""

import asyncio

import pytest

from core.backend import CallSpec, ClientPool, stream_route
from core.chat import Choice
from core.demo.replies import ChunkFactory, Data, Drop, Stall, StreamReply, text_stream
from core.events import Answer, Reasoning, ReasoningConfirmed, ReasoningWasAnswer
from core.progress import GenerationProgress
from core.reasoning import ReasoningNormalizer
from core.store import messages as message_store
from core.store.users import ensure_user
from core.store.views import INTERRUPTED, STOPPED
from tests.conftest import local_catalog

Seen = tuple[str, str]  # (reasoning panel, answer area)


def seen_while_streaming(
    pieces: list[tuple[str, str]], *, expects_reasoning: bool = False
) -> list[Seen]:
    """Feed (reasoning field, content) pairs; what a user sees after each, then at the end."""
    normalizer = ReasoningNormalizer(expects_reasoning=expects_reasoning)
    progress = GenerationProgress(1, user_id=1, conversation_id=None, model_id="m")
    seen = []
    for field, content in pieces:
        for event in normalizer.feed(field, content):
            progress.apply(event)
        snapshot = progress.snapshot()
        seen.append((snapshot.reasoning, snapshot.answer))
    for event in normalizer.finish():
        progress.apply(event)
    snapshot = progress.snapshot()
    seen.append((snapshot.reasoning, snapshot.answer))
    return seen


def content(*chunks: str) -> list[tuple[str, str]]:
    return [("", chunk) for chunk in chunks]


@pytest.mark.parametrize("expects_reasoning", [True, False])
def test_reasoning_field_then_content(expects_reasoning):
    # reasoning_content (DeepSeek, SiliconFlow, DashScope, Hunyuan) or reasoning
    # (OpenRouter, Ollama, vLLM): the delta's field has already been read.
    pieces = [("Let me ", ""), ("think.", ""), ("", "The answer"), ("", " is 4.")]
    assert seen_while_streaming(pieces, expects_reasoning=expects_reasoning) == [
        ("Let me ", ""),
        ("Let me think.", ""),
        ("Let me think.", "The answer"),
        ("Let me think.", "The answer is 4."),
        ("Let me think.", "The answer is 4."),
    ]


@pytest.mark.parametrize("expects_reasoning", [True, False])
def test_inline_think_tags(expects_reasoning):
    pieces = content("<think>\nWeigh", " it.</think>\n\nFour", ".")
    assert seen_while_streaming(pieces, expects_reasoning=expects_reasoning) == [
        ("Weigh", ""),
        ("Weigh it.", "Four"),
        ("Weigh it.", "Four."),
        ("Weigh it.", "Four."),
    ]


def test_reasoning_model_without_opening_tag_shows_reasoning_from_the_start():
    """R1 on vLLM or Ollama: the chat template opened <think>, the stream only closes it."""
    pieces = content("Hmm, ", "2+2.\n", "</think>\n\n4", " it is.")
    assert seen_while_streaming(pieces, expects_reasoning=True) == [
        ("Hmm, ", ""),
        ("Hmm, 2+2.\n", ""),
        ("Hmm, 2+2.\n", "4"),
        ("Hmm, 2+2.\n", "4 it is."),
        ("Hmm, 2+2.\n", "4 it is."),
    ]


def test_reasoning_model_that_just_answers_gets_its_text_back_as_the_answer():
    """No tag at all: provisional reasoning while it streams, the answer once it ends."""
    pieces = content("Four", ", simply.")
    assert seen_while_streaming(pieces, expects_reasoning=True) == [
        ("Four", ""),
        ("Four, simply.", ""),
        ("", "Four, simply."),
    ]


def test_provisional_reasoning_is_marked_and_settled_once():
    confirmed = ReasoningNormalizer(expects_reasoning=True)
    assert confirmed.feed("", "thinking") == [Reasoning("thinking", provisional=True)]
    assert confirmed.feed("", "</think>answer") == [ReasoningConfirmed(), Answer("answer")]
    assert confirmed.finish() == []
    answered = ReasoningNormalizer(expects_reasoning=True)
    assert answered.feed("", "answer") == [Reasoning("answer", provisional=True)]
    assert answered.finish() == [ReasoningWasAnswer()]


def test_model_not_marked_reasoning_shows_text_as_answer_until_a_close_tag():
    pieces = content("I should add them.", "</think>4")
    assert seen_while_streaming(pieces, expects_reasoning=False) == [
        ("", "I should add them."),
        ("I should add them.", "4"),
        ("I should add them.", "4"),
    ]


def test_reasoning_field_after_provisional_content_shows_the_content_was_the_answer():
    pieces = [("", "Sure."), ("first I check", ""), ("", " Here it is.")]
    assert seen_while_streaming(pieces, expects_reasoning=True) == [
        ("Sure.", ""),
        ("first I check", "Sure."),
        ("first I check", "Sure. Here it is."),
        ("first I check", "Sure. Here it is."),
    ]


def prefixes(text: str) -> set[str]:
    return {text[:i] for i in range(len(text) + 1)}


@pytest.mark.parametrize(
    ("opening", "expects_reasoning"), [("<think>", True), ("<think>", False), ("", True)]
)
@pytest.mark.parametrize("cut", range(1, 30))
def test_tags_split_across_chunks_never_show_a_piece_of_a_tag(cut, opening, expects_reasoning):
    text = f"{opening}step one</think>\n\nDone."
    seen = seen_while_streaming(
        content(text[:cut], text[cut:]), expects_reasoning=expects_reasoning
    )
    for reasoning, answer in seen:
        assert reasoning in prefixes("step one") and answer in prefixes("Done.")
    assert seen[-1] == ("step one", "Done.")


@pytest.mark.parametrize("expects_reasoning", [True, False])
def test_tags_split_into_single_characters(expects_reasoning):
    text = "  <think>ab</think>cd"
    seen = seen_while_streaming(content(*text), expects_reasoning=expects_reasoning)
    assert all(r in prefixes("ab") and a in prefixes("cd") for r, a in seen)
    assert seen[-1] == ("ab", "cd")


def test_missing_opening_tag_split_into_single_characters():
    text = "ab</think>cd"
    seen = seen_while_streaming(content(*text), expects_reasoning=True)
    assert seen[:3] == [("a", ""), ("ab", ""), ("ab", "")]  # "<" may start "</think>"
    assert all(r in prefixes("ab") and a in prefixes("cd") for r, a in seen)
    assert seen[-1] == ("ab", "cd")


def test_a_tag_that_never_completes_is_text():
    pieces = content("I should add them.", "</thi", "k>", "</think>4")
    assert seen_while_streaming(pieces, expects_reasoning=True)[-1] == (
        "I should add them.</thik>",
        "4",
    )


def test_plain_answer_without_reasoning_is_untouched():
    pieces = content("Just ", "an answer, with <b>tags</b>.")
    assert seen_while_streaming(pieces) == [
        ("", "Just "),
        ("", "Just an answer, with <b>tags</b>."),
        ("", "Just an answer, with <b>tags</b>."),
    ]


def test_close_tag_in_answer_after_field_reasoning_is_text():
    # A model that reasoned through the field and then writes "</think>" in
    # its answer (explaining tags, say) keeps it as answer text.
    pieces = [("thinking", ""), ("", "Use </think> to close.")]
    assert seen_while_streaming(pieces, expects_reasoning=True)[-1] == (
        "thinking",
        "Use </think> to close.",
    )


@pytest.mark.parametrize("expects_reasoning", [True, False])
def test_stream_ending_inside_partial_tag_flushes_it(expects_reasoning):
    seen = seen_while_streaming(content("<think>abc</th"), expects_reasoning=expects_reasoning)
    assert seen == [("abc", ""), ("abc</th", "")]


def test_provisional_stream_ending_inside_partial_tag_keeps_all_of_it_as_answer():
    seen = seen_while_streaming(content("abc</th"), expects_reasoning=True)
    assert seen == [("abc", ""), ("", "abc</th")]


# ------------------------------------------------ through the real SDK and HTTP

WIRE_FORMATS = {
    "reasoning_content field": dict(reasoning=["Let", " me think"], answer=["Four", "."]),
    "reasoning field": dict(
        reasoning=["Let", " me think"], answer=["Four", "."], reasoning_field="reasoning"
    ),
    "inline tags": dict(answer=["<think>Let", " me think</think>", "Four", "."]),
    "missing opening tag": dict(answer=["Let", " me think</th", "ink>\n\nFour", "."]),
    "tags split across chunks": dict(answer=["<th", "ink>Let", " me think</", "think>Four", "."]),
}


def stream_seen(server, steps, *, reasoning_model: bool) -> list[Seen]:
    """Stream one reply through the SDK; what a user sees after each event that changes it."""
    server.push(StreamReply(steps))
    catalog = local_catalog(server, reasoning=reasoning_model)
    route = catalog.models["m"].routes[0]
    spec = CallSpec(
        catalog.providers[route.provider],
        route,
        [{"role": "user", "content": "2+2?"}],
        expects_reasoning=catalog.models["m"].thinks(None),
    )
    progress = GenerationProgress(1, user_id=1, conversation_id=None, model_id="m")

    async def run() -> list[Seen]:
        seen: list[Seen] = []
        async for event in stream_route(ClientPool(), spec):
            progress.apply(event)
            snapshot = progress.snapshot()
            view = (snapshot.reasoning, snapshot.answer)
            if view != ("", "") and (not seen or seen[-1] != view):
                seen.append(view)
        return seen

    return asyncio.run(run())


@pytest.mark.parametrize("reasoning_model", [True, False], ids=["reasoning", "not-reasoning"])
@pytest.mark.parametrize("wire_format", WIRE_FORMATS)
def test_every_wire_format_streams_reasoning_into_its_panel(server, wire_format, reasoning_model):
    steps = text_stream("r1", **WIRE_FORMATS[wire_format])
    seen = stream_seen(server, steps, reasoning_model=reasoning_model)
    if wire_format == "missing opening tag" and not reasoning_model:
        # Not marked as thinking: nothing says the text is reasoning until </think>.
        assert seen[:2] == [("", "Let"), ("", "Let me think")]
        seen = seen[2:]  # then the </think> moves it, and the answer follows
    else:
        assert seen[0] == ("Let", "")
        seen = seen[1:]
    assert seen == [
        ("Let me think", ""),
        ("Let me think", "Four"),
        ("Let me think", "Four."),
    ]


def test_reasoning_model_answering_without_reasoning_streams_then_settles(server):
    steps = text_stream("r1", answer=["Four", "."])
    assert stream_seen(server, steps, reasoning_model=True) == [
        ("Four", ""),
        ("Four.", ""),
        ("", "Four."),
    ]


# ------------------------------------------------ through the worker into the store


def test_a_broken_stream_keeps_unsettled_reasoning_as_the_answer(make_chat, server):
    """Interrupted before any </think>: as at a normal end, the text is the answer,
    so the user can read it and Continue from it."""
    user = ensure_user("alice")
    chunks = ChunkFactory("r1")
    server.push(StreamReply([Data(chunks.chunk({"content": "The first half"})), Drop()]))
    service = make_chat(reasoning=True)
    sent = service.send(user.id, None, "Tell me", Choice("m", allow_fallback=False))
    snapshot = service.worker.wait(sent.assistant_message_id)
    assert (snapshot.reasoning, snapshot.answer) == ("", "The first half")
    stored = message_store.get_message(user.id, sent.assistant_message_id)
    assert (stored.status, stored.content, stored.reasoning) == (
        INTERRUPTED,
        "The first half",
        "",
    )


def test_stopping_during_provisional_reasoning_keeps_the_text_as_the_answer(make_chat, server):
    user = ensure_user("alice")
    chunks = ChunkFactory("r1")
    server.push(StreamReply([Data(chunks.chunk({"content": "Thinking about"})), Stall(30)]))
    service = make_chat(reasoning=True)
    sent = service.send(user.id, None, "Tell me", Choice("m"))
    progress = service.worker.progress_of(user.id, sent.assistant_message_id)
    while (snapshot := progress.snapshot()).reasoning != "Thinking about":
        assert progress.wait_newer(snapshot.version, timeout=10), "no text arrived"
    assert snapshot.answer == "" and snapshot.thinking  # shown as reasoning while streaming
    assert service.stop(user.id, sent.assistant_message_id)
    snapshot = service.worker.wait(sent.assistant_message_id)
    assert (snapshot.outcome, snapshot.reasoning, snapshot.answer) == (
        STOPPED,
        "",
        "Thinking about",
    )
    stored = message_store.get_message(user.id, sent.assistant_message_id)
    assert (stored.content, stored.reasoning) == ("Thinking about", "")


def test_confirmed_reasoning_stays_reasoning_when_the_stream_breaks(make_chat, server):
    user = ensure_user("alice")
    chunks = ChunkFactory("r1")
    steps = [
        Data(chunks.chunk({"content": "Weighing it</think>"})),
        Data(chunks.chunk({"content": "Fo"})),
        Drop(),
    ]
    server.push(StreamReply(steps))
    service = make_chat(reasoning=True)
    sent = service.send(user.id, None, "2+2?", Choice("m", allow_fallback=False))
    snapshot = service.worker.wait(sent.assistant_message_id)
    assert (snapshot.reasoning, snapshot.answer) == ("Weighing it", "Fo")
