"""Busy backends: retries, failover, fallback, watchdogs, breakers, the queue.

Every test drives the real openai SDK against a real local HTTP server that
injects the fault.
"""

import asyncio
import random
import threading

import pytest

from core.demo.replies import (
    ChunkFactory,
    Comment,
    Data,
    Done,
    Drop,
    DropReply,
    ErrorReply,
    Raw,
    Stall,
    StreamReply,
    error_body,
    text_stream,
)
from core.errors import (
    AuthFailed,
    ConnectionFailed,
    FirstTokenTimeout,
    Overloaded,
    RateLimited,
    Stalled,
    StreamInterrupted,
)
from core.events import Answer, Phase, RouteStarted, Status
from core.generation import Generation, GenerationRequest, Runtime
from core.i18n import Translator
from tests.app.conftest import shown
from tests.conftest import local_catalog
from tests.fake_time import FakeClock
from ui.errors import describe_error

BUSY = ErrorReply(503, error_body("Server busy, please try again later"))


def ok(answer="Fine."):
    return StreamReply(text_stream("r1", answer=[answer]))


def generate(catalog, *, model="m", allow_fallback=True, records=None, clock=None):
    """Run one generation on fake time; return (events, error or None).

    Waits between attempts take no real time: `clock.sleeps` has them exactly.
    """
    events = []

    async def record(attempt):
        records.append(attempt)

    runtime = Runtime(
        catalog,
        clock=clock or FakeClock(),
        jitter=random.Random(0),
        record_route_attempt=record if records is not None else None,
    )

    async def run():
        generation = Generation(
            runtime,
            GenerationRequest(
                model, [{"role": "user", "content": "q"}], allow_fallback=allow_fallback
            ),
            events.append,
        )
        try:
            await generation.run()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            return error
        finally:
            await runtime.settle()  # attempt records have landed
        return None

    return events, asyncio.run(run())


def answer_of(events):
    return "".join(e.text for e in events if isinstance(e, Answer))


def statuses(events, phase):
    return [e for e in events if isinstance(e, Status) and e.phase is phase]


def test_429_retry_waits_exactly_retry_after_and_shows_the_countdown(server):
    server.push(ErrorReply(429, error_body("Too many requests"), {"Retry-After": "7"}), ok())
    clock = FakeClock()
    started_wall = clock.wall()
    events, error = generate(local_catalog(server), clock=clock)
    assert error is None and answer_of(events) == "Fine."
    assert clock.sleeps == [7.0]  # backoff of round 1 is 0.05 s at most: Retry-After wins
    retry = statuses(events, Phase.RETRYING)[0]
    assert (retry.attempt, retry.max_attempts, retry.until) == (2, 5, started_wall + 7.0)


def test_503_storm_backs_off_more_each_round(server):
    server.push(BUSY, BUSY, BUSY, BUSY, ok())
    catalog = local_catalog(
        server, policy={"base_delay_s": 1.0, "max_delay_s": 5, "breaker_failures": 10}
    )
    clock = FakeClock()
    events, error = generate(catalog, clock=clock)
    assert error is None
    ceilings = [1.0, 2.0, 4.0, 5.0]  # doubling from base_delay_s, capped at max_delay_s
    assert len(clock.sleeps) == 4
    assert all(c / 2 <= s <= c for s, c in zip(clock.sleeps, ceilings, strict=True))
    assert [s.attempt for s in statuses(events, Phase.RETRYING)] == [2, 3, 4, 5]


def test_a_wait_that_would_overrun_the_budget_gives_up_instead(server):
    busy = ErrorReply(429, error_body("Too many requests"), {"Retry-After": "4"})
    server.default = lambda r: busy
    catalog = local_catalog(server, policy={"retry_budget_s": 10})
    clock = FakeClock()
    _, error = generate(catalog, allow_fallback=False, clock=clock)
    assert isinstance(error, RateLimited)
    assert clock.sleeps == [4.0, 4.0]  # a third wait would end at 12 s of a 10 s budget
    assert len(server.requests) == 3


