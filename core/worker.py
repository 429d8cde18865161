"""The process-wide generation worker.

Generations run here, on one asyncio event loop in a background thread, not
in Streamlit's script thread: a click, a page change or a reload stops a
script run, and an answer streamed inside it would die with it. Any page run
of any session attaches to a generation by its message id and renders its
progress. The worker also persists the answer as it streams (about once a
second) and at the end, so neither a crash nor a closed tab loses it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from core.catalog import Catalog
from core.clock import SYSTEM_CLOCK, Clock
from core.errors import AppError, StorageError, StreamInterrupted, TooManyAtOnce
from core.events import Usage
from core.generation import AttemptRecord, Generation, GenerationRequest, Runtime
from core.progress import GenerationProgress, Snapshot
from core.resilience.reservation import Reservation, Turns, held, holding
from core.resilience.shared_admission import SharedAdmission
from core.resilience.shared_breaker import SharedBreakerBoard
from core.secrets import redact
from core.store import advisory, shared_limits
from core.store import attempts as attempt_store
from core.store import messages as message_store
from core.store import stops as stop_store
from core.store import web_sources as web_store
from core.store.advisory import is_shared_database
from core.store.views import COMPLETE, ERROR, INTERRUPTED, QUEUED, STOPPED, STREAMING
from core.tokens import count_text

log = logging.getLogger(__name__)

SAVE_INTERVAL_S = 1.0  # a streaming answer is written to its row this often
FINAL_SAVE_RETRIES_S = (0.5, 2.0, 5.0)  # waits between tries of the final save
# Lanes keep per-user limits apart: a batch run counts against its own limit,
# never against the slots a person's chat and comparisons need.
CHAT_LANE = "chat"
BATCH_LANE = "batch"
KEEP_FINISHED_S = 120.0  # finished progress stays readable this long


@dataclass(frozen=True)
class Job:
    """A generation to run for a stored assistant message."""

    message_id: int
    user_id: int
    conversation_id: int | None
    request: GenerationRequest
    prompt_tokens: int = 0  # our estimate, used when the provider reports none
    prefix: str = ""  # text already in the message (Continue appends to it)
    lane: str = CHAT_LANE

    @property
    def temporary(self) -> bool:
        """A temporary chat's answer (core/temporary.py): nothing of it is written."""
        return is_temporary(self.message_id)


def is_temporary(message_id: int | None) -> bool:
    """Temporary chats number their answers below zero, where no stored row is."""
    return message_id is not None and message_id < 0


@dataclass
class _Running:
    progress: GenerationProgress
    future: concurrent.futures.Future
    user_id: int
    lane: str = CHAT_LANE
    finished_at: float | None = None  # on the worker's clock; kept KEEP_FINISHED_S after
    generation: asyncio.Task | None = None  # what Stop cancels (saving is not)
    stop_requested: bool = False
    # Wall time of the submit: a Stop pressed on another process after it stops
    # this generation, however late the event loop gets round to running it.
    submitted_at: float = 0.0


