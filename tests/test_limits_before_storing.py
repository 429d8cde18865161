"""Every per-user limit is checked before anything is stored or sent, on every
path that starts an answer: chat send, regenerate, edit and resend, retry,
continue, compare (start and follow-up), arena (start and ask) and batch.

A refused request leaves the database exactly as it was and sends nothing:
40 refused sends of 1.9 MB used to grow the database by 220 MB, and oversized
sends did not even count against the rate limit.
"""

import random
import time

import pytest

from core.batch import BatchRunner
from core.catalog import parse_catalog
from core.chat import ChatService, Choice
from core.compare import CompareService
from core.demo.replies import Stall, StreamReply, text_stream
from core.errors import (
    CostQuotaReached,
    InputRejected,
    StorageQuotaReached,
    TokenQuotaReached,
    TooManyAtOnce,
    TooManyMessages,
    UserLimitReached,
)
from core.i18n import LOCALES, Translator
from core.limits import RateLimiter
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.batches import NewPrompt
from core.store.transfer import export_conversations
from core.store.users import ensure_user
from core.store.views import COMPLETE, ERROR
from core.text import MAX_MESSAGE_CHARS
from core.worker import Worker
from tests.app.conftest import shown as as_read
from tests.battle_helpers import arena_for
from tests.fake_time import FakeClock, wait_for_progress
from ui.errors import describe

TWO = [ModelSettings("m"), ModelSettings("m", temperature=0.5)]


@pytest.fixture
def user(db):
    return ensure_user("alice")


def everything(user) -> tuple:
    """All the user has stored (every conversation of every kind, every field)."""
    document = export_conversations(user.id)
    for conversation in document["conversations"]:
        conversation.pop("updated_at")
        for message in conversation["messages"]:
            message.pop("updated_at", None)  # a running answer's periodic save touches it
    return (document["conversations"], batch_store.list_batches(user.id))


def finish(chat, *message_ids):
    for message_id in message_ids:
        chat.worker.wait(message_id, timeout=30)


# ---------------------------------------------------------------- every path


def chat_send(chat, user, setup):
    chat.send(user.id, setup["conversation"], "Another question", Choice("m"))


def regenerate(chat, user, setup):
    chat.regenerate(user.id, setup["answer"], Choice("m"))


def edit(chat, user, setup):
    chat.edit(user.id, setup["question"], "An edited question", Choice("m"))


def retry(chat, user, setup):
    chat.retry(user.id, setup["stopped"])


def continue_answer(chat, user, setup):
    chat.continue_answer(user.id, setup["stopped"])


def compare_start(chat, user, setup):
    CompareService(chat).start(user.id, "Compare these", TWO)


def compare_follow_up(chat, user, setup):
    CompareService(chat).follow_up(user.id, setup["comparison"], "And then?")


def arena_start(chat, user, setup):
    arena_for(chat, rng=random.Random(1)).start_battle(user.id, "Fight")


def arena_ask(chat, user, setup):
    arena_for(chat, rng=random.Random(1)).ask(user.id, setup["battle"], "And then?")


PATHS = [
    chat_send,
    regenerate,
    edit,
    retry,
    continue_answer,
    compare_start,
    compare_follow_up,
    arena_start,
    arena_ask,
]


@pytest.fixture
def made(make_chat, user, server):
    """A chat with an answer, a stopped half answer, a comparison and a battle."""
    chat = make_chat(fallback=True)
    sent = chat.send(user.id, None, "First question", Choice("m"))
    finish(chat, sent.assistant_message_id)
    server.push(StreamReply(text_stream("r1", answer=["Half "] + ["more "] * 200, delay=0.02)))
    half = chat.send(user.id, sent.conversation_id, "Second question", Choice("m"))
    # Stopped once its first words have arrived: the stop saves them.
    wait_for_progress(chat.worker.progress_of(user.id, half.assistant_message_id), answered)
    chat.stop(user.id, half.assistant_message_id)
    finish(chat, half.assistant_message_id)
    comparison = CompareService(chat).start(user.id, "Compare", TWO)
    battle = arena_for(chat, rng=random.Random(1)).start_battle(user.id, "Battle")
    for shown in (comparison, battle):
        finish(chat, *(a.id for a in CompareService(chat).detail(user.id, shown.id).latest_answers))
    setup = {
        "conversation": sent.conversation_id,
        "question": sent.user_message_id,
        "answer": sent.assistant_message_id,
        "stopped": half.assistant_message_id,
        "comparison": comparison.id,
        "battle": battle.id,
    }
    assert message_store.get_message(user.id, half.assistant_message_id).content
    return chat, setup


