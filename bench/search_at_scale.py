"""How fast is search with a million messages? Run once by hand; not a test.

    python -m bench.search_at_scale [/tmp/duet-bench-1000k.db]

Builds (once, ~15 minutes, cached at the path given) a SQLite file through the
app's own migrations, fills it with 1,000,000 messages in 100,000
conversations written the way the app writes them (the FTS triggers index
each row as it is inserted), then times `core.store.search.search()` for a
heavy user (half of all messages) and a light one. English-like and Chinese
text, with words of known frequency planted: a rare one (40 hits), a medium
one (~1 % of messages), a common one (~40 %). Terms marked "(short)" have one
or two characters: the side index of characters and pairs finds them
(core/store/grams.py); the target for them is 50 ms. bench/store_at_scale.py uses
the same file.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import sys
import time
import uuid
from pathlib import Path

MESSAGES = int(os.environ.get("BENCH_MESSAGES", 1_000_000))
PER_CONVERSATION = 10
DEFAULT_PATH = Path(f"/tmp/duet-bench-{MESSAGES // 1000}k.db")
USERS = 10  # user 1 owns half of everything; the others share the rest
BATCH = 20_000


QUERIES = [
    ("rare word", "tortoise"),
    ("medium word (~1 %)", "quantum"),
    ("common word (~40 %)", "plainly"),
    ("two common words", "plainly quantum"),
    ("Chinese, 4 characters (~1 %)", "量子计算"),
    ("Chinese, 2 characters, rare (short)", "鼋鼍"),
    ("Chinese, 2 characters, common (short)", "量子"),
    ("Chinese, 1 character (short)", "量"),
    ("English, 2 characters, AI (short)", "AI"),
    ("English, 2 characters, common (short)", "ou"),
    ("operators and quotes", 'NEAR("tortoise" OR ^x*'),
    ("no match", "zzzzqqq"),
]


def vocabulary(rng: random.Random) -> list[str]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ou", "ea")]
    words = {"".join(rng.choices(syllables, k=rng.randint(1, 3))) for _ in range(6000)}
    return sorted(words)


def hanzi(rng: random.Random) -> list[str]:
    return [chr(0x4E00 + i) for i in rng.sample(range(0x5000), 3000)]


def zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(n)]


def text_for(rng, words, weights, chars, char_weights, n_words: int, chinese: bool) -> str:
    if chinese:
        return "".join(rng.choices(chars, char_weights, k=n_words * 2))
    return " ".join(rng.choices(words, weights, k=n_words))


def build(path: Path) -> None:
    """Fill a new database at `path`; an interrupted build leaves no file there."""
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    _fill(partial)
    from core.store.db import dispose_all

    dispose_all()
    partial.rename(path)


def _fill(path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    from core.store import open_store
    from core.store.grams import register as register_grams
    from core.store.users import ensure_user

    open_store()
    users = [ensure_user(f"user{i}").id for i in range(1, USERS + 1)]
    rng = random.Random(7)
    words, chars = vocabulary(rng), hanzi(rng)
    weights, char_weights = zipf_weights(len(words)), zipf_weights(len(chars))
    conn = sqlite3.connect(path, timeout=60)  # the store's background upkeep writes too
    register_grams(conn)  # the short-term index's triggers call it
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    now = time.time()
    message_id = 0
    started = time.monotonic()
    while message_id < MESSAGES:
        conversations, messages = [], []
        for _ in range(BATCH // PER_CONVERSATION):
            conversation_id = message_id // PER_CONVERSATION + 1
            owner = users[0] if rng.random() < 0.5 else rng.choice(users[1:])
            chinese = rng.random() < 0.3
            title = text_for(rng, words, weights, chars, char_weights, 4, chinese)
            at = now - (MESSAGES - message_id) * 30
            conversations.append((conversation_id, uuid.uuid4().hex, owner, title, at))
            parent = None
            for turn in range(PER_CONVERSATION):
                message_id += 1
                role = "user" if turn % 2 == 0 else "assistant"
                size = rng.randint(6, 20) if role == "user" else rng.randint(40, 90)
                content = text_for(rng, words, weights, chars, char_weights, size, chinese)
                reasoning = ""
                if role == "assistant":
                    reasoning = text_for(rng, words, weights, chars, char_weights, 30, chinese)
                    if rng.random() < 0.4:
                        content += " plainly"  # common
                    if rng.random() < 0.01:
                        content += " quantum"  # medium
                    if rng.random() < 0.01:
                        content += " 量子计算"
                    if message_id % 25_000 == 0:
                        content += " tortoise"  # rare: 40 in all
                    if message_id % 50_000 == 0:
                        content += " 鼋鼍"  # rare two-character Chinese word
                messages.append(
                    (
                        message_id,
                        uuid.uuid4().hex,
                        conversation_id,
                        parent,
                        turn,
                        role,
                        content,
                        reasoning,
                        at + turn,
                    )
                )
                parent = message_id
        with conn:
            conn.executemany(
                "INSERT INTO conversations (id, public_id, user_id, kind, title, title_is_auto,"
                " model_id, current_leaf_id, pinned, archived, created_at, updated_at)"
                " VALUES (?, ?, ?, 'chat', ?, 1, 'demo-thinker', ?, 0, 0, ?, ?)",
                [(c, p, o, t, c * PER_CONVERSATION, a, a) for c, p, o, t, a in conversations],
            )
            conn.executemany(
                "INSERT INTO messages (id, public_id, conversation_id, parent_id, depth, role,"
                " content, reasoning, status, usage_estimated, context_dropped, attempts,"
                " created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'complete', 0, 0, 0, ?, ?)",
                [(*m, m[-1]) for m in messages],
            )
        rate = message_id / (time.monotonic() - started)
        print(f"\r{message_id:,} messages, {rate:,.0f}/s", end="", flush=True)
    print()
    conn.execute("PRAGMA optimize")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def timed(fn, repeat: int = 7) -> tuple[float, object]:
    result = fn()  # warm the page cache once: a live app's is warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def measure(path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    from core.store import open_store
    from core.store.search import search
    from core.store.users import ensure_user

    open_store()
    heavy, light = ensure_user("user1").id, ensure_user("user2").id
    size = path.stat().st_size / 2**20
    print(f"{MESSAGES:,} messages, file {size:,.0f} MiB, SQLite {sqlite3.sqlite_version}")
    queries = QUERIES
    from core.store import search as search_module

    scenarios = (
        ("heavy user (~500k messages)", heavy, False),
        ("light user (~55k)", light, False),
        # A laptop install has one user, who owns every message; without the
        # side index the short-term scan then reads messages newest first.
        ("heavy user, read newest first as on a single-user install", heavy, True),
    )
    default_plan = search_module._holds_most_conversations
    for who, user_id, newest_first in scenarios:
        search_module._holds_most_conversations = (
            (lambda db, u: True) if newest_first else default_plan
        )
        print(f"\n{who}")
        for label, query in queries:
            if newest_first and "(short)" not in label:
                continue
            ms, hits = timed(lambda q=query, u=user_id: search(u, q))
            ms_r, _ = timed(lambda q=query, u=user_id: search(u, q, include_reasoning=True))
            print(f"  {label:40} {ms:8.1f} ms  (with reasoning {ms_r:7.1f} ms)  {len(hits)} hits")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    if not target.exists():
        build(target)
    measure(target)
