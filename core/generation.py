"""One answer, from request to last token: admission, retries, failover, fallback.

The policy (docs/resilience.md):

* Each route of the model is tried in priority order, skipping routes whose
  circuit breaker is open. A busy answer before the first token moves on to
  the next route at once (failover).
* When a whole round of routes was busy, the request waits (exponential
  backoff with jitter, at least the server's Retry-After) and tries again,
  within a waiting budget and a maximum number of attempts.
* After `degrade_after_rounds` busy rounds, or at once when every route's
  breaker is open, the model's fallback answers if the user allows it, and
  the answer says so.
* A permanent error is never retried on the same route. Errors that belong
  to a route (bad key, no balance, unknown model) let the next route try;
  errors that belong to the request (bad request, context too long) end it.
* Once text has arrived, a failure is an interruption: the text is kept and
  the user chooses Retry or Continue; nothing is presented as complete that
  was not.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from core.backend import CallSpec, ClientPool, stream_route
from core.catalog import Catalog, Model, Route
from core.clock import SYSTEM_CLOCK, Clock
from core.errors import (
    AppError,
    BadRequest,
    BusyError,
    ContextTooLong,
    FirstTokenTimeout,
    Overloaded,
    PermanentError,
    ProviderUnavailable,
    RateLimited,
    StreamInterrupted,
)
from core.events import (
    Answer,
    Event,
    Phase,
    Reasoning,
    ReasoningConfirmed,
    ReasoningWasAnswer,
    RouteStarted,
    Status,
    Usage,
    WebSearchDone,
)
from core.resilience.admission import Admission
from core.resilience.backoff import backoff_delay
from core.resilience.breaker import BreakerBoard
from core.store import attempts as attempt_outcomes
from core.store.attempts import AttemptRecord

if TYPE_CHECKING:
    from core.websearch.grounding import SearchAsk, WebGrounding


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerationRequest:
    model_id: str
    messages: list[dict[str, str]]
    thinking: bool | None = None
    temperature: float | None = None
    allow_fallback: bool = True
    ticket: int = 0  # place in line: taken at Send, kept across retries
    message_id: int | None = None
    web_search: SearchAsk | None = None  # ground the answer in web pages first


@dataclass
class Runtime:
    """Process-wide state every generation shares."""

    catalog: Catalog
    clock: Clock = SYSTEM_CLOCK
    jitter: random.Random = field(default_factory=random.Random)  # backoff's randomness
    pool: ClientPool = field(default_factory=ClientPool)
    breakers: BreakerBoard = None  # type: ignore[assignment]
    admission: Admission = None  # type: ignore[assignment]
    record_route_attempt: Callable[[AttemptRecord], Awaitable[None]] | None = None
    web: WebGrounding | None = None  # web search; built from the catalog's [search]
    _background: set[asyncio.Task] = field(default_factory=set)

    def spawn(self, coroutine: Awaitable[None]) -> None:
        """Run a side task (a metrics write) without waiting for it or losing it."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settle(self) -> None:
        """Wait for the side tasks started so far (tests; a clean shutdown)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def __post_init__(self) -> None:
        policy = self.catalog.policy
        if self.breakers is None:
            self.breakers = BreakerBoard(
                policy.breaker_failures, policy.breaker_cooldown_s, self.clock.monotonic
            )
        if self.admission is None:
            self.admission = Admission(self.catalog)
        if self.web is None:
            from core.websearch.grounding import grounding_for

            self.web = grounding_for(self.catalog.search, self.clock)


Emit = Callable[[Event], None]


class Generation:
    def __init__(self, runtime: Runtime, request: GenerationRequest, emit: Emit) -> None:
        self.runtime = runtime
        self.catalog = runtime.catalog
        self.policy = runtime.catalog.policy
        self.request = request
        self.emit = emit
        self.clock = runtime.clock
        self._loop_deadline = 0.0
        self._budget_end = 0.0

    async def run(self) -> None:
        """Stream the answer into `emit`; raise an `AppError` if there is none."""
        await self._ground_in_web()
        loop = asyncio.get_running_loop()
        self._loop_deadline = loop.time() + self.policy.total_deadline_s
        self._budget_end = self.clock.monotonic() + self.policy.retry_budget_s
        model = self.catalog.model(self.request.model_id)
        if model is None:
            raise ProviderUnavailable(f"model '{self.request.model_id}' is not in the catalog")
        fallback = self._fallback_for(model)
        try:
            await self._run_model(model, last_stage=fallback is None)
        except BusyError as busy:
            if fallback is None:
                raise
            self.emit(
                Status(
                    Phase.DEGRADED, model=fallback.id, detail=busy.kind, extra={"from": model.id}
                )
            )
            await self._run_model(fallback, last_stage=True)

    async def _ground_in_web(self) -> None:
        """Search and read first when asked (its own time limits; not the answer's)."""
        ask = self.request.web_search
        if ask is None or self.runtime.web is None:
            return
        try:
            messages = await self.runtime.web.ground(ask, self.request.messages, self.emit)
        except Exception:  # search must never cost the answer itself
            log.exception("web search failed unexpectedly")
            from core.websearch.results import WebSources

            self.emit(WebSearchDone(WebSources(ask.query, unavailable="unexpected")))
            return
        self.request = replace(self.request, messages=messages)

    def _fallback_for(self, model: Model) -> Model | None:
        if not self.request.allow_fallback or not model.fallback:
            return None
        fallback = self.catalog.model(model.fallback)
        if fallback is None or not self.catalog.is_available(fallback):
            return None
        return fallback

    async def _run_model(self, model: Model, *, last_stage: bool) -> None:
        routes = self.catalog.available_routes(model)
        if not routes:
            missing = ", ".join(self.catalog.missing_keys(model))
            raise ProviderUnavailable(model.label, key_env=missing)
        attempt = 0
        rounds = 0
        last_busy: BusyError | None = None
        first_permanent: PermanentError | None = None
        dead: set[str] = set()  # routes that failed permanently for this request
        while True:
            tried = 0
            for route in self._by_room(routes):
                if route.key in dead or attempt >= self.policy.max_attempts:
                    continue
                if not self.runtime.breakers[route.key].allows():
                    continue
                attempt += 1
                tried += 1
                if last_busy is not None and tried > 1:
                    self._announce_failover(route, last_busy)
                try:
                    await self._attempt(model, route, attempt)
                    return
                except (ContextTooLong, BadRequest):
                    raise
                except BusyError as busy:
                    last_busy = busy
                except PermanentError as permanent:
                    dead.add(route.key)
                    first_permanent = first_permanent or permanent
            if all(route.key in dead for route in routes):
                raise first_permanent or ProviderUnavailable(model.label)
            rounds += 1
            if not last_stage and (tried == 0 or rounds >= self.policy.degrade_after_rounds):
                raise last_busy or Overloaded("every route is paused", provider=model.label)
            await self._wait_before_retry(model, routes, rounds, attempt, last_busy, tried)

    def _by_room(self, routes: list[Route]) -> list[Route]:
        """Routes in priority order, those with a free slot first.

        Our own queue being full is a kind of busy: when the preferred route
        has people waiting and another route of the same model is idle, the
        request goes there rather than joining the line.
        """

        def full(route: Route) -> bool:
            gate = self.runtime.admission.gate_for(route)
            return gate is not None and not gate.has_room

        return sorted(routes, key=full)  # stable: priority order within each group

    def _announce_failover(self, route: Route, reason: AppError) -> None:
        provider = self.catalog.providers[route.provider]
        self.emit(
            Status(
                Phase.FAILING_OVER,
                provider=provider.label,
                detail=reason.kind,
                extra={"from": reason.provider},
            )
        )

    async def _wait_before_retry(
        self,
        model: Model,
        routes: list[Route],
        rounds: int,
        attempt: int,
        last_busy: BusyError | None,
        tried: int,
    ) -> None:
        if attempt >= self.policy.max_attempts:
            raise last_busy or Overloaded("too many attempts", provider=model.label)
        delay = backoff_delay(
            rounds,
            base=self.policy.base_delay_s,
            cap=self.policy.max_delay_s,
            retry_after=last_busy.retry_after if last_busy else None,
            rng=self.runtime.jitter,
        )
        if tried == 0:  # every breaker open: wait for the first one to allow a trial
            soonest = min(self.runtime.breakers[r.key].seconds_until_trial() for r in routes)
            delay = max(delay, soonest)
        if self.clock.monotonic() + delay > self._budget_end:
            raise last_busy or Overloaded("every route is paused", provider=model.label)
        self.emit(
            Status(
                Phase.RETRYING,
                provider=last_busy.provider if last_busy else model.label,
                model=model.id,
                detail=last_busy.kind if last_busy else "paused",
                attempt=attempt + 1,
                max_attempts=self.policy.max_attempts,
                until=self.clock.wall() + delay,
            )
        )
        await self.clock.sleep(delay)

    # ------------------------------------------------------------ one attempt

    async def _attempt(self, model: Model, route: Route, attempt_no: int) -> None:
        provider = self.catalog.providers[route.provider]
        breaker = self.runtime.breakers[route.key]
        gate = self.runtime.admission.gate_for(route)
        record: dict[str, Any] = {
            "model_id": model.id,
            "provider_id": provider.id,
            "upstream_model": route.model,
            "attempt_no": attempt_no,
            "started_at": self.clock.wall(),
        }
        queued = self.clock.monotonic()
        if gate is not None:

            def on_position(position: int, eta_s: float) -> None:
                self.emit(
                    Status(Phase.QUEUED, provider=provider.label, position=position, eta_s=eta_s)
                )

            await gate.acquire(self.request.ticket, on_position)
        started = self.clock.monotonic()
        record["queue_ms"] = int((started - queued) * 1000)
        self.emit(RouteStarted(model.id, provider.id, route.model, attempt_no))
        meter = _Meter(started)
        try:
            await self._stream(model, route, meter)
        except (asyncio.CancelledError, AppError) as error:
            # A rate limit is a live server pacing us, and it says when to come
            # back: honour Retry-After rather than shut the route for everyone.
            if isinstance(error, BusyError) and not isinstance(error, RateLimited):
                breaker.record_busy()
            else:
                breaker.release_trial()
            failure = error if isinstance(error, AppError) else None
            self._record(record, meter, _outcome_of(error), failure)
            raise
        else:
            breaker.record_success()
            self._record(record, meter, attempt_outcomes.OK, None)
        finally:
            if meter.provisional:
                # Stopped, broken or timed out before a </think> settled it: as
                # at a normal end with no </think>, the text is kept as the
                # answer (the part a user can read, copy and Continue from).
                self.emit(ReasoningWasAnswer())
            if gate is not None:
                gate.release(self.clock.monotonic() - started)

    async def _stream(self, model: Model, route: Route, meter: _Meter) -> None:
        provider = self.catalog.providers[route.provider]
        loop = asyncio.get_running_loop()
        first_token_deadline = min(loop.time() + provider.first_token_timeout, self._loop_deadline)
        spec = CallSpec(
            provider=provider,
            route=route,
            messages=self.request.messages,
            temperature=self.request.temperature,
            extra_body=self._extra_body(model, route),
            expects_reasoning=model.thinks(self.request.thinking),
        )
        try:
            async with asyncio.timeout_at(first_token_deadline) as scope:
                async for event in stream_route(self.runtime.pool, spec):
                    if isinstance(event, Reasoning | Answer) and meter.first_token is None:
                        meter.first_token = self.clock.monotonic()
                        scope.reschedule(self._loop_deadline)
                    meter.observe(event)
                    self.emit(event)
        except TimeoutError:
            if meter.first_token is None:
                raise FirstTokenTimeout(provider=provider.label) from None
            raise StreamInterrupted("deadline", provider=provider.label) from None
        except StreamInterrupted:
            raise
        except AppError as failure:
            if meter.first_token is not None:
                raise StreamInterrupted(
                    failure.detail or failure.kind, provider=provider.label, status=failure.status
                ) from failure
            raise

    def _extra_body(self, model: Model, route: Route) -> dict[str, Any]:
        body = dict(route.extra_body)
        switch = model.thinking_switch
        if switch is not None and self.request.thinking is not None:
            body.update(switch.enabled if self.request.thinking else switch.disabled)
        return body

    def _record(self, record: dict, meter: _Meter, outcome: str, error: AppError | None) -> None:
        if self.runtime.record_route_attempt is None:
            return
        now = self.clock.monotonic()
        usage = meter.usage
        attempt = AttemptRecord(
            message_id=self.request.message_id,
            outcome=outcome,
            error_kind=error.kind if error else None,
            http_status=error.status if error else None,
            ttft_ms=int((meter.first_token - meter.started) * 1000) if meter.first_token else None,
            duration_ms=int((now - meter.started) * 1000),
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            **record,
        )
        # Recording must never delay or break the answer: fire and forget.
        self.runtime.spawn(self.runtime.record_route_attempt(attempt))


def _outcome_of(error: BaseException) -> str:
    """How an attempt that raised `error` is recorded."""
    if isinstance(error, asyncio.CancelledError):
        return attempt_outcomes.CANCELLED
    if isinstance(error, BusyError):
        return attempt_outcomes.BUSY
    if isinstance(error, StreamInterrupted):
        return attempt_outcomes.BROKEN
    return attempt_outcomes.FAILED


@dataclass
class _Meter:
    started: float
    first_token: float | None = None
    usage: Usage | None = None
    provisional: bool = False  # provisional reasoning not yet settled

    def observe(self, event: Event) -> None:
        if isinstance(event, Usage):
            self.usage = event
        elif isinstance(event, Reasoning) and event.provisional:
            self.provisional = True
        elif isinstance(event, ReasoningConfirmed | ReasoningWasAnswer):
            self.provisional = False