def answered(snapshot) -> bool:
    return bool(snapshot.answer)


def exhaust_rate(chat, user):
    chat.rate = RateLimiter(1, clock=chat.worker.clock)
    assert chat.rate.try_acquire(user.id) == 0


@pytest.mark.parametrize("path", PATHS)
def test_the_rate_limit_is_checked_before_anything_is_stored_or_sent(made, user, server, path):
    chat, setup = made
    exhaust_rate(chat, user)
    before, requests = everything(user), len(server.requests)
    with pytest.raises(TooManyMessages):
        path(chat, user, setup)
    assert everything(user) == before  # a refused Retry keeps the half answer too
    assert len(server.requests) == requests


@pytest.mark.parametrize("path", PATHS)
def test_answers_at_once_are_checked_before_anything_is_stored(made, user, server, path):
    chat, setup = made
    # Busy answers that send nothing yet: a streaming one changes its stored
    # text every save interval, which a slow database turns into a race with
    # the before/after comparison (PostgreSQL on a loaded machine lost it).
    server.default = lambda r: StreamReply([Stall(30)])
    busy = [chat.send(user.id, None, f"busy {i}", Choice("m")) for i in range(4)]
    try:
        before = everything(user)
        with pytest.raises(TooManyAtOnce):
            path(chat, user, setup)
        assert everything(user) == before
    finally:
        for sent in busy:
            chat.stop(user.id, sent.assistant_message_id)
        finish(chat, *(s.assistant_message_id for s in busy))


@pytest.mark.parametrize("path", PATHS)
def test_the_storage_cap_is_checked_before_anything_is_stored(made, user, server, path):
    chat, setup = made
    chat.caps.catalog = with_policy(chat.catalog, max_stored_mb=0.000_01)  # 10 bytes: all used
    before, requests = everything(user), len(server.requests)
    with pytest.raises(StorageQuotaReached):
        path(chat, user, setup)
    assert everything(user) == before
    assert len(server.requests) == requests


@pytest.mark.parametrize("path", PATHS)
def test_the_daily_token_cap_is_checked_before_anything_is_sent(made, user, server, path):
    chat, setup = made
    chat.caps.catalog = with_policy(chat.catalog, max_tokens_per_day=7)  # one answer's worth
    before, requests = everything(user), len(server.requests)
    with pytest.raises(TokenQuotaReached):
        path(chat, user, setup)
    assert everything(user) == before
    assert len(server.requests) == requests


def with_policy(catalog, **caps):
    from dataclasses import replace

    return replace(catalog, policy=replace(catalog.policy, **caps))


# ---------------------------------------------------------------- size and rate


def test_oversized_sends_count_against_the_rate_limit(make_chat, user, server):
    chat = make_chat(policy={"messages_per_minute": 3})
    huge = "x" * (MAX_MESSAGE_CHARS + 1)
    for _ in range(3):
        with pytest.raises(InputRejected):
            chat.send(user.id, None, huge, Choice("m"))
    with pytest.raises(TooManyMessages):
        chat.send(user.id, None, "a normal question", Choice("m"))
    assert conversation_store.list_conversations(user.id) == []
    assert server.requests == []


def test_a_comparison_takes_all_its_sends_or_none(make_chat, user, server):
    chat = make_chat(policy={"messages_per_minute": 3})
    sent = chat.send(user.id, None, "one", Choice("m"))
    finish(chat, sent.assistant_message_id)
    with pytest.raises(TooManyMessages):  # 2 left, 4 columns
        CompareService(chat).start(user.id, "four", [ModelSettings("m")] * 4)
    CompareService(chat).start(user.id, "two", TWO)  # the refused one counted nothing


# ---------------------------------------------------------------- the caps themselves


def test_stored_text_cap_refuses_what_would_pass_it(make_chat, user, server):
    chat = make_chat(policy={"messages_per_minute": 100, "max_stored_mb": 0.001})  # 1,000 bytes
    sent = chat.send(user.id, None, "é" * 200, Choice("m"))  # 400 bytes
    finish(chat, sent.assistant_message_id)
    with pytest.raises(StorageQuotaReached, match=r"0\.001"):
        chat.send(user.id, None, "é" * 300, Choice("m"))  # 600 more would pass it
    chat.send(user.id, None, "short", Choice("m"))  # still room for this