def test_when_every_route_is_paused_it_waits_for_the_first_trial(server):
    server.push(BUSY, BUSY, ok("After the pause."))
    catalog = local_catalog(
        server,
        routes=2,
        policy={"breaker_failures": 1, "breaker_cooldown_s": 30, "retry_budget_s": 60},
    )
    clock = FakeClock()
    events, error = generate(catalog, allow_fallback=False, clock=clock)
    assert error is None and answer_of(events) == "After the pause."
    # Round 1: both routes busy, both breakers open; a short backoff. Round 2
    # finds every route paused and waits until the first allows a trial: the
    # third request goes out exactly 30 s after the breakers opened.
    assert len(clock.sleeps) == 2 and sum(clock.sleeps) == pytest.approx(30.0, abs=1e-9)
    assert [r.provider for r in server.requests] == ["p1", "p2", "p1"]


def test_permanent_error_is_never_retried_and_says_what_to_do(server):
    server.push(ErrorReply(401, error_body("Authentication Fails, Your api key is invalid")))
    catalog = local_catalog(
        server, provider_options={"api_key_env": "CLOUD_KEY", "key_required": False}
    )
    _, error = generate(catalog)
    assert isinstance(error, AuthFailed)
    assert len(server.requests) == 1
    message = shown(describe_error(Translator("en"), error, catalog, "m"))
    assert message == "Cloud 1 rejected the API key: check CLOUD_KEY."


def test_keep_alive_longer_than_read_timeout_then_answer(server):
    chunks = ChunkFactory("r1")
    steps = [Comment(delay=0.3) for _ in range(8)]  # 2.4 s of keep-alives, 1 s read timeout
    steps += [
        Data(chunks.chunk({"content": "Worth the wait."})),
        Data(chunks.chunk({}, "stop")),
        Done(),
    ]
    server.push(StreamReply(steps))
    catalog = local_catalog(server, provider_options={"stall_timeout": 1.0})
    events, error = generate(catalog)
    assert error is None and answer_of(events) == "Worth the wait."
    assert len(server.requests) == 1


def test_total_stall_is_cut(server):
    server.push(StreamReply([Stall(5)]))
    catalog = local_catalog(
        server, provider_options={"stall_timeout": 0.5}, policy={"max_attempts": 1}
    )
    _, error = generate(catalog, allow_fallback=False)
    assert isinstance(error, Stalled)  # not the stream's end, 5 s later


def test_keep_alives_forever_hit_the_first_token_watchdog(server):
    server.push(StreamReply([Comment(delay=0.2) for _ in range(50)]))
    catalog = local_catalog(
        server, provider_options={"first_token_timeout": 1.0}, policy={"max_attempts": 1}
    )
    _, error = generate(catalog)
    assert isinstance(error, FirstTokenTimeout)  # not the stream's end, 10 s later


@pytest.mark.parametrize(
    "broken_tail",
    [
        [Drop()],  # the connection drops
        [Raw(b"data: {oops\n\n")],  # a chunk that is not JSON
        [Data({"error": {"message": "upstream failed"}})],  # an error event in a 200 stream
        [],  # the stream just ends: no finish reason, no [DONE]
    ],
)
def test_failure_after_text_keeps_it_and_is_not_complete(server, broken_tail):
    chunks = ChunkFactory("r1")
    server.push(StreamReply([Data(chunks.chunk({"content": "Half an "})), *broken_tail]))
    events, error = generate(local_catalog(server, routes=2))
    assert isinstance(error, StreamInterrupted)
    assert answer_of(events) == "Half an "
    assert len(server.requests) == 1  # no silent retry that would duplicate text


def test_first_route_down_fails_over_to_second_and_records_it(server):
    server.default = lambda r: DropReply() if r.provider == "p1" else ok("From p2.")
    records = []
    events, error = generate(local_catalog(server, routes=2), records=records)
    assert error is None and answer_of(events) == "From p2."
    started = [e for e in events if isinstance(e, RouteStarted)]
    assert [e.provider_id for e in started] == ["p1", "p2"]
    assert statuses(events, Phase.FAILING_OVER)[0].provider == "Cloud 2"
    assert [(r.provider_id, r.outcome) for r in records] == [("p1", "busy"), ("p2", "ok")]
    assert records[0].error_kind == ConnectionFailed.kind