class Worker:
    """Runs generations on its event loop; `clock` paces saves, retries and pruning."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        persist: bool = True,
        clock: Clock = SYSTEM_CLOCK,
        save_interval_s: float = SAVE_INTERVAL_S,
    ) -> None:
        self.catalog = catalog
        self.persist = persist
        self.clock = clock
        self.save_interval_s = save_interval_s
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="generation-worker", daemon=True
        )
        self._thread.start()
        # One writer thread: progress writes for a message happen in order.
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        self.runtime = Runtime(
            catalog,
            clock=clock,
            record_route_attempt=self._record_route_attempt if persist else None,
            **(shared_scheduling(catalog, clock, self._writer) if persist else {}),
        )
        self._jobs: dict[int, _Running] = {}
        self._shared_limits = persist and is_shared_database()
        self._lock = threading.Lock()
        self._tickets = itertools.count(1)
        self.turns = Turns(shared=self._shared_limits)
        self._reserved: list[Reservation] = []  # slots held for sends not made yet
        # Resolved (on the loop) when any generation ends: what a batch run
        # waiting for a free slot awaits instead of looking again and again.
        self._next_end: asyncio.Future | None = None

    # ------------------------------------------------------------ page side

    def submit(self, job: Job, *, user_limit: int | None = None) -> GenerationProgress:
        """Start a generation; `TooManyAtOnce` if the user has too many running.

        The limit counts the user's running jobs in the job's lane only.
        """
        limit = user_limit if user_limit is not None else self.catalog.policy.per_user_generations
        with self.turns.turn(job.user_id, job.lane), self._lock:
            self._prune()
            running = self._jobs.get(job.message_id)
            if running is not None and not running.progress.done:
                return running.progress  # already running: attach, never start twice
            reservation = held(job.user_id, job.lane)
            if reservation is not None:
                reservation.left -= 1  # its slot was counted when it was reserved
            elif self._active_for(job.user_id, job.lane) >= limit:
                raise TooManyAtOnce(str(limit))
            request = replace(job.request, ticket=next(self._tickets), message_id=job.message_id)
            job = replace(job, request=request)
            progress = GenerationProgress(
                job.message_id,
                user_id=job.user_id,
                conversation_id=job.conversation_id,
                model_id=request.model_id,
                clock=self.clock,
            )
            running = _Running(progress, concurrent.futures.Future(), job.user_id, job.lane)
            running.submitted_at = self.clock.wall()
            running.future = asyncio.run_coroutine_threadsafe(self._run(job, running), self._loop)
            self._jobs[job.message_id] = running
            return progress

    @contextmanager
    def reserve(
        self, user_id: int, count: int, *, lane: str = CHAT_LANE, user_limit: int | None = None
    ) -> Iterator[None]:
        """Hold `count` of the user's slots in `lane` for the sends made inside, all
        or none: `TooManyAtOnce` at once if they are not all free, and while held no
        other tab or process can take them. A slot not filled by a submit is given
        back at the end (a send refused for another reason)."""
        limit = user_limit if user_limit is not None else self.catalog.policy.per_user_generations
        with self.turns.turn(user_id, lane):
            with self._lock:
                self._prune()
                if self._active_for(user_id, lane) + count > limit:
                    raise TooManyAtOnce(str(limit))
                reservation = Reservation(user_id, lane, count)
                self._reserved.append(reservation)
            try:
                with holding(reservation):
                    yield
            finally:
                with self._lock:
                    self._reserved.remove(reservation)

    def _progress(self, message_id: int) -> GenerationProgress | None:
        """Any user's generation: for the worker's own use (pages use progress_of)."""
        with self._lock:
            running = self._jobs.get(message_id)
            return running.progress if running else None

    def progress_of(self, user_id: int, message_id: int) -> GenerationProgress | None:
        """A generation's progress, if it is this user's: what pages follow."""
        progress = self._progress(message_id)
        return progress if progress is not None and progress.user_id == user_id else None

    def is_running(self, message_id: int) -> bool:
        progress = self._progress(message_id)
        return progress is not None and not progress.done

    def cancel(self, message_id: int) -> bool:
        """Stop a generation; its partial answer is kept and marked stopped."""
        with self._lock:
            running = self._jobs.get(message_id)
        if running is None or running.progress.done:
            return False
        self._loop.call_soon_threadsafe(self._stop, running)
        return True

    @staticmethod
    def _stop(running: _Running) -> None:  # on the loop
        running.stop_requested = True
        if running.generation is not None:
            running.generation.cancel()

    def active_count(self, user_id: int | None = None, lane: str = CHAT_LANE) -> int:
        """Running jobs: of everyone (all lanes), or of one user in one lane."""
        with self._lock:
            if user_id is None:
                return sum(1 for r in self._jobs.values() if not r.progress.done)
            return self._active_for(user_id, lane)

    def wait(self, message_id: int, timeout: float = 30.0) -> Snapshot:
        """Block until a generation ends and is saved (tests; switching the model of
        a waiting answer, which stops it first)."""
        progress = self._progress(message_id)
        if progress is None:
            raise KeyError(message_id)
        deadline = time.monotonic() + timeout
        while True:
            seen = progress.version  # before looking at `done`: an end after it wakes us
            if progress.done:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"generation {message_id} still running")
            progress.wait_newer(seen, remaining)
        with self._lock:
            running = self._jobs.get(message_id)
        if running is not None:
            concurrent.futures.wait([running.future], timeout=max(0.0, deadline - time.monotonic()))
        return progress.snapshot()

    def shutdown(self) -> None:
        with self._lock:
            running = list(self._jobs.values())
        for item in running:
            self._loop.call_soon_threadsafe(self._stop, item)
        concurrent.futures.wait([item.future for item in running], timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._writer.shutdown(wait=True)

    def _active_for(self, user_id: int, lane: str) -> int:
        """The user's running answers in a lane: this process's, and on PostgreSQL
        those other live processes write (core/store/shared_limits.py)."""
        here = sum(
            1
            for r in self._jobs.values()
            if r.user_id == user_id and r.lane == lane and not r.progress.done
        ) + sum(r.left for r in self._reserved if r.user_id == user_id and r.lane == lane)
        if not self._shared_limits:
            return here
        return here + shared_limits.running_elsewhere(user_id, batch=lane == BATCH_LANE)

    def _prune(self) -> None:
        now = self.clock.monotonic()
        for message_id, running in list(self._jobs.items()):
            if running.finished_at is not None and now - running.finished_at > KEEP_FINISHED_S:
                del self._jobs[message_id]

    # ------------------------------------------------------------ scheduling

    def spawn(self, work: Coroutine) -> concurrent.futures.Future:
        """Run a coroutine on the worker's loop (a batch run): from any thread."""
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run a callback on the loop (waking a task there): from any thread."""
        self._loop.call_soon_threadsafe(callback)

    async def off_loop(self, work: Callable, *args):
        """Blocking work (database reads and writes) for a task on the loop, done by
        the store's writer thread so the loop keeps streaming meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self._writer, work, *args)

    def next_end(self) -> asyncio.Future:
        """On the loop: a future resolved when any generation next ends (a slot frees)."""
        if self._next_end is None or self._next_end.done():
            self._next_end = self._loop.create_future()
        return self._next_end

    async def settled(self, message_ids: Iterable[int], timeout: float) -> None:
        """On the loop: return when these generations have ended and been saved, or
        after `timeout` seconds."""
        with self._lock:
            futures = [
                asyncio.wrap_future(running.future)
                for message_id in message_ids
                if (running := self._jobs.get(message_id)) is not None
            ]
        if futures:
            await asyncio.wait(futures, timeout=timeout)

    def _announce_end(self) -> None:
        if self._next_end is not None and not self._next_end.done():
            self._next_end.set_result(None)

    # ------------------------------------------------------------ loop side

    async def _run(self, job: Job, running: _Running) -> None:
        progress = running.progress
        loop = asyncio.get_running_loop()
        generation = Generation(self.runtime, job.request, progress.apply)
        running.generation = loop.create_task(generation.run())
        if running.stop_requested:
            running.generation.cancel()
        saver = loop.create_task(self._save_periodically(job, progress, running.submitted_at))
        outcome, error = COMPLETE, None
        try:
            await running.generation
        except asyncio.CancelledError:
            outcome = STOPPED
        except StreamInterrupted as broken:
            outcome, error = INTERRUPTED, broken
        except AppError as failure:
            outcome, error = ERROR, failure
        except Exception as unexpected:
            log.exception("generation %s failed unexpectedly", job.message_id)
            outcome, error = ERROR, AppError(redact(repr(unexpected)))
        finally:
            saver.cancel()
        snapshot = progress.snapshot()
        if snapshot.usage is None and (snapshot.answer or snapshot.reasoning):
            progress.set_usage(await self._estimate_usage(job, snapshot))
        # Save before announcing the end: a page that re-renders from the
        # database on "done" must find the final state there. Whatever goes
        # wrong while saving, the end is announced: a page must never follow
        # an answer that will not finish.
        try:
            await self._save_final(job, progress.snapshot(), outcome, error)
        except Exception:
            log.exception("could not save answer %s", job.message_id)
        progress.end(outcome, error)
        with self._lock:
            running.finished_at = self.clock.monotonic()
        self._announce_end()

    async def _estimate_usage(self, job: Job, snapshot: Snapshot) -> Usage:
        def estimate() -> Usage:
            reasoning = count_text(snapshot.reasoning)
            return Usage(
                job.prompt_tokens,
                reasoning + count_text(snapshot.answer),
                reasoning,
                estimated=True,
            )

        return await asyncio.get_running_loop().run_in_executor(self._writer, estimate)

    async def _save_periodically(
        self, job: Job, progress: GenerationProgress, started: float
    ) -> None:
        saved_version = -1
        while True:
            await self.clock.sleep(self.save_interval_s)
            if not self.persist or job.temporary:
                continue
            await self._stop_if_requested_elsewhere(job.message_id, started)
            if progress.version == saved_version:
                continue
            snapshot = progress.snapshot()
            saved_version = snapshot.version
            save = functools.partial(
                message_store.save_progress,
                job.message_id,
                status=STREAMING if snapshot.first_token_s is not None else QUEUED,
                content=job.prefix + snapshot.answer,
                reasoning=snapshot.reasoning,
            )
            try:
                await self._write(save)
            except StorageError as exc:
                log.warning("could not save progress of %s: %s", job.message_id, exc)

    async def _stop_if_requested_elsewhere(self, message_id: int, since: float) -> None:
        """Stop pressed on another process (core/store/stops.py) stops this generation."""
        try:
            requested = await asyncio.get_running_loop().run_in_executor(
                self._writer, stop_store.stop_requested, message_id, since
            )
        except StorageError as exc:
            log.warning("could not read stop requests of %s: %s", message_id, exc)
            return
        if requested:
            self.cancel(message_id)

    async def _save_final(
        self, job: Job, snapshot: Snapshot, outcome: str, error: AppError | None
    ) -> None:
        if not self.persist or job.temporary:
            return  # a temporary answer lives in its progress (core/temporary.py)

        def write() -> None:  # token counting happens off the event loop too
            message_store.finish(job.message_id, **final_fields(job, snapshot, outcome, error))
            save_web_sources(job.message_id, snapshot)

        for delay in (*FINAL_SAVE_RETRIES_S, None):
            try:
                await self._write(write)
                return
            except StorageError as exc:
                log.error("could not save answer %s: %s", job.message_id, exc)
                if delay is None:
                    return  # kept in memory; the page shows it and says it is unsaved
                await self.clock.sleep(delay)

    async def _write(self, write: Callable[[], None]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._writer, write)

    async def _record_route_attempt(self, record: AttemptRecord) -> None:
        if is_temporary(record.message_id):
            return  # a temporary chat leaves no row, not even in the attempt log
        try:
            await self._write(lambda: attempt_store.record_route_attempt(record))
        except StorageError as exc:
            log.warning("could not record attempt: %s", exc)


