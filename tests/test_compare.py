"""Comparisons: every column answers at once, through the shared worker, in its own conversation."""

import time

import pytest

from core.chat import Choice
from core.compare import CompareService
from core.demo.replies import StreamReply, text_stream
from core.errors import InputRejected, RecordNotFound, SettingsRejected, UserLimitReached
from core.model_settings import ModelSettings
from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store.comparisons import COMPARE
from core.store.users import ensure_user
from core.store.views import COMPLETE

PIECES = 8
PIECE_DELAY = 0.15  # one answer streams for about 1.2 s


@pytest.fixture
def chat(make_chat):
    return make_chat()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def paced(ends: list[float]):
    """A reply at a fixed pace that notes when its stream ended."""

    def reply(request):
        temperature = request.body.get("temperature")

        def steps():
            yield from text_stream(
                "r1",
                answer=[f"t={temperature} "] + ["word "] * (PIECES - 1),
                delay=PIECE_DELAY,
                usage=(5, PIECES, None),
            )
            ends.append(time.monotonic())

        return StreamReply(steps())

    return reply


def wait_all(chat, compare, user, comparison_id):
    for answer in compare.detail(user.id, comparison_id).latest_answers:
        chat.worker.wait(answer.id, timeout=30)


def test_three_columns_stream_together_not_one_after_another(chat, user, server):
    ends: list[float] = []
    server.default = paced(ends)
    compare = CompareService(chat)

    settings = [ModelSettings("m", temperature=t) for t in (0.1, 0.5, 0.9)]
    comparison = compare.start(user.id, "Race", settings)
    wait_all(chat, compare, user, comparison.id)

    # Every request was sent before any answer had finished: they streamed
    # together, so three columns take the time of one (the wall time itself
    # is bench/ material: on a loaded machine it says nothing).
    assert len(server.times) == 3 and max(server.times) < min(ends)
    answers = compare.detail(user.id, comparison.id).latest_answers
    assert [a.status for a in answers] == [COMPLETE] * 3
    assert [a.content.split()[0] for a in answers] == ["t=0.1", "t=0.5", "t=0.9"]


def test_follow_up_continues_each_columns_own_conversation(chat, user, server):
    server.default = paced([])
    compare = CompareService(chat)
    comparison = compare.start(
        user.id, "First", [ModelSettings("m", temperature=0.2), ModelSettings("m", temperature=0.8)]
    )
    wait_all(chat, compare, user, comparison.id)
    compare.follow_up(user.id, comparison.id, "Second")
    wait_all(chat, compare, user, comparison.id)

    follow_ups = {r.body["temperature"]: r.body["messages"] for r in server.requests[-2:]}
    for temperature, messages in follow_ups.items():
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]
        assert messages[1]["content"].startswith(f"t={temperature} ")  # its own answer
    detail = compare.detail(user.id, comparison.id)
    assert [turn.question.content for turn in detail.turns] == ["First", "Second"]
    assert all(c.kind == COMPARE for c in detail.columns)
    assert conversation_store.list_conversations(user.id) == []  # not in the chat list


def test_not_enough_free_slots_refuses_the_whole_comparison(chat, user, server):
    server.default = lambda r: StreamReply(text_stream("r1", answer=["x"] * 40, delay=0.05))
    busy = [chat.send(user.id, None, f"chat {i}", Choice("m")) for i in range(3)]
    compare = CompareService(chat)
    with pytest.raises(UserLimitReached):
        compare.start(user.id, "Compare", [ModelSettings("m"), ModelSettings("m", temperature=0.3)])
    assert comparison_store.list_comparisons(user.id, COMPARE) == []
    assert len(conversation_store.list_conversations(user.id)) == 3  # only the chats
    for sent in busy:
        chat.stop(user.id, sent.assistant_message_id)


def test_column_count_and_blank_prompts_are_checked_first(chat, user):
    compare = CompareService(chat)
    with pytest.raises(InputRejected):
        compare.start(user.id, "Hi", [ModelSettings("m")])
    with pytest.raises(InputRejected):
        compare.start(user.id, "  ", [ModelSettings("m"), ModelSettings("m")])
    assert comparison_store.list_comparisons(user.id, COMPARE) == []


def test_a_comparison_belongs_to_its_owner(chat, user, server):
    compare = CompareService(chat)
    comparison = compare.start(
        user.id, "Mine", [ModelSettings("m"), ModelSettings("m", temperature=0.5)]
    )
    wait_all(chat, compare, user, comparison.id)
    mallory = ensure_user("mallory")
    with pytest.raises(RecordNotFound):
        compare.detail(mallory.id, comparison.id)
    with pytest.raises(RecordNotFound):
        compare.follow_up(mallory.id, comparison.id, "Let me in")
    with pytest.raises(RecordNotFound):
        comparison_store.create_comparison(mallory.id, COMPARE, comparison.conversation_ids)
    assert comparison_store.list_comparisons(mallory.id, COMPARE) == []
    comparison_store.delete_comparison(user.id, comparison.id)
    assert conversation_store.list_conversations(user.id, kind=COMPARE) == []


def test_prompt_variants_send_each_column_its_own_system_prompt(chat, user, server):
    service = CompareService(chat)
    variants = [ModelSettings("m", system_prompt="Be terse."), ModelSettings("m")]
    comparison = service.start(user.id, "Hi", variants)
    for answer in service.detail(user.id, comparison.id).latest_answers:
        chat.worker.wait(answer.id, timeout=30)
    service.follow_up(user.id, comparison.id, "And then?")
    for answer in service.detail(user.id, comparison.id).latest_answers:
        chat.worker.wait(answer.id, timeout=30)
    systems = sorted(
        (r.body["messages"][0].get("content") if r.body["messages"][0]["role"] == "system" else "")
        for r in server.requests
    )
    assert systems == ["", "", "Be terse.", "Be terse."]  # the follow-up keeps it
    with pytest.raises(SettingsRejected):  # the same rule as a persona's prompt
        service.start(user.id, "Hi", [ModelSettings("m", system_prompt="x" * 20_001)] * 2)