def test_all_routes_busy_degrades_to_the_fallback_and_says_so(server):
    server.default = lambda r: BUSY if r.model == "r1" else ok("Fast answer.")
    events, error = generate(local_catalog(server, routes=2, fallback=True))
    assert error is None and answer_of(events) == "Fast answer."
    degraded = statuses(events, Phase.DEGRADED)[0]
    assert degraded.model == "fast" and degraded.extra["from"] == "m"
    assert [e.model_id for e in events if isinstance(e, RouteStarted)][-1] == "fast"


def test_fallback_is_not_used_when_the_user_turned_it_off(server):
    server.default = lambda r: BUSY if r.model == "r1" else ok("Fast answer.")
    catalog = local_catalog(server, fallback=True, policy={"max_attempts": 2})
    events, error = generate(catalog, allow_fallback=False)
    assert isinstance(error, Overloaded)
    assert not statuses(events, Phase.DEGRADED)
    assert {r.model for r in server.requests} == {"r1"}


def test_breaker_opens_and_later_requests_skip_the_route(server):
    server.default = lambda r: BUSY if r.provider == "p1" else ok("p2")
    catalog = local_catalog(
        server, routes=2, policy={"breaker_failures": 2, "breaker_cooldown_s": 60}
    )
    runtime = Runtime(catalog)

    async def one():
        events = []
        await Generation(
            runtime, GenerationRequest("m", [{"role": "user", "content": "q"}]), events.append
        ).run()
        return events

    async def run():
        for _ in range(4):
            await one()

    asyncio.run(run())
    hits_p1 = sum(1 for r in server.requests if r.provider == "p1")
    assert hits_p1 == 2  # opened after two busy answers, then skipped by everyone
    assert runtime.breakers["p1/r1"].view("p1/r1").state == "open"


def test_twenty_requests_two_slots_all_answered_in_order(server):
    lock = threading.Lock()
    in_flight = {"now": 0, "max": 0}

    def counted(request):
        def steps():
            with lock:
                in_flight["now"] += 1
                in_flight["max"] = max(in_flight["max"], in_flight["now"])
            try:
                yield from text_stream(
                    "r1", answer=["a", "b", request.messages[-1]["content"]], delay=0.02
                )
            finally:
                with lock:
                    in_flight["now"] -= 1

        return StreamReply(steps())

    server.default = counted
    catalog = local_catalog(server, max_concurrency=2)
    runtime = Runtime(catalog)
    answers = {}

    async def one(index):
        events = []
        request = GenerationRequest("m", [{"role": "user", "content": str(index)}], ticket=index)
        await Generation(runtime, request, events.append).run()
        answers[index] = answer_of(events)

    async def run():
        await asyncio.gather(*(one(i) for i in range(20)))

    asyncio.run(run())
    assert answers == {i: f"ab{i}" for i in range(20)}
    assert in_flight["max"] == 2
    order = [int(r.messages[-1]["content"]) for r in server.requests]
    assert all(abs(position - index) <= 2 for position, index in enumerate(order))


def test_a_full_queue_sends_new_requests_to_an_idle_route(server):
    server.default = lambda r: StreamReply(
        text_stream("r1", answer=["x", r.provider], delay=0.1 if r.provider == "p1" else 0)
    )
    catalog = local_catalog(server, routes=2, max_concurrency=1)
    runtime = Runtime(catalog)
    providers = []

    async def one(index):
        events = []
        request = GenerationRequest("m", [{"role": "user", "content": "q"}], ticket=index)
        await Generation(runtime, request, events.append).run()
        providers.append([e.provider_id for e in events if isinstance(e, RouteStarted)][-1])

    async def run():
        await asyncio.gather(one(1), one(2))

    asyncio.run(run())
    assert sorted(providers) == ["p1", "p2"]  # the second did not wait behind the first


def test_rate_limits_do_not_open_the_breaker(server):
    limited = ErrorReply(429, error_body("Too many requests"), {"Retry-After": "0"})
    server.push(limited, limited, limited, limited, ok())
    catalog = local_catalog(server, policy={"breaker_failures": 2})
    runtime = Runtime(catalog, clock=FakeClock())

    async def run():
        events = []
        request = GenerationRequest("m", [{"role": "user", "content": "q"}])
        await Generation(runtime, request, events.append).run()
        return events

    assert answer_of(asyncio.run(run())) == "Fine."
    assert runtime.breakers["p1/r1"].view("p1/r1").state == "closed"
