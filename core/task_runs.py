"""Runs of queued tasks, each drained a few at a time on the worker's loop.

A batch's cells and judge requests (core/batch.py) and a judge's re-judging of
blind votes (core/judging/agreement.py) are the same shape of work: a queue of
tasks under one key, started whenever there is room, followed until their
answers end. Each run is a task on the worker's event loop, the one place work
is scheduled: it starts what fits, then sleeps until something changes (one of
the process's answers ends, more tasks are queued, or it is stopped) instead
of looking again ten times a second. The database work of starting a task
(claiming a cell, storing its question) is done by the store's writer thread,
so the loop keeps streaming meanwhile. Stopping a run stops its answers, which
are saved (stopped, not lost) before the run ends. One rule for both, here;
what a task *is* stays with its owner (`start` and `has_room`).

On PostgreSQL another process may hold the slots a run waits for; their end
wakes nobody here, so a run that has no room and none of its own answers to
wait for looks again every `RECHECK_S`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from core.errors import AppError
from core.store.advisory import is_shared_database

log = logging.getLogger(__name__)

RECHECK_S = 2.0  # PostgreSQL: how often a run with no room and nothing of its own looks again
STOP_WAIT_S = 10  # how long a stopped answer may take to be saved


@dataclass
class Run:
    key: Hashable
    user_id: int
    todo: deque = field(default_factory=deque)  # tasks, in order
    in_flight: set[int] = field(default_factory=set)  # message ids started and answering
    marked: set = field(default_factory=set)  # tasks queued with `mark` (batch: reruns)
    stopped: bool = False
    drained: bool = False  # `on_drained` was asked for more work once
    facts: dict = field(default_factory=dict)  # the owner's, read once per run
    done: concurrent.futures.Future | None = None  # the run's task on the loop
    # Set on the loop when tasks are queued or the run is stopped: wakes its wait.
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class TaskRuns:
    """Keyed runs on the worker's loop. `start(run, task)` starts one task and
    returns the message id it answers with (None: nothing started); `has_room(run)`
    says whether another may start now; `on_drained(run)`, asked once per run when
    everything queued has finished, returns follow-up tasks (a batch's judging).
    All three block (they read the database) and are called off the loop."""

    def __init__(
        self,
        chat: Any,  # core.chat.ChatService: for stopping answers and reading the worker
        name: str,
        *,
        start: Callable[[Run, Any], int | None],
        has_room: Callable[[Run], bool],
        on_drained: Callable[[Run], Iterable[Any]] = lambda _run: (),
    ) -> None:
        self.chat = chat
        self.worker = chat.worker
        self.name = name
        self._start = start
        self._has_room = has_room
        self._on_drained = on_drained
        self._runs: dict[Hashable, Run] = {}
        self._lock = threading.Lock()  # pages enqueue from their threads
        self._recheck_s = RECHECK_S if is_shared_database() else None

    def enqueue(self, key: Hashable, user_id: int, tasks: Iterable, *, mark: bool = False) -> int:
        """Queue the tasks not queued yet (a run starts if none is going); how many."""
        with self._lock:
            run = self._runs.get(key)
            fresh = run is None or run.stopped
            if fresh:
                run = Run(key, user_id)
            queued = [task for task in tasks if task not in run.todo]
            run.todo.extend(queued)
            if mark:
                run.marked.update(queued)
            if fresh and run.todo:
                self._runs[key] = run
                run.done = self.worker.spawn(self._run(run))
            elif queued and not fresh:
                self.worker.call_soon(run.wake.set)
            return len(queued)

    def stop(self, key: Hashable) -> None:
        """Start nothing more and stop the run's answers (they are saved as stopped)."""
        with self._lock:
            run = self._runs.get(key)
            if run is not None:
                self._stop(run)

    def stop_user(self, user_id: int) -> None:
        """Stop every run of one person (before their data is erased)."""
        with self._lock:
            for run in self._runs.values():
                if run.user_id == user_id:
                    self._stop(run)

    def _stop(self, run: Run) -> None:  # under the lock
        run.stopped = True
        self.worker.call_soon(run.wake.set)

    def is_running(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._runs

    def queued(self, key: Hashable) -> list:
        """The tasks waiting to start (not those answering)."""
        with self._lock:
            run = self._runs.get(key)
            return list(run.todo) if run else []

    def wait(self, key: Hashable, timeout: float = 60.0) -> None:
        """Block until the run ends (tests; a stop that must be saved before a rerun)."""
        with self._lock:
            run = self._runs.get(key)
        if run is not None and run.done is not None:
            try:
                run.done.result(timeout)
            except concurrent.futures.TimeoutError:
                raise TimeoutError(f"{self.name} {key} still running") from None

    def shutdown(self) -> None:
        with self._lock:
            runs = list(self._runs.values())
            for run in runs:
                self._stop(run)
        concurrent.futures.wait([run.done for run in runs if run.done is not None], timeout=5)

    # ------------------------------------------------------------ the run (on the loop)

    async def _run(self, run: Run) -> None:
        try:
            while True:
                run.wake.clear()  # anything that happens from here on wakes the wait below
                if run.stopped:
                    break
                run.in_flight = {m for m in run.in_flight if self.worker.is_running(m)}
                if not run.todo and not run.in_flight and not run.drained:
                    run.drained = True  # once: follow-ups that cannot start end the run
                    more = await self.worker.off_loop(lambda: list(self._on_drained(run)))
                    self.enqueue(run.key, run.user_id, more)
                with self._lock:
                    if not run.todo and not run.in_flight:
                        self._forget(run)  # under the lock: a late enqueue starts a new run
                        return
                # Asked before looking for room: an answer ending while we look wakes us.
                ended = self.worker.next_end()
                if run.todo and await self.worker.off_loop(self._has_room, run):
                    await self._start_next(run)
                    continue
                await self._until_something_changes(run, ended)
            await self._stop_answers(run)
        except AppError as exc:  # the batch was deleted, or the database failed
            log.warning("%s %s stopped: %s", self.name, run.key, exc)
        except Exception:
            log.exception("%s %s failed", self.name, run.key)
        finally:
            with self._lock:
                self._forget(run)

    async def _start_next(self, run: Run) -> None:
        with self._lock:
            if not run.todo or run.stopped:
                return
            task = run.todo.popleft()
        try:
            message_id = await self.worker.off_loop(self._start, run, task)
        except AppError as exc:  # this task only; its row says pending or failed
            log.warning("%s %s, task %s not started: %s", self.name, run.key, task, exc)
            return
        if message_id is not None and self.worker.is_running(message_id):
            run.in_flight.add(message_id)

    async def _until_something_changes(self, run: Run, ended: asyncio.Future) -> None:
        """Sleep until an answer of this process ends, tasks are queued, or the run
        is stopped; on PostgreSQL, at most `RECHECK_S` when waiting on others."""
        woken = asyncio.ensure_future(run.wake.wait())
        waits = {woken, ended}
        recheck = None
        if self._recheck_s is not None and not run.in_flight:
            recheck = asyncio.ensure_future(self.worker.clock.sleep(self._recheck_s))
            waits.add(recheck)
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            if recheck is not None:
                recheck.cancel()

    async def _stop_answers(self, run: Run) -> None:
        """Stop the run's answers and give them time to be saved as stopped."""
        for message_id in run.in_flight:
            await self.worker.off_loop(self.chat.stop, run.user_id, message_id)
        await self.worker.settled(run.in_flight, STOP_WAIT_S)

    def _forget(self, run: Run) -> None:
        if self._runs.get(run.key) is run:
            del self._runs[run.key]
