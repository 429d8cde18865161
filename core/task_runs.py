"""Runs of queued tasks, each drained a few at a time through the worker.

A batch's cells and judge requests (core/batch.py) and a judge's re-judging of
blind votes (core/judging/agreement.py) are the same shape of work: a queue of
tasks under one key, a thread that starts the next task whenever there is room,
follows the answers it started, and ends when nothing is queued or answering.
Stopping a run stops its answers, which are saved (stopped, not lost) before
the thread ends. One rule for both, here; what a task *is* stays with its
owner (`start` and `has_room`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from core.errors import AppError

log = logging.getLogger(__name__)

POLL_S = 0.1  # how often a run with no room looks again
STOP_WAIT_S = 10  # how long a stopped answer may take to be saved


@dataclass
class Run:
    key: Hashable
    user_id: int
    todo: deque = field(default_factory=deque)  # tasks, in order
    in_flight: set[int] = field(default_factory=set)  # message ids started and answering
    marked: set = field(default_factory=set)  # tasks queued with `mark` (batch: reruns)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    drained: bool = False  # `on_drained` was asked for more work once
    facts: dict = field(default_factory=dict)  # the owner's, read once per run


class TaskRuns:
    """Keyed runs on threads of their own. `start(run, task)` starts one task and
    returns the message id it answers with (None: nothing started); `has_room(run)`
    says whether another may start now; `on_drained(run)`, asked once per run when
    everything queued has finished, returns follow-up tasks (a batch's judging)."""

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
        self._lock = threading.Lock()

    def enqueue(self, key: Hashable, user_id: int, tasks: Iterable, *, mark: bool = False) -> int:
        """Queue the tasks not queued yet (a run starts if none is going); how many."""
        with self._lock:
            run = self._runs.get(key)
            fresh = run is None or run.stop.is_set()
            if fresh:
                run = Run(key, user_id)
            queued = [task for task in tasks if task not in run.todo]
            run.todo.extend(queued)
            if mark:
                run.marked.update(queued)
            if fresh and run.todo:
                self._runs[key] = run
                run.thread = threading.Thread(
                    target=self._run, args=(run,), name=f"{self.name}-{key}", daemon=True
                )
                run.thread.start()
            return len(queued)

    def stop(self, key: Hashable) -> None:
        """Start nothing more and stop the run's answers (they are saved as stopped)."""
        with self._lock:
            run = self._runs.get(key)
        if run is not None:
            run.stop.set()

    def stop_user(self, user_id: int) -> None:
        """Stop every run of one person (before their data is erased)."""
        with self._lock:
            runs = [run for run in self._runs.values() if run.user_id == user_id]
        for run in runs:
            run.stop.set()

    def is_running(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._runs

    def queued(self, key: Hashable) -> list:
        """The tasks waiting to start (not those answering)."""
        with self._lock:
            run = self._runs.get(key)
            return list(run.todo) if run else []

    def wait(self, key: Hashable, timeout: float = 60.0) -> None:
        """Block until the run ends (tests)."""
        with self._lock:
            run = self._runs.get(key)
        if run is not None and run.thread is not None:
            run.thread.join(timeout)
            if run.thread.is_alive():
                raise TimeoutError(f"{self.name} {key} still running")

    def shutdown(self) -> None:
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            run.stop.set()
        for run in runs:
            if run.thread is not None:
                run.thread.join(5)

    # ------------------------------------------------------------ the run

    def _run(self, run: Run) -> None:
        try:
            while not run.stop.is_set():
                run.in_flight = {m for m in run.in_flight if self.worker.is_running(m)}
                if not run.todo and not run.in_flight and not run.drained:
                    run.drained = True  # once: follow-ups that cannot start end the run
                    self.enqueue(run.key, run.user_id, self._on_drained(run))
                with self._lock:
                    if not run.todo and not run.in_flight:
                        self._forget(run)  # under the lock: a late enqueue starts a new run
                        return
                    task = run.todo.popleft() if run.todo and self._has_room(run) else None
                if task is None:
                    run.stop.wait(POLL_S)
                    continue
                try:
                    message_id = self._start(run, task)
                except AppError as exc:  # this task only; its row says pending or failed
                    log.warning("%s %s, task %s not started: %s", self.name, run.key, task, exc)
                    continue
                if message_id is not None and self.worker.is_running(message_id):
                    run.in_flight.add(message_id)
            for message_id in run.in_flight:
                self.chat.stop(run.user_id, message_id)
            for message_id in run.in_flight:  # stopped answers are saved when this returns
                with contextlib.suppress(TimeoutError, KeyError):
                    self.worker.wait(message_id, timeout=STOP_WAIT_S)
        except AppError as exc:  # the batch was deleted, or the database failed
            log.warning("%s %s stopped: %s", self.name, run.key, exc)
        finally:
            with self._lock:
                self._forget(run)

    def _forget(self, run: Run) -> None:
        if self._runs.get(run.key) is run:
            del self._runs[run.key]
