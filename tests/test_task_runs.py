"""Runs of queued tasks live on the worker's loop: woken by an answer's end, not by a timer.

The worker's clock is fake and never moves: a run that looked again on a timer
would never start its next task; one woken by the end of an answer starts it
at once. Answers are held open by the server until the test releases them.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from core.chat import Choice
from core.demo.replies import Stall, StreamReply, text_stream
from core.errors import RecordNotFound, StorageError
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
        sent = self.chat.send(self.asker(run), None, question, Choice("m", allow_fallback=False))
        with self.start_seen:
            self.started[question] = sent.assistant_message_id
            self.start_seen.notify_all()
        return sent.assistant_message_id

    def asker(self, run: Run) -> int:
        """Who asks the run's tasks: the owner here."""
        return self.user_id

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


class EachPersonsQuestions(OneAtATime):
    """Runs of several people on one TaskRuns: a task is asked as the run's person."""

    def asker(self, run: Run) -> int:
        return run.user_id


@pytest.fixture
def people(make_chat, clock, held):
    owner = EachPersonsQuestions(make_chat(clock=clock), ensure_user("alice").id)
    yield owner
    owner.runs.shutdown()


def test_stopping_a_persons_runs_leaves_everyone_elses_running(people, held):
    # Before a person's data is erased their runs stop; another person's batch goes on.
    alice, bob = people.user_id, ensure_user("bob").id
    people.runs.enqueue("alice's", alice, ["a1", "a2"])
    people.runs.enqueue("bob's", bob, ["b1", "b2"])
    alices, bobs = people.wait_started("a1"), people.wait_started("b1")
    people.runs.stop_user(alice)
    people.runs.wait("alice's", WAIT_S)
    worker = people.chat.worker
    assert worker.progress_of(alice, alices).snapshot().outcome == STOPPED
    assert "a2" not in people.started
    assert people.runs.is_running("bob's") and worker.is_running(bobs)
    held.release("b1")
    people.wait_started("b2")  # bob's run goes on to its next task
    held.release("b2")
    people.runs.wait("bob's", WAIT_S)
    assert worker.progress_of(bob, bobs).snapshot().outcome == COMPLETE


def test_queued_lists_the_tasks_still_waiting_and_each_task_is_queued_once(owner, held):
    owner.runs.enqueue("k", owner.user_id, ["one", "two", "three"])
    owner.wait_started("one")
    assert owner.runs.queued("k") == ["two", "three"]  # "one" is answering, not waiting
    # A task already waiting is not queued twice (a double click on "Run the rest").
    assert owner.runs.enqueue("k", owner.user_id, ["two", "four"]) == 1
    assert owner.runs.queued("k") == ["two", "three", "four"]
    assert owner.runs.queued("no such run") == []
    owner.runs.stop("k")
    owner.runs.wait("k", WAIT_S)
    assert owner.runs.queued("k") == []


def test_waiting_on_a_run_that_does_not_end_names_it(owner, held):
    owner.runs.enqueue("k", owner.user_id, ["one"])
    owner.wait_started("one")
    with pytest.raises(TimeoutError, match=r"^test k still running$"):
        owner.runs.wait("k", 0.01)  # "one" is held open by the server
    owner.runs.wait("no such run", 0.01)  # nothing to wait for: returns at once
    held.release("one")
    owner.runs.wait("k", WAIT_S)


def test_shutting_down_stops_every_run_and_saves_their_answers(people, held):
    alice, bob = people.user_id, ensure_user("bob").id
    people.runs.enqueue("alice's", alice, ["a1", "a2"])
    people.runs.enqueue("bob's", bob, ["b1"])
    alices, bobs = people.wait_started("a1"), people.wait_started("b1")
    people.runs.shutdown()
    worker = people.chat.worker
    assert worker.progress_of(alice, alices).snapshot().outcome == STOPPED
    assert worker.progress_of(bob, bobs).snapshot().outcome == STOPPED
    assert not people.runs.is_running("alice's") and not people.runs.is_running("bob's")
    assert "a2" not in people.started


class RefusesSome(OneAtATime):
    """An owner some of whose tasks cannot start (a deleted batch row, a full quota)."""

    def start(self, run: Run, question: str) -> int:
        if question.startswith("refused"):
            raise RecordNotFound(f"cell {question}")
        return super().start(run, question)


def test_a_task_that_cannot_start_is_skipped_and_the_next_one_runs(make_chat, clock, held, caplog):
    owner = RefusesSome(make_chat(clock=clock), ensure_user("alice").id)
    try:
        owner.runs.enqueue("k", owner.user_id, ["refused", "next"])
        next_id = owner.wait_started("next")
        held.release("next")
        owner.runs.wait("k", WAIT_S)
        assert owner.chat.worker.progress_of(owner.user_id, next_id).snapshot().outcome == COMPLETE
        assert "refused" not in owner.started
        assert "task refused not started" in caplog.text
    finally:
        owner.runs.shutdown()


class RoomCheckFails(OneAtATime):
    """An owner whose first look for room fails (the batch was deleted, the
    database failed, or a bug): the run ends; the next enqueue starts afresh."""

    def __init__(self, chat, user_id: int, error: Exception) -> None:
        super().__init__(chat, user_id)
        self.error: Exception | None = error

    def has_room(self, run: Run) -> bool:
        error, self.error = self.error, None
        if error is not None:
            raise error
        return super().has_room(run)


@pytest.mark.parametrize(
    ("error", "level", "traceback"),
    [(StorageError("disk full"), logging.WARNING, False), (KeyError("bug"), logging.ERROR, True)],
    ids=["app error", "bug"],
)
def test_a_run_that_fails_ends_and_a_new_enqueue_starts_a_fresh_one(
    make_chat, clock, held, caplog, error, level, traceback
):
    owner = RoomCheckFails(make_chat(clock=clock), ensure_user("alice").id, error)
    try:
        owner.runs.enqueue("k", owner.user_id, ["one"])
        owner.runs.wait("k", WAIT_S)
        assert not owner.runs.is_running("k") and owner.runs.queued("k") == []
        assert "one" not in owner.started
        (record,) = [r for r in caplog.records if r.name == "core.task_runs"]
        # An expected failure is a line in the log; a bug comes with its traceback.
        assert (record.levelno, record.exc_info is not None) == (level, traceback)
        owner.runs.enqueue("k", owner.user_id, ["one"])  # e.g. "Run the rest" again
        owner.wait_started("one")
        held.release("one")
        owner.runs.wait("k", WAIT_S)
    finally:
        owner.runs.shutdown()
