"""The per-user limits on fake time: the message rate limit (in memory, and
counted in the database on PostgreSQL) and the day's token cap, both read from
the clock the worker runs on, so a test moves them exactly without sleeping."""

import time

import pytest

from core.chat import Choice
from core.errors import TokenQuotaReached, TooManyMessages
from core.limits import RateLimiter, SharedRateLimiter, rate_limiter_for
from core.store.advisory import is_shared_database
from core.store.users import ensure_user
from tests.fake_time import FakeClock


def test_the_next_message_is_allowed_exactly_when_the_oldest_leaves_the_window():
    clock = FakeClock()
    limiter = RateLimiter(3, 60.0, clock)
    for _ in range(3):
        assert limiter.try_acquire(1) == 0.0
        clock.advance(10.0)
    assert limiter.try_acquire(1) == 30.0  # the first was 30 s ago... of 60
    clock.advance(29.0)
    assert limiter.try_acquire(1) == 1.0
    clock.advance(1.0)
    assert limiter.try_acquire(1) == 0.0
    assert limiter.try_acquire(1) == 10.0  # the second leaves 10 s later


def test_a_refused_message_is_not_counted():
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock)
    assert limiter.try_acquire(1) == 0.0
    for _ in range(5):
        assert limiter.try_acquire(1) > 0
    clock.advance(60.0)
    assert limiter.try_acquire(1) == 0.0


def test_each_user_has_a_window_of_their_own():
    clock = FakeClock()
    limiter = RateLimiter(1, 60.0, clock)
    assert limiter.try_acquire(1) == 0.0
    assert limiter.try_acquire(2) == 0.0
    assert limiter.try_acquire(1) == 60.0


def test_a_limit_of_zero_means_no_limit():
    limiter = RateLimiter(0, 60.0, FakeClock())
    assert all(limiter.try_acquire(1) == 0.0 for _ in range(100))


def test_sends_counted_together_leave_the_window_together():
    clock = FakeClock()
    limiter = RateLimiter(4, 60.0, clock)
    assert limiter.try_acquire(1, 3) == 0.0  # a comparison of three columns
    clock.advance(20.0)
    assert limiter.try_acquire(1, 2) == 40.0  # one would fit; two need the three gone
    assert limiter.try_acquire(1, 1) == 0.0
    assert limiter.try_acquire(1, 5) == 60.0  # more than the limit: a full window


# ------------------------------------------------ the limits a chat service uses


@pytest.fixture
def clock():
    # Time moves only when the test says: the worker's save loop sleeps on this
    # clock too, and would otherwise move the windows under the test. Its wall
    # time starts at the real one: the store stamps answers with the real time.
    return FakeClock(auto_advance=False, wall=time.time())


@pytest.fixture
def chat_on(make_chat, clock):
    return lambda **policy: make_chat(clock=clock, policy=policy)


def test_the_chat_limiter_is_the_one_for_this_database(chat_on):
    chat = chat_on(messages_per_minute=2)
    expected = SharedRateLimiter if is_shared_database() else RateLimiter
    assert type(chat.rate) is expected


def test_a_chat_may_send_again_exactly_when_the_window_has_passed(chat_on, clock):
    chat = chat_on(messages_per_minute=2)
    user = ensure_user("alice")
    for text in ("one", "two"):
        chat.worker.wait(chat.send(user.id, None, text, Choice("m")).assistant_message_id)
        clock.advance(15.0)
    with pytest.raises(TooManyMessages) as refused:
        chat.send(user.id, None, "three", Choice("m"))
    assert refused.value.detail == "30"  # the first send leaves the minute in 30 s
    clock.advance(29.5)
    with pytest.raises(TooManyMessages) as refused:
        chat.send(user.id, None, "three", Choice("m"))
    assert refused.value.detail == "1"  # half a second, shown as a whole one
    clock.advance(0.5)
    chat.worker.wait(chat.send(user.id, None, "three", Choice("m")).assistant_message_id)


def test_the_limiter_for_this_database_counts_on_the_clock(db, clock):
    """On PostgreSQL sends are rows other processes compare with their own time:
    the clock's epoch seconds. On SQLite the in-memory one, on its monotonic time."""
    limiter = rate_limiter_for(1, clock)
    user = ensure_user("alice")
    assert limiter.try_acquire(user.id) == 0.0
    clock.advance(59.0)
    assert limiter.try_acquire(user.id) == pytest.approx(1.0)
    clock.advance(1.0)
    assert limiter.try_acquire(user.id) == 0.0


def test_the_days_tokens_come_back_a_day_after_they_were_spent(chat_on, clock):
    chat = chat_on(messages_per_minute=100, max_tokens_per_day=10)
    user = ensure_user("alice")
    for text in ("one", "two"):  # 7 tokens each (5 prompt + 2 completion)
        chat.worker.wait(chat.send(user.id, None, text, Choice("m")).assistant_message_id)
    # The answers were stamped by the store with the real time, a moment after
    # the clock's start: a minute either side of the day covers that moment.
    clock.advance(24 * 3600 - 60)
    with pytest.raises(TokenQuotaReached):
        chat.send(user.id, None, "three", Choice("m"))
    clock.advance(120)
    chat.worker.wait(chat.send(user.id, None, "three", Choice("m")).assistant_message_id)
