"""Quotas per person and per group, and which models a person may use.

Both are read from the database at the moment of asking, so two services
that share nothing but the database (two processes) agree; both are checked
by the services themselves, before anything is stored or sent, whatever a
page offered.
"""

import csv
import io
import random
import time
from dataclasses import replace
from types import MappingProxyType

import pytest

from core import access, quotas, team, usage_report
from core.batch import BatchRunner
from core.catalog import load_catalog
from core.chat import ChatService, Choice
from core.compare import CompareService
from core.demo.replies import ErrorReply, error_body
from core.errors import (
    AdminOnly,
    ModelNotAllowed,
    MonthlyCostQuotaReached,
    MonthlyTokenQuotaReached,
    TokenQuotaReached,
)
from core.i18n import LOCALES, Translator
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store import conversations as conversation_store
from core.store import erase
from core.store import messages as message_store
from core.store.batches import NewPrompt
from core.store.groups import Limits
from core.store.users import ADMIN, ensure_user
from core.worker import BATCH_LANE, Worker
from tests.app.conftest import shown
from tests.battle_helpers import arena_for
from ui.errors import describe


@pytest.fixture
def people(db):
    admin = ensure_user("root", role=ADMIN)
    return admin, ensure_user("alice"), ensure_user("bob")


def finish(chat, sent):
    chat.worker.wait(sent.assistant_message_id, timeout=30)
    return sent


def stored(user):
    return [
        m.content
        for c in conversation_store.list_conversations(user.id)
        for m in message_store.branch(user.id, c.id)
    ]


# ---------------------------------------------------------------- quotas


@pytest.fixture
def demo_chat(db):
    """The project's own models.toml: the offline demo models on the real demo server."""
    worker = Worker(load_catalog())
    yield ChatService(worker.catalog, worker)
    worker.shutdown()


def test_a_monthly_quota_stops_the_next_send_on_the_demo_backend(demo_chat, people):
    admin, alice, bob = people
    team.set_user_limits(admin.id, alice.id, Limits(max_tokens_per_month=1))
    finish(demo_chat, demo_chat.send(alice.id, None, "Hello there", Choice("demo-swift")))
    [month] = [
        a
        for a in quotas.allowances(demo_chat.catalog, alice.id, time.time())
        if (a.measure, a.window) == (quotas.TOKENS, quotas.MONTH)
    ]
    assert month.used > 1 and month.left == 0 and month.reached
    before = stored(alice)
    with pytest.raises(MonthlyTokenQuotaReached, match=r": 1$"):
        demo_chat.send(alice.id, None, "One more question", Choice("demo-swift"))
    assert stored(alice) == before  # nothing stored: the page keeps the draft
    # Bob has [policy]'s limits (none per month) and is not stopped.
    finish(demo_chat, demo_chat.send(bob.id, None, "Hello", Choice("demo-swift")))


def test_a_quota_holds_across_processes(make_chat, people, server):
    """Two services with their own workers and limiters share only the database."""
    admin, alice, _ = people
    first, second = make_chat(), make_chat()
    team.set_user_limits(admin.id, alice.id, Limits(max_tokens_per_day=7))  # one answer
    finish(first, first.send(alice.id, None, "one", Choice("m")))
    with pytest.raises(TokenQuotaReached, match=r": 7$"):
        second.send(alice.id, None, "two", Choice("m"))
    assert len(server.requests) == 1


def test_deleting_conversations_gives_no_tokens_back(make_chat, people, server):
    """Spent is spent: a person cannot reset their quota by deleting their chats."""
    admin, alice, _ = people
    chat = make_chat()
    team.set_user_limits(admin.id, alice.id, Limits(max_tokens_per_day=7))  # one answer
    sent = chat.send(alice.id, None, "one", Choice("m"))
    finish(chat, sent)
    erase.delete_conversation(alice.id, sent.conversation_id)
    with pytest.raises(TokenQuotaReached):
        chat.send(alice.id, None, "two", Choice("m"))
    assert len(server.requests) == 1
    (line,) = usage_report.own_usage(chat.catalog, alice.id, time.time())
    assert line.tokens == 7  # still on her Usage page


