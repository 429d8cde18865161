"""Batch runs: every prompt on every model, bounded, resumable, failed cells rerun alone."""

import threading
import time
from collections import Counter

import pytest

from core.batch import PENDING, BatchRunner, batch_progress, cell_state
from core.chat import Choice
from core.demo.replies import (
    ChunkFactory,
    Data,
    ErrorReply,
    Stall,
    StreamReply,
    error_body,
    text_stream,
)
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store import messages as message_store
from core.store import processes
from core.store.batches import NewPrompt
from core.store.users import ensure_user
from core.store.views import COMPLETE, ERROR, INTERRUPTED, QUEUED, STOPPED
from core.worker import BATCH_LANE

PROMPTS = [NewPrompt("p1", "One"), NewPrompt("p2", "Two", "Be terse."), NewPrompt("p3", "Three")]
COLUMNS = [ModelSettings("m"), ModelSettings("m", temperature=0.7)]


@pytest.fixture
def runner(make_chat):
    batches = BatchRunner(make_chat())
    yield batches
    batches.shutdown()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def echo(request):
    question = request.body["messages"][-1]["content"]
    if "bad" in question:
        return ErrorReply(400, error_body("cannot answer that", "invalid_request_error"))
    return StreamReply(text_stream("r1", answer=[f"Answer to {question}"], usage=(4, 3, None)))


def states(user, batch):
    return [cell_state(c) for c in batch_store.batch_cells(user.id, batch.id)]


def test_every_prompt_runs_on_every_model(runner, user, server):
    server.default = echo
    batch = runner.create(user.id, "set.csv", PROMPTS, COLUMNS, concurrency=2)
    runner.wait(batch.id)
    cells = batch_store.batch_cells(user.id, batch.id)
    assert states(user, batch) == [COMPLETE] * 6
    assert [c.message.content for c in cells[::2]] == [
        "Answer to One",
        "Answer to Two",
        "Answer to Three",
    ]
    with_system = [r for r in server.requests if r.body["messages"][0]["role"] == "system"]
    assert len(with_system) == 2 and with_system[0].body["messages"][0]["content"] == "Be terse."
    assert Counter(r.body.get("temperature") for r in server.requests) == {None: 3, 0.7: 3}
    assert batch_progress(cells).fraction == 1.0


def test_concurrency_is_bounded(runner, user, server):
    active, peak, lock = [0], [0], threading.Lock()

    def counted(request):
        def steps():
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            yield from text_stream("r1", answer=["x "] * 5, delay=0.05)
            with lock:
                active[0] -= 1

        return StreamReply(steps())

    server.default = counted
    prompts = [NewPrompt(str(i), f"Prompt {i}") for i in range(6)]
    batch = runner.create(user.id, "six", prompts, COLUMNS, concurrency=2)
    runner.wait(batch.id)
    assert states(user, batch) == [COMPLETE] * 12
    assert peak[0] == 2


def test_rerun_failed_cells_only(runner, user, server):
    server.default = echo
    prompts = [NewPrompt("ok", "Fine"), NewPrompt("bad", "A bad one")]
    batch = runner.create(user.id, "mixed", prompts, COLUMNS)
    runner.wait(batch.id)
    assert states(user, batch) == [COMPLETE, COMPLETE, ERROR, ERROR]
    failed_ids = [c.message.id for c in batch_store.batch_cells(user.id, batch.id)[2:]]

    server.requests.clear()
    server.default = lambda r: StreamReply(text_stream("r1", answer=["Fixed"]))
    assert runner.rerun_failed(user.id, batch.id) == 2
    runner.wait(batch.id)
    assert len(server.requests) == 2  # the two good cells were not asked again
    cells = batch_store.batch_cells(user.id, batch.id)
    assert states(user, batch) == [COMPLETE] * 4
    assert [c.message.id for c in cells[2:]] == failed_ids  # rerun in place
    assert [c.message.content for c in cells] == ["Answer to Fine"] * 2 + ["Fixed"] * 2


