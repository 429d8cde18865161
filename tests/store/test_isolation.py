"""One user can never reach another's data through the store or the chat service.

Every call below is made by Bob with Alice's ids (or his own ids pointing at
hers, as parents or leaves). Each must fail as "not found" — the same answer
as for an id that does not exist — and leave Alice's data exactly as it was.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import core.store
from core.chat import ChatService, Choice
from core.errors import RecordNotFound
from core.store import conversations as conversation_store
from core.store import erase, search, transfer
from core.store import messages as message_store
from core.store.users import ensure_user
from core.worker import Worker
from tests.conftest import local_catalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(db):
    """Alice and Bob, each with a conversation of one question and one answer."""
    people = {}
    for name in ("alice", "bob"):
        user = ensure_user(name)
        conversation = conversation_store.create_conversation(user.id, "m", title=f"{name} chat")
        question = message_store.append_message(
            user.id, conversation.id, role="user", content=f"{name} secret", parent_id=None
        )
        answer = message_store.append_message(
            user.id, conversation.id, role="assistant", content="reply", parent_id=question.id
        )
        people[name] = {
            "user": user.id,
            "conversation": conversation.id,
            "public_id": conversation.public_id,
            "question": question.id,
            "answer": answer.id,
        }
    return people


def snapshot(person):
    conversation = conversation_store.get_conversation(person["user"], person["conversation"])
    return conversation, message_store.branch(person["user"], person["conversation"])


STORE_CALLS = {
    "get_conversation": lambda b, a: conversation_store.get_conversation(b, a["conversation"]),
    "find_conversation": lambda b, a: conversation_store.find_conversation(b, a["public_id"]),
    "update_conversation": lambda b, a: conversation_store.update_conversation(
        b, a["conversation"], pinned=True
    ),
    "rename_conversation": lambda b, a: conversation_store.rename_conversation(
        b, a["conversation"], "pwned"
    ),
    "set_auto_title": lambda b, a: conversation_store.set_auto_title(b, a["conversation"], "x"),
    "append_message": lambda b, a: message_store.append_message(
        b, a["conversation"], role="user", content="injected", parent_id=a["answer"]
    ),
    "get_message": lambda b, a: message_store.get_message(b, a["question"]),
    "find_message": lambda b, a: message_store.find_message(
        b, a["conversation"], message_store.get_message(a["user"], a["answer"]).public_id
    ),
    "branch": lambda b, a: message_store.branch(b, a["conversation"]),
    "siblings": lambda b, a: message_store.siblings(b, a["answer"]),
    "newest_leaf_under": lambda b, a: message_store.newest_leaf_under(b, a["question"]),
    "set_current_leaf": lambda b, a: message_store.set_current_leaf(
        b, a["conversation"], a["question"]
    ),
    "count_branch": lambda b, a: message_store.count_branch(b, a["conversation"]),
    "choose": lambda b, a: message_store.choose(b, a["answer"]),
    "reveal": lambda b, a: message_store.reveal(b, a["answer"]),
    "alternatives": lambda b, a: message_store.alternatives(
        b, a["conversation"], message_store.branch(a["user"], a["conversation"])
    ),
    "erase.delete_conversation": lambda b, a: erase.delete_conversation(b, a["conversation"]),
    "export_conversations": lambda b, a: transfer.export_conversations(b, [a["conversation"]]),
}


@pytest.mark.parametrize("call", STORE_CALLS.values(), ids=STORE_CALLS.keys())
def test_store_refuses_another_users_ids(world, call):
    alice, bob = world["alice"], world["bob"]
    before = snapshot(alice)
    with pytest.raises(RecordNotFound):
        call(bob["user"], alice)
    assert snapshot(alice) == before


def test_own_conversation_cannot_point_at_someone_elses_messages(world):
    alice, bob = world["alice"], world["bob"]
    before = snapshot(alice)
    with pytest.raises(RecordNotFound):  # a parent from another conversation
        message_store.append_message(
            bob["user"], bob["conversation"], role="user", content="x", parent_id=alice["answer"]
        )
    with pytest.raises(RecordNotFound):  # a leaf from another conversation
        message_store.set_current_leaf(bob["user"], bob["conversation"], alice["answer"])
    # Reading one's own conversation "up to" someone else's message shows nothing of it.
    assert message_store.branch(bob["user"], bob["conversation"], alice["answer"]) == []
    assert snapshot(alice) == before


def test_search_export_and_erase_everything_reach_only_ones_own(world):
    alice, bob = world["alice"], world["bob"]
    before = snapshot(alice)
    hits = search.search(bob["user"], "secret")
    assert {hit.conversation_id for hit in hits} <= {bob["conversation"]}
    document = transfer.export_conversations(bob["user"])
    assert "alice secret" not in repr(document)
    erase.delete_all_conversations(bob["user"])
    assert snapshot(alice) == before


def test_listing_shows_only_ones_own(world):
    alice, bob = world["alice"], world["bob"]
    listed = conversation_store.list_conversations(bob["user"])
    assert [c.id for c in listed] == [bob["conversation"]]
    assert all(c.user_id == bob["user"] for c in listed)
    assert alice["conversation"] not in [c.id for c in listed]


@pytest.fixture
def service(world, server):
    worker = Worker(local_catalog(server))
    yield ChatService(worker.catalog, worker)
    worker.shutdown()


CHAT_CALLS = {
    "send": lambda s, b, a: s.send(b, a["conversation"], "hi", Choice("m")),
    "regenerate": lambda s, b, a: s.regenerate(b, a["answer"], Choice("m")),
    "edit": lambda s, b, a: s.edit(b, a["question"], "edited", Choice("m")),
    "retry": lambda s, b, a: s.retry(b, a["answer"]),
    "continue_answer": lambda s, b, a: s.continue_answer(b, a["answer"]),
    "switch_model": lambda s, b, a: s.switch_model(b, a["answer"], Choice("m")),
    "stop": lambda s, b, a: s.stop(b, a["answer"]),
}


@pytest.mark.parametrize("call", CHAT_CALLS.values(), ids=CHAT_CALLS.keys())
def test_chat_service_refuses_another_users_ids(world, service, server, call):
    alice, bob = world["alice"], world["bob"]
    before = snapshot(alice)
    with pytest.raises(RecordNotFound):
        call(service, bob["user"], alice)
    assert snapshot(alice) == before
    assert server.requests == []  # nothing was sent to any model either


def test_retry_of_a_question_does_not_overwrite_it(world, service, server):
    """Retry works in place on an answer; given a question's id it must refuse."""
    alice = world["alice"]
    follow_up = message_store.append_message(
        alice["user"], alice["conversation"], role="user", content="next", parent_id=alice["answer"]
    )
    for question_id in (alice["question"], follow_up.id):
        with pytest.raises(RecordNotFound):
            service.retry(alice["user"], question_id)
        with pytest.raises(RecordNotFound):
            service.continue_answer(alice["user"], question_id)
    assert message_store.get_message(alice["user"], follow_up.id).content == "next"
    assert server.requests == []