def test_limits_come_from_the_person_then_the_most_generous_group_then_policy(
    make_chat, people, server
):
    admin, alice, bob = people
    chat = make_chat(policy={"messages_per_minute": 100, "max_tokens_per_month": 5})
    family = team.create_group(admin.id, "Family")
    friends = team.create_group(admin.id, "Friends")
    team.set_members(admin.id, family.id, [alice.id, bob.id])
    team.set_members(admin.id, friends.id, [alice.id])
    team.set_group_limits(admin.id, family.id, Limits(max_tokens_per_month=10))
    team.set_group_limits(admin.id, friends.id, Limits(max_tokens_per_month=20))
    assert quotas.limits_for(chat.catalog, alice.id).max_tokens_per_month == 20
    assert quotas.limits_for(chat.catalog, bob.id).max_tokens_per_month == 10
    team.set_user_limits(admin.id, alice.id, Limits(max_tokens_per_month=3))
    assert quotas.limits_for(chat.catalog, alice.id).max_tokens_per_month == 3
    team.set_group_limits(admin.id, family.id, Limits(max_tokens_per_month=0))  # no limit
    assert quotas.limits_for(chat.catalog, bob.id).max_tokens_per_month == 0
    team.set_user_limits(admin.id, alice.id, Limits())  # removed: her groups' again
    assert quotas.limits_for(chat.catalog, alice.id).max_tokens_per_month == 0
    team.delete_group(admin.id, family.id)
    team.delete_group(admin.id, friends.id)
    assert quotas.limits_for(chat.catalog, bob.id).max_tokens_per_month == 5  # [policy]
    # Bob sends until the policy's monthly 5 tokens are used (7 per answer).
    finish(chat, chat.send(bob.id, None, "one", Choice("m")))
    with pytest.raises(MonthlyTokenQuotaReached):
        chat.send(bob.id, None, "two", Choice("m"))


def test_a_monthly_cost_limit_counts_list_prices(make_chat, people, server):
    admin, alice, _ = people
    chat = make_chat()
    priced = replace(chat.catalog.models["m"], price_input=100_000.0, price_output=0.0)
    catalog = replace(chat.catalog, models=MappingProxyType({"m": priced}))
    chat.caps.catalog = catalog
    team.set_user_limits(admin.id, alice.id, Limits(max_cost_usd_per_month=0.4))
    finish(chat, chat.send(alice.id, None, "one", Choice("m")))  # 5 prompt tokens: $0.50
    with pytest.raises(MonthlyCostQuotaReached, match=r": 0\.40$"):
        chat.send(alice.id, None, "two", Choice("m"))


def test_only_admins_set_limits_and_groups(people):
    _, alice, _ = people
    for action in (
        lambda: team.set_user_limits(alice.id, alice.id, Limits(max_tokens_per_day=0)),
        lambda: team.create_group(alice.id, "Mine"),
        lambda: team.groups(alice.id),
        lambda: team.people(alice.id),
    ):
        with pytest.raises(AdminOnly):
            action()


def test_limits_are_checked_when_set(people):
    admin, alice, _ = people
    with pytest.raises(Exception, match="0 or more"):
        team.set_user_limits(admin.id, alice.id, Limits(max_tokens_per_day=-1))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("error", "shown_value"),
    [
        (MonthlyTokenQuotaReached("1,000"), "1,000"),
        (MonthlyCostQuotaReached("5.00"), "$5.00"),
        (ModelNotAllowed("demo-thinker"), "demo-thinker"),
    ],
)
def test_each_refusal_has_a_plain_sentence(locale, error, shown_value):
    sentence = shown(describe(Translator(locale), error.kind, error.detail))
    assert shown_value in sentence and "{" not in sentence
    assert sentence != shown(describe(Translator(locale), "no-such-kind", ""))


# ---------------------------------------------------------------- models per group


@pytest.fixture
def two_models(make_chat):
    """A catalog with models `m` (falling back to `fast`) and `fast`."""
    return make_chat(fallback=True)


def only_fast_for_alice(catalog, admin, alice):
    cheap = team.create_group(admin.id, "Cheap")
    pro = team.create_group(admin.id, "Pro")
    team.set_members(admin.id, cheap.id, [alice.id])
    team.set_models(admin.id, catalog, cheap.id, ["fast"])
    team.set_models(admin.id, catalog, pro.id, ["m"])  # m is Pro's only


def test_with_no_groups_everyone_may_use_every_model(two_models, people):
    _, alice, _ = people
    assert access.allowed_models(two_models.catalog, alice.id) == {"m", "fast"}


def test_a_model_outside_the_persons_groups_is_refused_by_every_service(two_models, people, server):
    admin, alice, _ = people
    chat = two_models
    ok = finish(chat, chat.send(alice.id, None, "before the groups", Choice("m")))
    only_fast_for_alice(chat.catalog, admin, alice)
    assert access.allowed_models(chat.catalog, alice.id) == {"fast"}
    assert list(access.allowed_catalog(chat.catalog, alice.id).models) == ["fast"]
    before, requests = stored(alice), len(server.requests)
    runner = BatchRunner(chat)
    compare = CompareService(chat)
    refused = [
        lambda: chat.send(alice.id, None, "direct", Choice("m")),
        lambda: chat.send(alice.id, ok.conversation_id, "follow-up", Choice("m")),
        lambda: chat.regenerate(alice.id, ok.assistant_message_id, Choice("m")),
        lambda: chat.retry(alice.id, ok.assistant_message_id),  # its model was m
        lambda: chat.edit(alice.id, ok.user_message_id, "edited", Choice("m")),
        lambda: compare.start(alice.id, "both", [ModelSettings("m"), ModelSettings("fast")]),
        lambda: runner.create(alice.id, "set.csv", [NewPrompt("1", "p")], [ModelSettings("m")]),
    ]
    try:
        for attempt in refused:
            with pytest.raises(ModelNotAllowed, match=r": m$"):
                attempt()
        assert stored(alice) == before and batch_store.list_batches(alice.id) == []
        assert len(server.requests) == requests
        # What she may use still works; the arena draws only from it (one model: none).
        finish(chat, chat.send(alice.id, None, "allowed", Choice("fast")))
        assert [m.id for m in arena_for(chat, rng=random.Random(1)).contenders(alice.id)] == [
            "fast"
        ]
        # The admin may use everything.
        assert access.allowed_models(chat.catalog, admin.id) == {"m", "fast"}
    finally:
        runner.shutdown()


