"""Store at scale: 100,000 conversations and 1,000,000 messages in SQLite.

Uses the file bench/search_at_scale.py builds (once: about 15 minutes; cached
under /tmp and reused while it exists). Times, through core/store functions,
what the pages ask for: the sidebar's first page, opening a conversation
(get it, count its branch, read the newest 40 messages and their alternatives),
search, and messages written by 8 threads at once, each going through a
question, a queued answer, progress saves and the finish, as the worker does.
The writes go to a copy of the file, so the cache keeps its million messages.

    python -m bench.store_at_scale [--db /tmp/duet-bench-1000k.db] [--rounds 150]
                                   [--json bench/results/store_at_scale.json]
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import threading
import time
from pathlib import Path

from bench.common import parser, report
from bench.search_at_scale import DEFAULT_PATH, QUERIES, build

HISTORY_PAGE = 40  # what pages/chat.py renders
SIDEBAR_PAGE = 31  # ui/sidebar.py's page size, plus one to know there are more
WRITERS = 8
# The worker saves an answer about once a second; writers here write about
# twenty times a second each (8 writers: 160 writes a second), and then as
# fast as they can, to show the store saturated.
PAUSE_S = 0.05


def ms_stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max_ms": ordered[-1],
    }


def timed(fn, repeat: int) -> list[float]:
    fn()  # a live app's page cache is warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def open_conversation(user_id: int, conversation_id: int) -> None:
    from core.store import conversations, messages

    conversations.get_conversation(user_id, conversation_id)
    messages.count_branch(user_id, conversation_id)
    shown = messages.branch(user_id, conversation_id, last=HISTORY_PAGE)
    messages.alternatives(user_id, conversation_id, shown)


def reads(path: Path) -> list[dict]:
    from core.store.conversations import list_conversations
    from core.store.search import search
    from core.store.users import ensure_user

    heavy, light = ensure_user("user1").id, ensure_user("user2").id
    with sqlite3.connect(path) as db:
        owned = [
            i for (i,) in db.execute("SELECT id FROM conversations WHERE user_id = ?", (heavy,))
        ]
    sample = random.Random(3).sample(owned, 50)
    rows = []
    for who, user_id in (("heavy user (50% of all)", heavy), ("light user (~5%)", light)):
        times = timed(lambda u=user_id: list_conversations(u, limit=SIDEBAR_PAGE), 30)
        rows.append({"what": "sidebar, first page", "who": who, **ms_stats(times)})
    queue = iter(sample * 2)
    times = timed(lambda: open_conversation(heavy, next(queue)), len(sample) - 1)
    rows.append({"what": "open a conversation", "who": "heavy user", **ms_stats(times)})
    for who, user_id in (("heavy user", heavy), ("light user", light)):
        for label, query in QUERIES:
            times = timed(lambda q=query, u=user_id: search(u, q), 5)
            rows.append({"what": f"search: {label}", "who": who, **ms_stats(times)})
    return rows


def writes(path: Path, rounds: int, pause_s: float, writers: int = WRITERS) -> list[dict]:
    """`writers` threads, each answering `rounds` questions in its own conversation,
    with a random pause of `pause_s` on average after each write (0: none).

    Besides wall time, each call's own CPU time in its thread (`cpu_p99_ms`):
    a call far slower than its CPU waited, for a core, the interpreter lock or
    the line of writers."""
    from core.store import conversations, messages
    from core.store.users import ensure_user

    user_id = ensure_user("user1").id
    timings: dict[str, list[float]] = {"append": [], "save_progress": [], "finish": []}
    cpu: dict[str, list[float]] = {kind: [] for kind in timings}
    lock = threading.Lock()
    start = threading.Barrier(writers)

    rng = random.Random(5)

    def timed_call(kind: str, fn, *args, **kwargs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = fn(*args, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        own = (time.thread_time() - started_cpu) * 1000
        with lock:
            timings[kind].append(elapsed)
            cpu[kind].append(own)
            pause = rng.uniform(0, 2 * pause_s)
        time.sleep(pause)
        return result

    def writer(index: int) -> None:
        conversation = conversations.create_conversation(user_id, "demo-thinker")
        parent = None
        start.wait()
        for turn in range(rounds):
            question = timed_call(
                "append", messages.append_message, user_id, conversation.id, role="user",
                content=f"Question {turn} from writer {index}: how do tortoises sleep?",
                parent_id=parent,
            )  # fmt: skip
            answer = timed_call(
                "append", messages.append_message, user_id, conversation.id, role="assistant",
                parent_id=question.id, status="queued",
            )  # fmt: skip
            text = ""
            for step in range(3):
                text += f"Part {step} of a long answer about tortoises and their sleep. " * 5
                timed_call("save_progress", messages.save_progress, answer.id, content=text,
                           status="streaming")  # fmt: skip
            timed_call("finish", messages.finish, answer.id, content=text, status="complete")
            parent = answer.id

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pace = f"each ~{1 / pause_s:.0f} writes/s" if pause_s else "back to back"
    who = f"{writers} writers" if writers > 1 else "1 writer"
    return [
        {"what": f"{kind}, {who}, {pace}", "who": f"{len(times):,} calls",
         **ms_stats(times), "cpu_p99_ms": ms_stats(cpu[kind])["p99_ms"]}
        for kind, times in timings.items()
    ]  # fmt: skip


def use_database(path: Path) -> None:
    from core.store import open_store, reset_for_tests

    reset_for_tests()
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    open_store()


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy: the store is closed first (its background index
    merging writes to the file) and SQLite's backup API does the copying."""
    from core.store import reset_for_tests

    reset_for_tests()
    target.unlink(missing_ok=True)
    original, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        original.backup(copy)
    finally:
        original.close()
        copy.close()


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--db", type=Path, default=DEFAULT_PATH, help="built here if missing")
    args.add_argument("--rounds", type=int, default=150, help="questions per writer")
    options = args.parse_args()
    if not options.db.exists():
        print(f"building {options.db} (once; about 15 minutes)…", flush=True)
        build(options.db)
    use_database(options.db)
    rows = reads(options.db)
    scratch = options.db.with_name(options.db.stem + "-scratch.db")
    copy_database(options.db, scratch)
    try:
        use_database(scratch)
        rows += writes(scratch, options.rounds, PAUSE_S)
        rows += writes(scratch, options.rounds, 0.0)
    finally:
        from core.store import reset_for_tests

        reset_for_tests()
        for leftover in (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm")):
            leftover.unlink(missing_ok=True)
    by_what = {(row["what"], row["who"]): row for row in rows}
    searches = [row for row in rows if row["what"].startswith("search")]
    slowest = max(searches, key=lambda row: row["median_ms"])
    short = [row for row in searches if "(short)" in row["what"] and row["who"] == "heavy user"]
    slowest_short = max(short, key=lambda row: row["median_ms"])
    appends = next(row for row in rows if row["what"].startswith("append"))  # paced
    verdicts = {
        "sidebar first page < 20 ms": all(
            row["median_ms"] < 20 for row in rows if row["what"] == "sidebar, first page"
        ),
        "opening a conversation < 20 ms": by_what[("open a conversation", "heavy user")][
            "median_ms"
        ]
        < 20,
        f"search < 100 ms (slowest: {slowest['what'][8:]}, {slowest['who']})": slowest["median_ms"]
        < 100,
        f"1-2-character search < 50 ms, user with ~500k messages (slowest: "
        f"{slowest_short['what'][8:]})": slowest_short["median_ms"] < 50,
        f"message append p99 < 5 ms with 8 concurrent writers ({appends['what'][8:]})": appends[
            "p99_ms"
        ]
        < 5,
    }
    size_mb = options.db.stat().st_size / 2**20
    report("store_at_scale", f"Store at scale ({options.db.name}, {size_mb:,.0f} MiB)", rows,
           verdicts, options.json, database=str(options.db),
           sqlite=sqlite3.sqlite_version)  # fmt: skip


if __name__ == "__main__":
    main()