# Store functions that take no user, and why that is safe. Any other public
# function of core/store must take `user_id` first: add it to the tables above.
UNSCOPED = {
    "conversations.new_public_id": "makes a random id",
    "conversations.touch": "internal: called after an ownership check",
    "messages.save_progress": "worker writes to a message an owner's request created",
    "messages.finish": "worker writes to a message an owner's request created",
    "messages.unfinished_message_ids": "start-up recovery",
    "messages.interrupt_own": "settles this process's own stuck answers, ids found with "
    "own_unfinished_ids(user_id, ...)",
    "shared_switches.*": "demo fault switches and breaker resets: operational, no user data",
    "processes.*": "process identity, heartbeats, recovery after a crash",
    "stops.stop_requested": "the writing worker reads the request for its own answer",
    "attempts.record_route_attempt": "operational metrics, no text",
    "attempts.recent_attempts": "admin status page: metrics, no text",
    "votes.vote_stamp": "leaderboard: counts of all votes, no user, no text",
    "votes.vote_tallies": "leaderboard: counts per model pair, no user, no text",
    "votes.all_votes": "leaderboard: model pairs and outcomes, no user, no text",
    "measurements.*": "leaderboard: timings and token counts per model, no user, no text",
    "judged_battles.*": "leaderboard: every battle's text is read in core/arena_board to "
    "count style, categories and de-blinding; only numbers and flags leave it, no user",
    "erase.wait_for_merges": "waits for the background index merge: no data",
    "erase.forget_deleted_text": "maintenance after a deletion (the index, the WAL)",
    "index_upkeep.*": "maintenance: merging the search index in the background",
    "search.parse_query": "pure: text -> terms",
    "search.match_expression": "pure: terms -> FTS expression",
    "search.make_snippet": "pure: text -> snippet",
    "search.has_search_index": "schema check",
    "search.has_trigram_index": "schema check",
    "search.has_grams_index": "schema check",
    "grams.*": "pure: text -> words of the short-term search index",
    "transfer.read_document": "pure: parses an uploaded file",
    "attachment_documents.*": "export/import of files: called by transfer inside its "
    "owner-checked transactions, on rows it already scoped to the user",
    "users.*": "users are looked up by sign-in, not by a page",
    "login_attempts.*": "sign-in throttling",
    "sign_in_sessions.*": "sign-in sessions: found by a token's hash, before anyone is known",
    "share_links.snapshot_by_hash": "a share link opened by anyone holding its token",
    "advisory.*": "PostgreSQL advisory locks for slots and liveness: numbers, no user data",
    "write_lock.*": "serialises a decision inside a caller's transaction",
    "write_queue.*": "the process's writers of one SQLite file, in line",
    "web_sources.save_sources": "the worker storing what its own answer read",
    "web_sources.has_sources": "an answer already read through its owner (Regenerate)",
    "db.*": "the engine",
    "errors.*": "maps database errors onto StorageError kinds",
    "schema.*": "the schema's version: Alembic, the migration lock",
    "views.*": "data classes",
    "models.*": "the ORM",
    "feedback.all_feedback": "the shared non-blind boards: models and values are read, "
    "never the prompts (the export is feedback_of, one person's)",
    "judge_agreements.*": "a judge's re-judging of blind votes, started by an admin only "
    "(core/judging/agreement.py requires it); rows point at the admin's own messages",
    "groups.*": "groups, models per group and limits: written only through core/team.py "
    "(admins); a person's own limits and models are read with their user id",
    "usage.record_spending": "the worker booking its own answer's tokens to that answer's owner",
    "usage.usage_by_day": "one user's with user_id, everyone's only through "
    "core/usage_report.everyone_usage, which checks the admin role",
}


