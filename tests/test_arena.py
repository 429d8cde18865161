"""The blind arena: fair draws among models that are up, and only valid votes stored."""

import random
from collections import Counter

import pytest

from core.arena import draw_pair, drawable_models
from core.catalog import parse_catalog
from core.demo.replies import ErrorReply, StreamReply, error_body, text_stream
from core.errors import InputRejected, RecordNotFound, VoteRefused
from core.ratings import A_BETTER, TIE
from core.resilience.breaker import BreakerState, BreakerView
from core.store import votes as vote_store
from core.store.users import ensure_user
from tests.battle_helpers import arena_for
from tests.fake_time import wait_for_progress


@pytest.fixture
def arena(make_chat):
    return arena_for(make_chat(fallback=True), rng=random.Random(7))


@pytest.fixture
def user(db):
    return ensure_user("alice")


def catalog_of(models: dict, server) -> object:
    providers = {
        "up": {"base_url": server.base_url("up")},
        "cloud": {"base_url": "https://api.example.com/v1", "api_key_env": "NO_SUCH_API_KEY"},
    }
    return parse_catalog({"providers": providers, "models": models})


def test_models_that_are_down_or_weightless_are_not_drawn(server):
    catalog = catalog_of(
        {
            "a": {"routes": [{"provider": "up", "model": "a"}]},
            "b": {"routes": [{"provider": "up", "model": "b"}]},
            "paused": {"routes": [{"provider": "up", "model": "p"}]},
            "no-key": {"routes": [{"provider": "cloud", "model": "k"}]},
            "retired": {"routes": [{"provider": "up", "model": "r"}], "arena_weight": 0},
        },
        server,
    )
    open_breaker = BreakerView("up/p", BreakerState.OPEN, 3, 12.0)
    assert [m.id for m in drawable_models(catalog, [open_breaker])] == ["a", "b"]


def test_draws_follow_the_weights_and_sides_are_a_coin_toss(server):
    catalog = catalog_of(
        {
            "heavy": {"routes": [{"provider": "up", "model": "h"}], "arena_weight": 3},
            "light1": {"routes": [{"provider": "up", "model": "l1"}]},
            "light2": {"routes": [{"provider": "up", "model": "l2"}]},
        },
        server,
    )
    rng = random.Random(1)
    draws = [draw_pair(list(catalog.models.values()), rng) for _ in range(4000)]
    seen = Counter(m.id for pair in draws for m in pair)
    left = Counter(a.id for a, _b in draws)
    assert all(a.id != b.id for a, b in draws)
    assert seen["heavy"] > 1.3 * seen["light1"]
    assert 0.45 < left["heavy"] / seen["heavy"] < 0.55  # left or right, equally often


def test_fewer_than_two_models_cannot_battle(server):
    catalog = catalog_of({"a": {"routes": [{"provider": "up", "model": "a"}]}}, server)
    with pytest.raises(InputRejected):
        draw_pair(list(catalog.models.values()), random.Random())


def finish(arena, battle):
    for answer in battle.detail.latest_answers:
        arena.chat.worker.wait(answer.id, timeout=30)


def test_vote_names_the_exact_answers_after_follow_ups(arena, user):
    battle = arena.battle(user.id, arena.start_battle(user.id, "First").id)
    finish(arena, battle)
    arena.ask(user.id, battle.id, "And then?")  # allowed before the vote
    battle = arena.battle(user.id, battle.id)
    finish(arena, battle)
    battle = arena.battle(user.id, battle.id)
    assert not battle.revealed
    a, b = battle.detail.latest_answers
    vote = arena.vote(user.id, battle.id, A_BETTER, a.id, b.id)
    assert (vote.message_a_id, vote.message_b_id) == (a.id, b.id)
    assert {vote.model_a, vote.model_b} == {"m", "fast"}
    assert arena.battle(user.id, battle.id).revealed
    with pytest.raises(VoteRefused):
        arena.vote(user.id, battle.id, TIE, a.id, b.id)  # one vote per battle
    with pytest.raises(InputRejected):
        arena.ask(user.id, battle.id, "More?")  # judged: closed
    assert vote_store.vote_stamp().count == 1


def test_vote_on_a_failed_answer_is_refused_and_not_stored(arena, user, server):
    server.push(
        lambda r: StreamReply(text_stream("x", answer=["fine"])),
        ErrorReply(400, error_body("bad request", "invalid_request_error")),
    )
    battle = arena.battle(user.id, arena.start_battle(user.id, "Q").id)
    finish(arena, battle)
    a, b = arena.battle(user.id, battle.id).detail.latest_answers
    with pytest.raises(VoteRefused) as refused:
        arena.vote(user.id, battle.id, TIE, a.id, b.id)
    assert refused.value.detail == "failed"
    assert vote_store.vote_stamp().count == 0
    assert not arena.battle(user.id, battle.id).revealed


def test_vote_on_a_stopped_or_unfinished_answer_is_refused(arena, user, server):
    server.default = lambda r: StreamReply(text_stream("x", answer=["w "] * 60, delay=0.05))
    battle = arena.battle(user.id, arena.start_battle(user.id, "Slow").id)
    a, b = battle.detail.latest_answers
    with pytest.raises(VoteRefused) as refused:
        arena.vote(user.id, battle.id, A_BETTER, a.id, b.id)
    assert refused.value.detail == "unfinished"
    wait_for_progress(
        arena.chat.worker.progress_of(user.id, a.id), lambda snapshot: snapshot.answer
    )
    arena.chat.stop(user.id, a.id)
    finish(arena, battle)
    with pytest.raises(VoteRefused) as refused:
        arena.vote(user.id, battle.id, A_BETTER, a.id, b.id)
    assert refused.value.detail == "stopped"
    assert vote_store.vote_stamp().count == 0


def test_a_vote_on_answers_no_longer_shown_is_refused(arena, user):
    battle = arena.battle(user.id, arena.start_battle(user.id, "One").id)
    finish(arena, battle)
    old_a, old_b = arena.battle(user.id, battle.id).detail.latest_answers
    arena.ask(user.id, battle.id, "Two")  # asked in another tab
    finish(arena, arena.battle(user.id, battle.id))
    with pytest.raises(VoteRefused):
        arena.vote(user.id, battle.id, A_BETTER, old_a.id, old_b.id)


def test_only_the_owner_sees_or_judges_a_battle(arena, user):
    battle = arena.battle(user.id, arena.start_battle(user.id, "Mine").id)
    finish(arena, battle)
    a, b = arena.battle(user.id, battle.id).detail.latest_answers
    mallory = ensure_user("mallory")
    with pytest.raises(RecordNotFound):
        arena.vote(mallory.id, battle.id, A_BETTER, a.id, b.id)
    with pytest.raises(RecordNotFound):
        vote_store.record_vote(
            mallory.id, battle.id, A_BETTER, message_a_id=a.id, message_b_id=b.id,
            model_a="m", model_b="fast",
        )  # fmt: skip
    assert vote_store.vote_stamp().count == 0
