"""Runs of queued tasks live on the worker's loop: woken by an answer's end, not by a timer.

The worker's clock is fake and never moves: a run that looked again on a timer
would never start its next task; one woken by the end of an answer starts it
at once. Answers are held open by the server until the test releases them.
"""

from __future__ import annotations

import threading
import time

import pytest

from core.chat import Choice
from core.demo.replies import Stall, StreamReply, text_stream
from core.store.users import ensure_user
from core.store.views import COMPLETE, STOPPED
from core.task_runs import RECHECK_S, Run, TaskRuns
from tests.databases import on_sqlite
from tests.fake_time import FakeClock

WAIT_S = 30  # a bound for a broken test, never a pace


class HeldAnswers:
    """Each answer streams a word, then waits until the test releases it."""

    def __init__(self) -> None:
        self.released: dict[str, threading.Event] = {}

    def __call__(self, request) -> StreamReply:
        question = request.body["messages"][-1]["content"]
        gate = self.released.setdefault(question, threading.Event())

        def steps():
            yield from text_stream("r1", answer=[f"{question}: "])
            while not gate.is_set():
                yield Stall(0.02)
            yield from text_stream("r1", answer=["done"], usage=(3, 2, None))

        return StreamReply(steps())

    def release(self, question: str) -> None:
        self.released.setdefault(question, threading.Event()).set()


class OneAtATime:
    """An owner whose tasks are questions, answered `at_once` at a time."""

    def __init__(self, chat, user_id: int, at_once: int = 1) -> None:
        self.at_once = at_once
        self.chat = chat
        self.user_id = user_id
        self.looked = 0  # how often the run asked for room
        self.started: dict[str, int] = {}
        self.start_seen = threading.Condition()
        self.runs = TaskRuns(chat, "test", start=self.start, has_room=self.has_room)

    def start(self, run: Run, question: str) -> int:
        sent = self.chat.send(self.user_id, None, question, Choice("m", allow_fallback=False))
        with self.start_seen:
            self.started[question] = sent.assistant_message_id
            self.start_seen.notify_all()
        return sent.assistant_message_id

    def has_room(self, run: Run) -> bool:
        self.looked += 1
        return len(run.in_flight) < self.at_once

    def wait_started(self, question: str) -> int:
        with self.start_seen:
            assert self.start_seen.wait_for(lambda: question in self.started, WAIT_S)
            return self.started[question]


@pytest.fixture
def clock():
    return FakeClock(auto_advance=False, wall=time.time())


@pytest.fixture
def held(server):
    answers = HeldAnswers()
    server.default = answers
    yield answers
    for gate in answers.released.values():
        gate.set()


@pytest.fixture
def owner(make_chat, clock, held):
    owner = OneAtATime(make_chat(clock=clock), ensure_user("alice").id)
    yield owner
    owner.runs.shutdown()


def test_the_next_task_starts_when_an_answer_ends_with_no_time_passing(owner, held, clock):
    owner.runs.enqueue("k", owner.user_id, ["one", "two"])
    first = owner.wait_started("one")
    # No thread of its own (runs used to be threads named after their key).
    assert not [t.name for t in threading.enumerate() if t.name.startswith("test")]
    assert "two" not in owner.started  # one at a time
    held.release("one")
    second = owner.wait_started("two")  # the clock never moved: no timer woke the run
    held.release("two")
    owner.runs.wait("k", WAIT_S)
    worker = owner.chat.worker
    assert [worker.progress_of(owner.user_id, m).snapshot().outcome for m in (first, second)] == [
        COMPLETE,
        COMPLETE,
    ]
    # Asked for room when it started, and after each end or new task: never on a beat.
    assert owner.looked <= 4
    assert not owner.runs.is_running("k")


def test_tasks_queued_while_a_run_waits_wake_it(owner, held):
    owner.at_once = 2
    owner.runs.enqueue("k", owner.user_id, ["one"])
    owner.wait_started("one")  # the run now waits for its answer to end
    assert owner.runs.enqueue("k", owner.user_id, ["two"]) == 1
    owner.wait_started("two")  # woken by the new task: "one" is still being written
    assert owner.chat.worker.is_running(owner.started["one"])
    held.release("one")
    held.release("two")
    owner.runs.wait("k", WAIT_S)


def test_stopping_a_run_stops_its_answers_and_starts_nothing_more(owner, held):
    owner.runs.enqueue("k", owner.user_id, ["one", "two"])
    first = owner.wait_started("one")
    owner.runs.stop("k")
    owner.runs.wait("k", WAIT_S)  # returns once the stopped answer is saved
    snapshot = owner.chat.worker.progress_of(owner.user_id, first).snapshot()
    assert snapshot.outcome == STOPPED
    assert "two" not in owner.started
    assert not owner.runs.is_running("k")


class RoomHeldElsewhere(OneAtATime):
    """An owner whose room is taken by something the run does not follow (another
    batch of the person, or another process) until the test frees it."""

    def __init__(self, chat, user_id: int) -> None:
        super().__init__(chat, user_id)
        self.free = False
        self.refused = threading.Event()  # the run looked and found no room

    def has_room(self, run: Run) -> bool:
        self.looked += 1
        if not self.free:
            self.refused.set()
        return self.free


def test_a_run_without_room_looks_again_when_any_answer_of_the_process_ends(make_chat, clock, held):
    owner = RoomHeldElsewhere(make_chat(clock=clock), ensure_user("alice").id)
    try:
        other = owner.chat.send(owner.user_id, None, "other", Choice("m")).assistant_message_id
        owner.runs.enqueue("k", owner.user_id, ["one"])
        assert owner.refused.wait(WAIT_S)
        owner.free = True  # the room is free, but nothing the run follows has ended
        held.release("other")  # an answer of this process ends: every waiting run looks
        owner.wait_started("one")
        assert owner.chat.worker.wait(other, WAIT_S).outcome == COMPLETE
        held.release("one")
        owner.runs.wait("k", WAIT_S)
    finally:
        owner.runs.shutdown()


@pytest.mark.skipif(on_sqlite(), reason="one process on SQLite: every slot's end is seen")
def test_on_postgresql_a_run_without_room_looks_again_on_the_clock(make_chat, clock, held):
    owner = RoomHeldElsewhere(make_chat(clock=clock), ensure_user("alice").id)
    try:
        owner.runs.enqueue("k", owner.user_id, ["one"])
        assert owner.refused.wait(WAIT_S)
        clock.wait_for_sleepers(1)  # the run waits for RECHECK_S on the worker's clock
        owner.free = True  # freed by another process: no answer here ends
        clock.advance(RECHECK_S)
        owner.wait_started("one")
        held.release("one")
        owner.runs.wait("k", WAIT_S)
    finally:
        owner.runs.shutdown()