def store_functions():
    for info in pkgutil.iter_modules(core.store.__path__):
        if info.ispkg:
            continue
        module = importlib.import_module(f"core.store.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                yield info.name, name, function


def test_every_store_function_takes_the_user_first():
    unscoped = []
    for module, name, function in store_functions():
        if f"{module}.{name}" in UNSCOPED or f"{module}.*" in UNSCOPED:
            continue
        parameters = list(inspect.signature(function).parameters)
        if parameters[:2] == ["db", "user_id"]:
            continue  # an ownership check inside a session, like conversations.owned
        if not parameters or parameters[0] != "user_id":
            unscoped.append(f"{module}.{name}")
    assert unscoped == [], "store functions must take user_id first (or be listed in UNSCOPED)"


def test_pages_never_call_the_workers_unscoped_writes():
    worker_only = ("save_progress", "finish(", "interrupt_unfinished", "unfinished_message_ids")
    offenders = []
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        source = path.read_text()
        offenders += [
            f"{path.name}: {name}"
            for name in worker_only
            if re.search(rf"message_store\.{re.escape(name)}", source)
        ]
        # Pages follow answers with worker.progress_of(user_id, ...), never unscoped.
        if re.search(r"worker\._progress\(", source):
            offenders.append(f"{path.name}: worker._progress(")
    assert offenders == []