def shared_scheduling(catalog: Catalog, clock: Clock, writer: concurrent.futures.Executor) -> dict:
    """Slots, line and breakers shared through the database when it is PostgreSQL
    (several processes may serve the app); {} on SQLite, whose single process
    keeps them in memory (the Runtime's defaults). The shared gates do their
    database work on `writer`, the store's writer thread."""
    if not is_shared_database():
        return {}
    keeper = advisory.keeper()
    policy = catalog.policy
    return {
        "admission": SharedAdmission(catalog, keeper, writer),
        "breakers": SharedBreakerBoard(
            catalog, keeper, policy.breaker_failures, policy.breaker_cooldown_s, clock.wall
        ),
    }


def final_fields(job: Job, snapshot: Snapshot, outcome: str, error: AppError | None) -> dict:
    """The columns of a finished answer, from its last snapshot."""
    usage = snapshot.usage

    def ms(seconds: float | None) -> int | None:
        return None if seconds is None else int(seconds * 1000)

    if outcome == ERROR and snapshot.answer:
        outcome = INTERRUPTED  # some text arrived: keep it, offer Retry / Continue
    return {
        "status": outcome,
        "content": job.prefix + snapshot.answer,
        "reasoning": snapshot.reasoning,
        "model_id": snapshot.model_id,
        "requested_model_id": snapshot.requested_model_id,
        "provider_id": snapshot.provider_id or None,
        "upstream_model": snapshot.upstream_model or None,
        "error_kind": error.kind if error else None,
        "error_detail": error.detail if error else None,
        "finish_reason": snapshot.finish_reason,
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "reasoning_tokens": usage.reasoning_tokens if usage else None,
        "usage_estimated": bool(usage and usage.estimated),
        "content_tokens": count_text(job.prefix + snapshot.answer),
        "queue_ms": ms(snapshot.queue_s),
        "ttft_ms": ms(snapshot.first_token_s),
        "answer_ms": ms(snapshot.first_answer_s),
        "reasoning_ms": ms(snapshot.reasoning_s),
        "duration_ms": ms(snapshot.elapsed_s),
        "attempts": snapshot.attempts,
    }


def save_web_sources(message_id: int, snapshot: Snapshot) -> None:
    """The web search record of an answer that searched, stored with it."""
    if snapshot.web_sources is not None:
        web_store.save_sources(message_id, snapshot.web_sources.to_json())