def test_a_batch_leaves_the_chat_its_own_slots(runner, user, server):
    arrived = threading.Semaphore(0)  # one release per answer the provider is asked for

    def held_open(request):  # streams until it is stopped: the slots stay taken
        arrived.release()
        return StreamReply([Data(ChunkFactory("r1").chunk({"content": "w "})), Stall(30)])

    server.default = held_open
    batch = runner.create(user.id, "long", PROMPTS, COLUMNS, concurrency=3)
    for _ in range(3):  # the batch's three answers have reached the provider
        assert arrived.acquire(timeout=10), "the batch did not start three answers"
    chat = runner.chat
    assert chat.worker.active_count(user.id, BATCH_LANE) == 3
    sent = [chat.send(user.id, None, f"chat {i}", Choice("m")) for i in range(4)]
    answers = [message_store.get_message(user.id, s.assistant_message_id) for s in sent]
    assert all(a.status != ERROR for a in answers), [a.error_detail for a in answers]
    runner.stop(user.id, batch.id)
    runner.wait(batch.id)
    for item in sent:
        chat.stop(user.id, item.assistant_message_id)
        chat.worker.wait(item.assistant_message_id)


def test_after_a_restart_finished_cells_stay_and_the_rest_can_run(runner, user, server):
    server.default = echo
    batch = batch_store.create_batch(
        user.id, "old", PROMPTS, [ModelSettings("m")], concurrency=2
    )  # stored by a process that then died mid-run:
    first = batch_store.batch_cells(user.id, batch.id)[0]
    draft = runner.chat.draft(user.id, "One", Choice("m"), kind="batch", system_prompt=None)
    batch_store.attach_message(user.id, first.id, draft.assistant_message_id)
    assert cell_state(batch_store.batch_cells(user.id, batch.id)[0]) == QUEUED
    processes.recover_orphans(now=time.time() + 3600)  # this process, seen dead from later
    assert states(user, batch) == [INTERRUPTED, PENDING, PENDING]

    assert runner.start(user.id, batch.id) == 2  # the cells never started
    runner.wait(batch.id)
    assert states(user, batch) == [INTERRUPTED, COMPLETE, COMPLETE]
    assert runner.rerun_failed(user.id, batch.id) == 1
    runner.wait(batch.id)
    assert states(user, batch) == [COMPLETE] * 3


def test_a_batch_belongs_to_its_owner(runner, user):
    batch = batch_store.create_batch(user.id, "mine", PROMPTS, [ModelSettings("m")], concurrency=1)
    mallory = ensure_user("mallory")
    from core.errors import RecordNotFound

    for action in (batch_store.batch_cells, runner.start, runner.rerun_failed, runner.stop):
        with pytest.raises(RecordNotFound):
            action(mallory.id, batch.id)
    assert batch_store.list_batches(mallory.id) == []
    batch_store.delete_batch(user.id, batch.id)
    assert batch_store.list_batches(user.id) == []


def test_a_stopped_batch_keeps_its_stopped_answers_then_runs_the_rest_and_reruns_them(
    runner, user, server
):
    arrived = threading.Semaphore(0)

    def held_open(request):  # streams until it is stopped
        arrived.release()
        return StreamReply([Data(ChunkFactory("r1").chunk({"content": "w "})), Stall(30)])

    server.default = held_open
    batch = runner.create(user.id, "stopped", PROMPTS, COLUMNS, concurrency=2)
    for _ in range(2):
        assert arrived.acquire(timeout=10), "the batch did not start two answers"
    runner.stop(user.id, batch.id)
    runner.wait(batch.id)  # the run ends once its stopped answers are saved
    assert not runner.is_running(batch.id)
    assert sorted(states(user, batch)) == [PENDING] * 4 + [STOPPED] * 2

    server.default = echo
    assert runner.start(user.id, batch.id) == 4  # "run the rest": the pending cells
    runner.wait(batch.id)
    assert sorted(states(user, batch)) == [COMPLETE] * 4 + [STOPPED] * 2
    assert runner.rerun_failed(user.id, batch.id) == 2
    runner.wait(batch.id)
    assert states(user, batch) == [COMPLETE] * 6