def test_daily_tokens_are_counted_from_the_answers_of_the_last_24_hours(make_chat, user, server):
    # Fake time from now (the store stamps answers with the real time); it moves
    # only when the test says, so the worker's save loop cannot move it.
    clock = FakeClock(auto_advance=False, wall=time.time())
    chat = make_chat(clock=clock, policy={"messages_per_minute": 100, "max_tokens_per_day": 10})
    for text in ("one", "two"):  # 7 tokens each (5 prompt + 2 completion)
        finish(chat, chat.send(user.id, None, text, Choice("m")).assistant_message_id)
    with pytest.raises(TokenQuotaReached, match="10"):
        chat.send(user.id, None, "three", Choice("m"))
    clock.advance(25 * 3600)  # a day later
    finish(chat, chat.send(user.id, None, "three", Choice("m")).assistant_message_id)


@pytest.fixture
def priced_chat(db, server):
    catalog = parse_catalog(
        {
            "providers": {"p": {"base_url": server.base_url("p")}},
            "models": {
                "m": {
                    "routes": [{"provider": "p", "model": "r1"}],
                    "price_input": 100_000.0,  # USD per million tokens: 5 prompt tokens = $0.50
                    "price_output": 0.0,
                }
            },
            "policy": {"messages_per_minute": 100, "max_cost_usd_per_day": 0.75},
        }
    )
    worker = Worker(catalog)
    yield ChatService(catalog, worker)
    worker.shutdown()


def test_daily_cost_is_counted_at_list_prices(priced_chat, user, server):
    chat = priced_chat
    finish(chat, chat.send(user.id, None, "one", Choice("m")).assistant_message_id)  # $0.50
    finish(chat, chat.send(user.id, None, "two", Choice("m")).assistant_message_id)  # $1.00
    with pytest.raises(CostQuotaReached, match=r"0\.75"):
        chat.send(user.id, None, "three", Choice("m"))


# ---------------------------------------------------------------- batch


def test_a_batch_past_the_storage_cap_is_refused_before_it_is_stored(make_chat, user):
    chat = make_chat(policy={"messages_per_minute": 100, "max_stored_mb": 0.001})
    runner = BatchRunner(chat)
    try:
        prompts = [NewPrompt(str(i), "x" * 300) for i in range(3)]  # 900 bytes, twice
        with pytest.raises(StorageQuotaReached):
            runner.create(user.id, "set.csv", prompts, TWO)
        assert batch_store.list_batches(user.id) == []
    finally:
        runner.shutdown()


def test_a_batch_stops_sending_when_the_daily_tokens_are_used(make_chat, user, server):
    chat = make_chat(policy={"messages_per_minute": 100, "max_tokens_per_day": 7})
    runner = BatchRunner(chat)
    try:
        prompts = [NewPrompt(str(i), f"prompt {i}") for i in range(3)]
        batch = runner.create(user.id, "set.csv", prompts, [ModelSettings("m")], concurrency=1)
        runner.wait(batch.id)
    finally:
        runner.shutdown()
    cells = batch_store.batch_cells(user.id, batch.id)
    assert [c.message.status for c in cells] == [COMPLETE, ERROR, ERROR]
    assert {c.message.error_kind for c in cells[1:]} == {"quota_tokens"}
    assert len(server.requests) == 1


def test_a_refused_batch_never_reaches_the_model_or_the_database(make_chat, user, server):
    chat = make_chat(policy={"messages_per_minute": 100, "max_tokens_per_day": 7})
    finish(chat, chat.send(user.id, None, "uses the day", Choice("m")).assistant_message_id)
    runner = BatchRunner(chat)
    try:
        with pytest.raises(TokenQuotaReached):
            runner.create(user.id, "set.csv", [NewPrompt("1", "p")], TWO)
    finally:
        runner.shutdown()
    assert batch_store.list_batches(user.id) == [] and len(server.requests) == 1


# ---------------------------------------------------------------- what a person reads


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (StorageQuotaReached("500"), "500 MB"),
        (TokenQuotaReached("2,000,000"), "2,000,000"),
        (CostQuotaReached("5.00"), "$5.00"),
    ],
)
def test_each_cap_has_a_plain_sentence_in_each_language(locale, error, shown):
    assert isinstance(error, UserLimitReached)
    sentence = as_read(describe(Translator(locale), error.kind, error.detail))
    assert shown in sentence and "{" not in sentence
    assert sentence != describe(Translator(locale), "no-such-kind", "")
