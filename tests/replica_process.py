"""One app process for the multi-process tests (tests/test_shared_scheduling.py).

Run as `python -m tests.replica_process '<json settings>'` with DATABASE_URL
naming the shared database. It opens the store, starts its own worker (its
own engine, its own advisory-lock session) on a catalog whose providers are
the parent test's local server, prints `ready`, waits for `go` on stdin, then
does its part and prints one JSON line of what it saw:

- `"ask"`: send each question as `user`, wait for every answer, and report
  the queue positions each answer was shown and how it ended;
- `"hold"`: send each question and report once all are streaming;
- `"batch"`: run the pending cells of batch `batch_id` and report how many
  cells this process started;
- `"compare"`: compare `columns` columns and report whether it was refused;
  with `"hold": true` it prints `held` after the first column's send and goes
  on when a line arrives on stdin; it prints `waiting` if it has to wait for
  another process's turn to count the person's answers.

With `"linger": true` it then stays (holding whatever it holds) until killed.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time

from core.batch import BatchRunner
from core.chat import ChatService, Choice
from core.compare import CompareService
from core.errors import TooManyAtOnce
from core.model_settings import ModelSettings
from core.store import messages as message_store
from core.store import open_store
from core.store.processes import Heartbeat
from core.store.users import ensure_user
from core.worker import Worker
from tests.conftest import local_catalog
from tests.fake_time import wait_for_progress


class _Server:
    """The parent's server, as local_catalog expects it."""

    def __init__(self, port: int) -> None:
        self.port = port

    def base_url(self, provider: str = "local") -> str:
        return f"http://127.0.0.1:{self.port}/{provider}/v1"


def watch_positions(progress, seen: list[int]) -> None:
    """Every queue position the answer shows, in order (what its page would render)."""
    version = -1
    while True:
        snapshot = progress.snapshot()
        position = snapshot.status.position if snapshot.status else None
        if position is not None and (not seen or seen[-1] != position):
            seen.append(position)
        if snapshot.done:
            return
        version = snapshot.version
        progress.wait_newer(version, 0.05)


def ask(chat: ChatService, user_id: int, questions: list[str]) -> dict:
    positions: dict[int, list[int]] = {}
    watchers = []
    sent_ids = []
    for question in questions:
        sent = chat.send(user_id, None, question, Choice("m", allow_fallback=False))
        sent_ids.append(sent.assistant_message_id)
        progress = chat.worker.progress_of(user_id, sent.assistant_message_id)
        seen = positions[sent.assistant_message_id] = []
        if progress is None:  # refused before it started (its error is on the answer)
            continue
        watcher = threading.Thread(target=watch_positions, args=(progress, seen), daemon=True)
        watcher.start()
        watchers.append(watcher)
    outcomes = [
        chat.worker.wait(answer_id, timeout=120).outcome
        if chat.worker.progress_of(user_id, answer_id)
        else message_store.get_message(user_id, answer_id).status
        for answer_id in sent_ids
    ]
    for watcher in watchers:
        watcher.join(5)
    return {"positions": [positions[i] for i in sent_ids], "outcomes": outcomes}


def hold(chat: ChatService, user_id: int, questions: list[str]) -> dict:
    """Send the questions and report once every answer is streaming (holding a slot)."""
    ids = [
        chat.send(user_id, None, q, Choice("m", allow_fallback=False)).assistant_message_id
        for q in questions
    ]
    deadline = time.monotonic() + 60
    streaming = 0
    for answer_id in ids:  # each answer's own news, not a timer
        progress = chat.worker.progress_of(user_id, answer_id)
        with contextlib.suppress(TimeoutError):
            remaining = max(0.0, deadline - time.monotonic())
            wait_for_progress(progress, lambda s: bool(s.answer), timeout=remaining)
        streaming += bool(progress.snapshot().answer)
    return {"streaming": streaming}


def run_batch(chat: ChatService, user_id: int, batch_id: int) -> dict:
    runner = BatchRunner(chat)
    started: list[int] = []
    start_cell = runner._start_cell

    def counting(run, cell_id):  # what this process started, for the report only
        message_id = start_cell(run, cell_id)
        if message_id is not None:
            started.append(message_id)
        return message_id

    runner._start_cell = counting
    runner.start(user_id, batch_id)
    runner.wait(batch_id, timeout=120)
    return {"started": len(started)}


class HeldAfterFirstSend(ChatService):
    """A comparison that stops in its turn, its columns counted and about to be
    stored, until the parent says so (the race window between counting and
    storing: another process counting now sees none of them)."""

    held = False

    def store_send(self, *args, **kwargs):
        if not self.held:
            self.held = True
            print("held", flush=True)
            sys.stdin.readline()
        return super().store_send(*args, **kwargs)


def compare(chat: ChatService, user_id: int, columns: int) -> dict:
    chat.worker.turns.on_wait = lambda: print("waiting", flush=True)
    settings = [ModelSettings("m", temperature=i / 10) for i in range(columns)]
    try:
        CompareService(chat).start(user_id, "Which is larger?", settings, allow_fallback=False)
    except TooManyAtOnce:
        return {"refused": True}
    return {"refused": False}


def main() -> None:
    settings = json.loads(sys.argv[1])
    open_store()
    heartbeat = Heartbeat()  # as the app's services do: this process is alive
    catalog = local_catalog(
        _Server(settings["port"]),
        max_concurrency=settings.get("max_concurrency"),
        policy=settings.get("policy", {"messages_per_minute": 100}),
    )
    worker = Worker(catalog)
    held = settings.get("mode") == "compare" and settings.get("hold")
    chat = (HeldAfterFirstSend if held else ChatService)(catalog, worker)
    user = ensure_user(settings.get("user", "alice"))
    print("ready", flush=True)
    sys.stdin.readline()  # "go": every process starts together
    if settings["mode"] == "ask":
        report = ask(chat, user.id, settings["questions"])
    elif settings["mode"] == "hold":
        report = hold(chat, user.id, settings["questions"])
    elif settings["mode"] == "compare":
        report = compare(chat, user.id, settings["columns"])
    else:
        report = run_batch(chat, user.id, settings["batch_id"])
    print(json.dumps(report), flush=True)
    while settings.get("linger"):
        time.sleep(60)
    worker.shutdown()
    heartbeat.stop()


if __name__ == "__main__":
    main()
