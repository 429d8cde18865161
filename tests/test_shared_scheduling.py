"""Several app processes on one PostgreSQL database share slots, line, breakers, batches.

Each replica is a real OS process (tests/replica_process.py) with its own
engine, worker and advisory-lock session, talking to this test's local
OpenAI-compatible server over HTTP. The server counts the streams it serves
at once: that is what a provider would see. SQLite serves one process, so
these run only when TEST_DATABASE_URL names a PostgreSQL server.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from contextlib import contextmanager

import pytest

from core.chat import Choice
from core.demo.replies import ErrorReply, StreamReply, error_body, text_stream
from core.errors import TooManyAtOnce, TooManyMessages
from core.model_settings import ModelSettings
from core.resilience.breaker import BreakerState
from core.store import batches as batch_store
from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store.comparisons import COMPARE
from core.store.users import ensure_user
from core.store.views import COMPLETE
from tests.child_process import failure, start
from tests.databases import on_sqlite
from tests.fake_time import wait_for_progress

pytestmark = pytest.mark.skipif(
    on_sqlite(), reason="several processes share state only on PostgreSQL (TEST_DATABASE_URL)"
)


def waiting_first(snapshot) -> bool:
    return snapshot.status is not None and snapshot.status.position == 1


class StreamsAtOnce:
    """Replies that stream slowly, counting how many streams are open at once."""

    def __init__(self, pieces: int = 6, delay: float = 0.2) -> None:
        self.pieces = pieces
        self.delay = delay
        self.open = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, request) -> StreamReply:
        def steps():
            with self._lock:
                self.open += 1
                self.most = max(self.most, self.open)
            try:
                yield from text_stream(
                    "r1", answer=[f"w{i} " for i in range(self.pieces)], delay=self.delay
                )
            finally:
                with self._lock:
                    self.open -= 1

        return StreamReply(steps())


class Replica:
    def __init__(self, database: str, settings: dict) -> None:
        self.process = start("tests.replica_process", database, json.dumps(settings))
        line = self.process.stdout.readline().strip()
        assert line == "ready", self._failure()

    def go(self) -> None:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def report(self) -> dict:
        line = self.process.stdout.readline()
        assert line, self._failure()
        return json.loads(line)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def _failure(self) -> str:
        return failure(self.process)


@contextmanager
def replicas(database: str, *settings: dict):
    started: list[Replica] = []
    try:
        for item in settings:
            started.append(Replica(database, item))
        yield started
    finally:
        for replica in started:
            if replica.process.poll() is None:
                replica.kill()


def test_two_processes_never_exceed_the_providers_slots_and_share_one_line(db, server):
    streams = StreamsAtOnce(pieces=8, delay=0.25)  # about 2 s per answer
    server.default = streams
    ensure_user("alice")
    ensure_user("bob")  # two people: one person's 6 answers at once would pass their own limit
    settings = {"port": server.server.port, "max_concurrency": 2, "mode": "ask"}
    with replicas(
        db,
        {**settings, "user": "alice", "questions": ["a1", "a2", "a3"]},
        {**settings, "user": "bob", "questions": ["b1", "b2", "b3"]},
    ) as (one, two):
        one.go()
        two.go()
        reports = [one.report(), two.report()]

    assert streams.most == 2  # six answers, two processes: never more than the two slots
    assert len(server.requests) == 6
    outcomes = [o for r in reports for o in r["outcomes"]]
    assert outcomes == [COMPLETE] * 6
    # Four answers waited. Each was first told its true place in the one line
    # both processes share (no two told "#1"), then moved up to the front.
    firsts = sorted(p[0] for r in reports for p in r["positions"] if p)
    assert firsts == [1, 2, 3, 4]
    for report in reports:
        for seen in report["positions"]:
            assert seen == sorted(seen, reverse=True)


def test_a_killed_process_frees_the_slots_it_held(db, server, make_chat):
    from tests.test_worker import held_open

    streams = StreamsAtOnce(pieces=2, delay=0.05)
    server.default = lambda request: (
        held_open("held ")(request) if "hold" in str(request.messages) else streams(request)
    )
    alice = ensure_user("alice")
    settings = {"port": server.server.port, "max_concurrency": 2, "linger": True}
    with replicas(db, {**settings, "mode": "hold", "questions": ["hold 1", "hold 2"]}) as (one,):
        one.go()
        assert one.report() == {"streaming": 2}  # both slots are held by the other process

        chat = make_chat(max_concurrency=2)
        answer_id = chat.send(alice.id, None, "mine", Choice("m")).assistant_message_id
        progress = chat.worker.progress_of(alice.id, answer_id)
        snapshot = wait_for_progress(progress, lambda s: s.done or waiting_first(s))
        assert not snapshot.done and snapshot.status.position == 1  # waiting: no slot free
        assert len(server.requests) == 2

        killed_at = time.monotonic()
        one.kill()  # dies holding both slots: the server ends its session, and its locks
        final = chat.worker.wait(answer_id, timeout=20)
    assert final.outcome == COMPLETE
    assert time.monotonic() - killed_at < 10  # woken by the freed slot, not by a timeout
    assert len(server.requests) == 3


def test_a_breaker_opened_by_one_process_is_open_in_the_other(db, server, make_chat):
    busy = ErrorReply(503, error_body("overloaded", "server_error"))
    server.default = lambda request: busy
    ensure_user("alice")
    policy = {
        "messages_per_minute": 100,
        "breaker_failures": 2,
        "breaker_cooldown_s": 300,
        "max_attempts": 2,
        "retry_budget_s": 5,
    }
    settings = {"port": server.server.port, "mode": "ask", "policy": policy}
    with replicas(db, {**settings, "questions": ["first"]}) as (one,):
        one.go()
        assert one.report()["outcomes"] == ["error"]  # two busy answers, then gave up
    assert len(server.requests) == 2

    chat = make_chat(policy=policy)  # this test's own process, never yet asked anything
    breakers = chat.worker.runtime.breakers
    assert breakers.view_of("p1/r1").state is BreakerState.OPEN
    alice = ensure_user("alice")
    answer_id = chat.send(alice.id, None, "second", Choice("m")).assistant_message_id
    final = chat.worker.wait(answer_id, timeout=20)
    assert final.outcome == "error"
    assert len(server.requests) == 2  # the open route was not called from here either


def test_two_processes_running_one_batch_answer_each_cell_once(db, server):
    streams = StreamsAtOnce(pieces=3, delay=0.1)
    server.default = streams
    alice = ensure_user("alice")
    prompts = [batch_store.NewPrompt(f"p{i}", f"question {i}") for i in range(8)]
    batch = batch_store.create_batch(
        alice.id, "twice", prompts, [batch_store.ModelSettings("m")], concurrency=2
    )
    settings = {"port": server.server.port, "mode": "batch", "batch_id": batch.id}
    with replicas(db, settings, settings) as (one, two):
        one.go()
        two.go()
        reports = [one.report(), two.report()]

    asked = sorted(str(request.messages[-1]["content"]) for request in server.requests)
    assert asked == sorted(f"question {i}" for i in range(8))  # each paid for once
    assert sum(r["started"] for r in reports) == 8
    assert all(r["started"] > 0 for r in reports)  # both really ran it
    cells = batch_store.batch_cells(alice.id, batch.id)
    assert [cell.message.status for cell in cells] == [COMPLETE] * 8


def test_two_processes_judging_one_batch_ask_the_judge_once_per_cell(db, server):
    from core.judging import prompts as judge_prompts
    from core.judging.verdicts import POINTWISE
    from core.store import judging as judging_store

    streams = StreamsAtOnce(pieces=3, delay=0.1)

    def respond(request):
        if request.body["messages"][0]["content"] == judge_prompts.SYSTEM:
            return StreamReply(text_stream("r1", answer=["Score: 8"], delay=0.1))
        return streams(request)

    server.default = respond
    alice = ensure_user("alice")
    prompts = [batch_store.NewPrompt(f"p{i}", f"question {i}") for i in range(6)]
    batch = batch_store.create_batch(
        alice.id, "judged twice", prompts, [ModelSettings("m")], concurrency=2
    )
    judging_store.set_judge(alice.id, batch.id, judging_store.JudgeView("m", POINTWISE, None))
    settings = {"port": server.server.port, "mode": "batch", "batch_id": batch.id}
    with replicas(db, settings, settings) as (one, two):
        one.go()
        two.go()
        [one.report(), two.report()]

    judged = [
        r for r in server.requests if r.body["messages"][0]["content"] == judge_prompts.SYSTEM
    ]
    asked = sorted(str(r.messages[-1]["content"]) for r in judged)
    assert len(asked) == 6 and len(set(asked)) == 6  # each cell judged, and paid for, once
    replies = judging_store.judgements(alice.id, batch.id)
    assert sorted(j.message.status for j in replies) == [COMPLETE] * 6


def test_answers_at_once_count_the_users_answers_on_every_process(db, server, make_chat):
    from tests.test_worker import held_open

    server.default = held_open("held ")
    alice = ensure_user("alice")
    policy = {"messages_per_minute": 100, "per_user_generations": 2}
    settings = {"port": server.server.port, "policy": policy, "linger": True}
    with replicas(db, {**settings, "mode": "hold", "questions": ["one", "two"]}) as (one,):
        one.go()
        assert one.report() == {"streaming": 2}

        chat = make_chat(policy=policy)
        with pytest.raises(TooManyAtOnce):
            chat.send(alice.id, None, "a third, from another replica", Choice("m"))
    assert len(server.requests) == 2
    assert len(conversation_store.list_conversations(alice.id)) == 2  # nothing stored


def test_messages_per_minute_count_the_sends_of_every_process(db, server, make_chat):
    alice = ensure_user("alice")
    policy = {"messages_per_minute": 3}
    settings = {"port": server.server.port, "policy": policy, "mode": "ask"}
    with replicas(db, {**settings, "questions": ["one", "two"]}) as (one,):
        one.go()
        assert one.report()["outcomes"] == [COMPLETE, COMPLETE]

    chat = make_chat(policy=policy)
    chat.send(alice.id, None, "three", Choice("m"))
    with pytest.raises(TooManyMessages):
        chat.send(alice.id, None, "four", Choice("m"))


def test_two_processes_comparing_for_one_person_take_turns_all_columns_or_none(db, server):
    from tests.test_worker import held_open

    server.default = held_open("held ")
    ensure_user("alice")
    policy = {"messages_per_minute": 100, "per_user_generations": 3}
    settings = {"port": server.server.port, "policy": policy, "linger": True}
    first_tab = {**settings, "mode": "compare", "columns": 2, "hold": True}
    second_tab = {**settings, "mode": "compare", "columns": 2}
    with replicas(db, first_tab, second_tab) as (first, second):
        first.go()
        # The first tab has counted its columns and is about to store them.
        assert first.process.stdout.readline().strip() == "held"
        second.go()
        # Without turns the second process counts 0 + 2 <= 3 and sends both columns,
        # and the first one's columns make 4: it must wait instead.
        assert second.process.stdout.readline().strip() == "waiting"
        first.go()  # the first tab stores and starts its columns and ends its turn
        assert first.report() == {"refused": False}
        assert second.report() == {"refused": True}
    alice = ensure_user("alice")
    (comparison,) = comparison_store.list_comparisons(alice.id, COMPARE)  # the refused: nothing
    assert len(comparison.conversation_ids) == 2
    assert len(conversation_store.list_conversations(alice.id, kind=COMPARE)) == 2
