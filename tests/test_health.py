"""The Status page's data: a typed row per route, from the runtime and the attempt log."""

import pytest

from core.generation import Runtime
from core.health import WINDOW_S, status_report
from core.resilience.breaker import BreakerState
from core.store import attempts as attempt_log
from tests.conftest import local_catalog
from tests.fake_time import FakeClock


@pytest.fixture
def runtime(db, server):
    catalog = local_catalog(server, routes=2, max_concurrency=3, policy={"breaker_failures": 1})
    return Runtime(catalog, clock=FakeClock())


def log(runtime, provider, outcome, duration_ms, ttft_ms=None, age_s=60.0):
    attempt_log.record_route_attempt(
        attempt_log.AttemptRecord(
            message_id=None,
            model_id="m",
            provider_id=provider,
            upstream_model="r1",
            attempt_no=1,
            outcome=outcome,
            error_kind=None,
            http_status=None,
            queue_ms=0,
            ttft_ms=ttft_ms,
            duration_ms=duration_ms,
            prompt_tokens=None,
            completion_tokens=None,
            started_at=runtime.clock.wall() - age_s,
        )
    )


def test_a_row_per_route_with_its_requests_of_the_last_hour(runtime):
    log(runtime, "p1", attempt_log.OK, 1_000, 100)
    log(runtime, "p1", attempt_log.OK, 3_000, 300)
    log(runtime, "p1", attempt_log.BUSY, 20)
    log(runtime, "p1", attempt_log.BUSY, 20)
    log(runtime, "p1", attempt_log.OK, 99_000, 9_000, age_s=WINDOW_S + 1)  # too old
    report = status_report(runtime.catalog, runtime)
    first, second = report.routes
    assert (first.provider_label, first.upstream_model, first.model_label) == (
        "Cloud 1",
        "r1",
        "Model M",
    )
    assert (first.requests, first.busy_rate) == (4, 0.5)
    # Percentiles of successful requests, as core/metrics.py defines them.
    assert (first.latency_p50_s, first.latency_p95_s, first.ttft_p50_s) == (2.0, 2.9, 0.2)
    assert (second.requests, second.busy_rate, second.latency_p50_s) == (0, None, None)
    assert report.requests_per_minute.sum().to_dict() == {"busy": 2, "ok": 2}
    assert list(report.latency_per_minute_s.columns) == ["p1 · r1"]


def test_breakers_and_queues_are_shown_as_they_stand(runtime):
    runtime.breakers["p2/r1"].record_busy()  # opens: one busy answer is the threshold here
    report = status_report(runtime.catalog, runtime)
    first, second = report.routes
    assert first.breaker.state is BreakerState.CLOSED and not first.paused
    assert second.breaker.state is BreakerState.OPEN and second.paused
    assert second.breaker.retry_in_s == runtime.catalog.policy.breaker_cooldown_s
    assert report.any_paused
    # The provider's limit, before any request made its queue.
    assert (first.line.capacity, first.line.active, first.line.waiting) == (3, 0, 0)


def test_a_route_nobody_limits_has_no_line_and_a_missing_key_shows(db, server):
    catalog = local_catalog(
        server, provider_options={"api_key_env": "CLOUD_KEY", "key_required": True}
    )
    (row,) = status_report(catalog, Runtime(catalog, clock=FakeClock())).routes
    assert row.line is None
    assert not row.available and row.key_hint == ""
    assert not status_report(catalog, Runtime(catalog)).any_paused
