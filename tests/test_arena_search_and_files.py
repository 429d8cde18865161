"""Web search and attached files in the blind arena: both sides read the very
same sources (one search, fetched once) and the same file text, so a vote
compares answers, not searches. Real HTTP throughout: a fake SearXNG and pages
on 127.0.0.1, the scripted OpenAI-compatible server recording what each model
was sent through the real SDK."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from core.arena import Arena
from core.attachments import read_attachment
from core.catalog import SearchSettings, parse_catalog
from core.chat import ChatService
from core.errors import InputRejected
from core.store import attachments as attachment_store
from core.store import comparisons as comparison_store
from core.store import web_sources as web_store
from core.store.comparisons import ARENA
from core.store.users import ensure_user
from core.websearch.results import WebSources
from core.worker import Worker
from tests.attachments import files
from tests.battle_helpers import arena_for
from tests.web_fakes import FakeWeb, article

LONG_PAGE = "The harbour bridge reopened on Monday after repairs. " * 900  # ~9,000 tokens


@pytest.fixture
def web():
    fake = FakeWeb()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def catalog_of(server, web: FakeWeb, models: dict):
    catalog = parse_catalog(
        {
            "providers": {"p1": {"label": "Cloud", "base_url": server.base_url("p1")}},
            "models": models,
            "policy": {"messages_per_minute": 100},
        }
    )
    search = SearchSettings(
        provider="searxng",
        base_url=web.url("/search"),
        allow_private_urls=True,  # the fake web is on 127.0.0.1
        max_context_tokens=20_000,
    )
    return replace(catalog, search=search)


@pytest.fixture
def make_arena(db, server, web):
    workers: list[Worker] = []

    def make(models: dict) -> Arena:
        worker = Worker(catalog_of(server, web, models))
        workers.append(worker)
        return arena_for(ChatService(worker.catalog, worker), rng=random.Random(3))

    yield make
    for worker in workers:
        worker.shutdown()


# A big model and a small one: without one shared budget their sources would differ.
TWO_TEXT_MODELS = {
    "big": {"label": "Big", "routes": [{"provider": "p1", "model": "big"}]},
    "small": {
        "label": "Small",
        "context_window": 6_000,
        "max_output_tokens": 1_000,
        "routes": [{"provider": "p1", "model": "small"}],
    },
}


def two_pages(web: FakeWeb) -> None:
    web.page("/a", article("Harbour bridge reopens", LONG_PAGE))
    web.page("/b", article("Ferry timetable", "Ferries leave every twenty minutes. " * 40))
    web.searxng(
        [
            {"url": web.url("/a"), "title": "Harbour bridge reopens", "content": "a"},
            {"url": web.url("/b"), "title": "Ferry timetable", "content": "b"},
        ]
    )


def wait_both(arena: Arena, user, battle_id: int):
    answers = arena.battle(user.id, battle_id).detail.latest_answers
    for answer in answers:
        arena.chat.worker.wait(answer.id)
    return arena.battle(user.id, battle_id).detail.latest_answers


def sources_of(user, answer) -> WebSources | None:
    return WebSources.from_json(web_store.sources_of(user.id, [answer.id]).get(answer.id))


def last_user_text(request) -> str:
    content = request.messages[-1]["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return content


def test_both_sides_read_the_same_sources_from_one_search(make_arena, user, server, web):
    arena = make_arena(TWO_TEXT_MODELS)
    two_pages(web)
    battle = arena.start_battle(user.id, "Is the harbour bridge open?", web_search=True)
    answers = wait_both(arena, user, battle.id)

    assert web.paths().count("/search") == 1  # one search for the battle's question
    assert web.paths().count("/a") == 1 and web.paths().count("/b") == 1  # each page read once
    prompts = [last_user_text(r) for r in server.requests]
    assert sorted(r.model for r in server.requests) == ["big", "small"]
    # The same numbered blocks, cut to the smaller side's room, in both prompts.
    assert prompts[0] == prompts[1] and "[webpage 1 begin]" in prompts[0]
    records = [sources_of(user, answer) for answer in answers]
    assert records[0] == records[1] and len(records[0].sources) == 2
    assert records[0].sources[0].cut  # the long page did not fit the small model whole


def test_a_follow_up_searches_once_more_for_both(make_arena, user, server, web):
    arena = make_arena(TWO_TEXT_MODELS)
    two_pages(web)
    battle = arena.start_battle(user.id, "Is the harbour bridge open?", web_search=True)
    wait_both(arena, user, battle.id)
    arena.ask(user.id, battle.id, "And the ferries?")
    answers = wait_both(arena, user, battle.id)

    assert web.paths().count("/search") == 2  # once per question, not once per side
    assert all(sources_of(user, answer).sources for answer in answers)
    assert "ferries" in sources_of(user, answers[0]).query.lower()  # searched with context


def test_without_the_switch_nothing_is_searched(make_arena, user, server, web):
    arena = make_arena(TWO_TEXT_MODELS)
    two_pages(web)
    battle = arena.start_battle(user.id, "Is the harbour bridge open?")
    answers = wait_both(arena, user, battle.id)
    assert web.paths() == []
    assert all(sources_of(user, answer) is None for answer in answers)


def test_both_sides_read_the_same_file_text_and_one_image_description(make_arena, user, server):
    models = {
        **TWO_TEXT_MODELS,
        # Describes images for both; weight 0 keeps it out of the draw.
        "eye": {
            "label": "Eye VL",
            "vision": True,
            "arena_weight": 0,
            "routes": [{"provider": "p1", "model": "vl"}],
        },
    }
    arena = make_arena(models)
    contract = read_attachment("合同.txt", "第一条：甲方付款。".encode("gbk"))
    shot = read_attachment("shot.png", files.png(64, 32))
    battle = arena.start_battle(user.id, "Summarize", files=[contract, shot])
    wait_both(arena, user, battle.id)

    describe = [r for r in server.requests if r.model == "vl"]
    answers = [r for r in server.requests if r.model in ("big", "small")]
    assert len(describe) == 1  # described once, for both text-only sides
    texts = [last_user_text(r) for r in answers]
    assert len(texts) == 2 and texts[0] == texts[1]
    assert "第一条：甲方付款。" in texts[0] and "described by Eye VL:)" in texts[0]


def test_a_seeing_side_gets_the_image_and_a_text_only_side_its_description(
    make_arena, user, server
):
    models = {
        "text": {"label": "Text R1", "routes": [{"provider": "p1", "model": "r1"}]},
        "eye": {"label": "Eye VL", "vision": True, "routes": [{"provider": "p1", "model": "vl"}]},
    }
    arena = make_arena(models)
    shot = read_attachment("shot.png", files.png(64, 32))
    battle = arena.start_battle(user.id, "What colour?", files=[shot])
    wait_both(arena, user, battle.id)

    to_text = [r for r in server.requests if r.model == "r1"]
    to_eye = [r for r in server.requests if r.model == "vl"]
    assert len(to_text) == 1 and len(to_eye) == 2  # the description, then the eye's answer
    assert isinstance(to_text[0].messages[-1]["content"], str)  # no image part to it
    assert "described by Eye VL:)" in to_text[0].messages[-1]["content"]
    eye_answer = [r for r in to_eye if r.messages[-1]["content"][0]["text"].endswith("colour?")]
    assert eye_answer and eye_answer[0].messages[-1]["content"][1]["type"] == "image_url"


def test_with_an_image_and_no_way_to_see_it_no_battle_is_started(make_arena, user, server):
    arena = make_arena(TWO_TEXT_MODELS)  # no vision model to describe the image
    shot = read_attachment("shot.png", files.png(64, 32))
    with pytest.raises(InputRejected):
        arena.start_battle(user.id, "What colour?", files=[shot])
    assert comparison_store.list_comparisons(user.id, ARENA) == []
    assert server.requests == []


def test_each_sides_question_keeps_the_files(make_arena, user, server):
    arena = make_arena(TWO_TEXT_MODELS)
    note = read_attachment("note.md", b"# Plan\nShip on Friday.")
    battle = arena.start_battle(user.id, "", files=[note])
    wait_both(arena, user, battle.id)
    detail = arena.battle(user.id, battle.id).detail
    questions = [
        detail.turns[0].question.id,
        *[
            a.parent_id
            for a in detail.latest_answers  # each side's own copy of the question
        ],
    ]
    kept = attachment_store.summaries_of(user.id, questions)
    assert all([f.name for f in kept[q]] == ["note.md"] for q in questions)
