"""Switches pressed in one process hold in every other (PostgreSQL): the demo's
fault switches and the Status page's "close all breakers".

Each other process is a real OS process with its own engine
(tests/demo_replica_process.py, tests/replica_process.py). SQLite serves one
process, whose switches stay in memory, so these run only on PostgreSQL.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from core.chat import Choice
from core.demo.faults import clear_faults, faults_for, set_faults, share_faults
from core.demo.replies import ErrorReply, error_body
from core.demo.shared_faults import SharedFaults
from core.resilience.breaker import BreakerState
from core.store.users import ensure_user
from core.store.views import COMPLETE
from tests.child_process import failure, start
from tests.databases import on_sqlite
from tests.test_shared_scheduling import StreamsAtOnce, replicas

pytestmark = pytest.mark.skipif(
    on_sqlite(), reason="several processes share switches only on PostgreSQL (TEST_DATABASE_URL)"
)

QUESTION = {"model": "demo-swift", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def shared_faults(db):
    share_faults(SharedFaults())  # as the app's services do on PostgreSQL
    yield
    share_faults(None)
    clear_faults()


@pytest.fixture
def demo_replica(db):
    """Another process's demo server, reading the switches from the database."""
    process = start("tests.demo_replica_process", db)
    line = process.stdout.readline().strip()
    if not line.isdigit():
        pytest.fail(failure(process))
    yield f"http://127.0.0.1:{line}"
    process.stdin.close()
    process.wait(10)


def status_of(base: str, provider: str) -> int:
    request = urllib.request.Request(
        f"{base}/{provider}/v1/chat/completions",
        data=json.dumps(QUESTION).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def seconds_until(base: str, provider: str, status: int, limit_s: float = 10) -> float:
    started = time.monotonic()
    while status_of(base, provider) != status:
        assert time.monotonic() - started < limit_s, f"{provider} never answered {status}"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_fault_switched_here_holds_in_another_process_demo_server(shared_faults, demo_replica):
    assert status_of(demo_replica, "demo-east") == 200

    set_faults("demo-east", busy_rate=1.0)  # the Status page's slider, in this process
    assert seconds_until(demo_replica, "demo-east", 503) < 3  # its cache lasts a second
    assert status_of(demo_replica, "demo-west") == 200  # one provider's switch only

    set_faults("demo-east", busy_rate=0.0)
    assert seconds_until(demo_replica, "demo-east", 200) < 3
    assert faults_for("demo-east").busy_rate == 0.0


def test_closing_the_breakers_in_one_process_closes_them_in_the_others(db, server, make_chat):
    server.default = lambda request: ErrorReply(503, error_body("overloaded", "server_error"))
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
        assert one.report()["outcomes"] == ["error"]  # two busy answers open the route
    assert len(server.requests) == 2

    chat = make_chat(policy=policy)  # the Status page's process
    breakers = chat.worker.runtime.breakers
    assert breakers.view_of("p1/r1").state is BreakerState.OPEN
    server.default = StreamsAtOnce(pieces=2, delay=0.01)  # the provider has recovered
    breakers.reset()  # "Close all breakers"
    assert breakers.view_of("p1/r1").state is BreakerState.CLOSED

    with replicas(db, {**settings, "questions": ["second"]}) as (two,):
        two.go()
        assert two.report()["outcomes"] == [COMPLETE]  # the other process calls it again
    assert len(server.requests) == 3

    alice = ensure_user("alice")
    answer_id = chat.send(alice.id, None, "third", Choice("m")).assistant_message_id
    assert chat.worker.wait(answer_id, timeout=20).outcome == COMPLETE