def test_a_comparison_follow_up_to_a_model_taken_away_is_refused(two_models, people, server):
    admin, alice, _ = people
    compare = CompareService(two_models)
    made = compare.start(alice.id, "both", [ModelSettings("m"), ModelSettings("fast")])
    for conversation_id in made.conversation_ids:
        two_models.worker.wait(message_store.branch(alice.id, conversation_id)[-1].id, timeout=30)
    only_fast_for_alice(two_models.catalog, admin, alice)
    requests = len(server.requests)
    with pytest.raises(ModelNotAllowed):
        compare.follow_up(alice.id, made.id, "and then?")
    assert len(server.requests) == requests


def test_a_fallback_the_person_may_not_use_does_not_answer(two_models, people, server):
    admin, alice, _ = people
    chat = two_models
    # Alice may use m (open) but not its fallback `fast` (Pro's only).
    pro = team.create_group(admin.id, "Pro")
    team.set_models(admin.id, chat.catalog, pro.id, ["fast"])
    server.default = lambda r: ErrorReply(503, error_body("overloaded"))
    sent = finish(chat, chat.send(alice.id, None, "hi", Choice("m")))
    answer = message_store.get_message(alice.id, sent.assistant_message_id)
    assert answer.model_id == "m" and answer.status == "error"
    assert all(request.model == "r1" for request in server.requests)


# ---------------------------------------------------------------- usage


def test_a_person_sees_only_their_own_usage(make_chat, people, server):
    admin, alice, bob = people
    chat = make_chat()
    finish(chat, chat.send(alice.id, None, "alice asks", Choice("m")))
    finish(chat, chat.send(bob.id, None, "bob asks", Choice("m")))
    finish(chat, chat.send(bob.id, None, "bob again", Choice("m")))
    now = time.time()
    mine = usage_report.own_usage(chat.catalog, alice.id, now)
    assert [(u.username, u.answers, u.tokens) for u in mine] == [("alice", 1, 7)]
    with pytest.raises(AdminOnly):
        usage_report.everyone_usage(chat.catalog, alice.id, now)
    with pytest.raises(AdminOnly):
        usage_report.usage_csv(chat.catalog, bob.id, now)
    everyone = usage_report.everyone_usage(chat.catalog, admin.id, now)
    by_person = usage_report.totals(everyone, lambda u: u.username)
    assert [(t.key, t.answers, t.tokens) for t in by_person] == [("bob", 2, 14), ("alice", 1, 7)]
    [provider] = usage_report.totals(everyone, lambda u: u.provider_id)
    assert (provider.key, provider.tokens) == ("p1", 21)


def test_the_admin_export_has_one_row_per_day_person_model_and_provider(make_chat, people, server):
    admin, alice, bob = people
    chat = make_chat(fallback=True)
    finish(chat, chat.send(alice.id, None, "one", Choice("m")))
    finish(chat, chat.send(alice.id, None, "two", Choice("m")))
    finish(chat, chat.send(bob.id, None, "three", Choice("fast")))
    text = usage_report.usage_csv(chat.catalog, admin.id, time.time())
    rows = list(csv.DictReader(io.StringIO(text)))
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert sorted((r["day"], r["username"], r["model"], r["provider"]) for r in rows) == [
        (today, "alice", "m", "p1"),
        (today, "bob", "fast", "p1"),
    ]
    alice_row = next(r for r in rows if r["username"] == "alice")
    assert (alice_row["answers"], alice_row["prompt_tokens"], alice_row["completion_tokens"]) == (
        "2",
        "10",
        "4",
    )
    assert alice_row["cost_usd"] == "0.0"  # the scripted models have no price


def test_a_batch_cell_for_a_model_taken_away_says_so_on_its_answer(two_models, people, server):
    """A batch made while the model was open: each cell asks again before it is sent."""
    admin, alice, _ = people
    chat = two_models
    drafted = chat.draft(alice.id, "a prompt", Choice("m"), kind="batch", system_prompt=None)
    only_fast_for_alice(chat.catalog, admin, alice)
    chat.generate(alice.id, drafted.assistant_message_id, Choice("m"), lane=BATCH_LANE)
    answer = message_store.get_message(alice.id, drafted.assistant_message_id)
    assert (answer.status, answer.error_kind, answer.error_detail) == (
        "error",
        "model_not_allowed",
        "m",
    )
    assert server.requests == []
