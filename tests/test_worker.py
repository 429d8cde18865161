"""The process-wide worker: attach, limits, saving while streaming, forgetting.

Its clock is fake: a save interval passes when the test says so, not after a
real second, so these tests neither sleep nor depend on the machine's load.
"""

import pytest

from core.chat import ChatService, Choice
from core.demo.replies import ChunkFactory, Data, Stall, StreamReply, text_stream
from core.errors import TooManyAtOnce
from core.generation import GenerationRequest
from core.store import messages as message_store
from core.store.users import ensure_user
from core.store.views import COMPLETE, QUEUED, STOPPED, STREAMING
from core.tokens import count_text
from core.worker import BATCH_LANE, CHAT_LANE, KEEP_FINISHED_S, Job, Worker
from tests.conftest import local_catalog
from tests.fake_time import FakeClock, wait_for_progress


@pytest.fixture
def clock():
    return FakeClock(auto_advance=False)


@pytest.fixture
def worker(server, clock):
    worker = Worker(local_catalog(server), persist=False, clock=clock)
    yield worker
    worker.shutdown()


def job(message_id, user_id=1, lane=CHAT_LANE, text="q"):
    request = GenerationRequest("m", [{"role": "user", "content": text}])
    return Job(message_id, user_id, None, request, prompt_tokens=3, lane=lane)


def held_open(text="Hello "):
    """A reply that sends `text` and then nothing until the test stops it."""
    chunks = ChunkFactory("r1")
    return lambda request: StreamReply([Data(chunks.chunk({"content": text})), Stall(30)])


def test_a_streaming_answer_is_saved_each_time_the_interval_passes(db, server, clock):
    worker = Worker(local_catalog(server), clock=clock, save_interval_s=2.0)
    chat = ChatService(worker.catalog, worker)
    user = ensure_user("alice")
    server.default = held_open("The first words ")
    try:
        sent = chat.send(user.id, None, "Long one", Choice("m"))
        answer_id = sent.assistant_message_id
        wait_for_progress(
            worker.progress_of(user.id, answer_id), lambda s: s.answer == "The first words "
        )
        clock.wait_for_sleepers(1)  # the save loop waits for its interval
        stored = message_store.get_message(user.id, answer_id)
        assert (stored.status, stored.content) == (QUEUED, "")  # the interval has not passed
        clock.advance(1.9)
        clock.wait_for_sleepers(1)
        assert message_store.get_message(user.id, answer_id).content == ""
        clock.advance(0.1)
        clock.wait_for_sleepers(1)  # it saved, and waits for the next interval
        stored = message_store.get_message(user.id, answer_id)
        assert (stored.status, stored.content) == (STREAMING, "The first words ")
        assert clock.sleeps == [2.0, 2.0]
        assert chat.stop(user.id, answer_id)
        worker.wait(answer_id)
        stored = message_store.get_message(user.id, answer_id)
        assert (stored.status, stored.content) == (STOPPED, "The first words ")
    finally:
        worker.shutdown()


def test_a_second_submit_of_the_same_answer_attaches_to_it(worker, server):
    server.default = held_open()
    first = worker.submit(job(7))
    second = worker.submit(job(7))
    assert second is first
    wait_for_progress(first, lambda s: s.answer)
    assert len(server.requests) == 1  # never started twice
    worker.cancel(7)
    assert worker.wait(7).outcome == STOPPED


def test_the_limit_counts_one_users_answers_in_one_lane(worker, server):
    server.default = held_open()
    worker.submit(job(1, user_id=1), user_limit=1)
    with pytest.raises(TooManyAtOnce):
        worker.submit(job(2, user_id=1), user_limit=1)
    worker.submit(job(3, user_id=1, lane=BATCH_LANE), user_limit=1)  # a batch has its own
    worker.submit(job(4, user_id=2), user_limit=1)  # so does everyone else
    assert worker.active_count(1, CHAT_LANE) == 1 and worker.active_count(1, BATCH_LANE) == 1
    assert worker.active_count() == 3
    for message_id in (1, 3, 4):
        worker.cancel(message_id)
        worker.wait(message_id)
    assert worker.active_count() == 0
    worker.submit(job(5, user_id=1), user_limit=1)  # a stopped answer frees its place
    worker.cancel(5)
    worker.wait(5)


def test_progress_is_followed_only_by_its_owner(worker, server):
    server.default = held_open()
    worker.submit(job(1, user_id=1))
    assert worker.progress_of(1, 1) is not None
    assert worker.progress_of(2, 1) is None
    assert worker.progress_of(1, 99) is None
    worker.cancel(1)
    worker.wait(1)


def test_a_finished_answer_stays_readable_for_a_while_then_is_forgotten(worker, clock):
    worker.submit(job(1))
    assert worker.wait(1).outcome == COMPLETE
    clock.advance(KEEP_FINISHED_S / 2)
    worker.submit(job(2))
    worker.wait(2)
    clock.advance(KEEP_FINISHED_S / 2)
    worker.submit(job(3))  # forgetting happens as new answers start
    assert worker.progress_of(1, 1) is not None  # exactly KEEP_FINISHED_S: still kept
    clock.advance(0.5)
    worker.submit(job(4))
    assert worker.progress_of(1, 1) is None
    assert worker.progress_of(1, 2) is not None  # it finished later
    worker.wait(3)
    worker.wait(4)


def test_usage_is_estimated_when_the_provider_reports_none(worker, server):
    server.default = lambda r: StreamReply(text_stream("r1", answer=["Four", " words, no more."]))
    worker.submit(job(1))
    usage = worker.wait(1).usage
    assert usage.estimated and usage.prompt_tokens == 3
    assert usage.completion_tokens == count_text("Four words, no more.")


def test_the_providers_usage_is_kept_as_reported(worker, server):
    server.default = lambda r: StreamReply(text_stream("r1", answer=["Hi"], usage=(11, 2, None)))
    worker.submit(job(1))
    usage = worker.wait(1).usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.estimated) == (11, 2, False)


def test_stop_before_it_starts_stops_it(worker, server):
    server.default = held_open()
    progress = worker.submit(job(1))
    worker.cancel(1)
    assert worker.wait(1).outcome == STOPPED
    assert progress.done and not worker.is_running(1)
    assert not worker.cancel(1)  # nothing left to stop
