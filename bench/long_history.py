"""Long histories: opening conversations of 10, 100, 1,000 and 10,000 messages.

The conversations are written through core/store functions into a fresh
database (answers of ~1 kB of Markdown with reasoning, as a chat leaves
them). The app runs on it; in headless Chromium each conversation is opened
from the sidebar, in turn, several times, and the benchmark records the time
from the click until the page is idle again and the bytes the server sent
meanwhile, and the bytes of one more click on it (any click in a
conversation reruns the page). It also times, in this process, the store calls a page makes,
for each length: nothing a page does should grow with the history (the chat
page renders the newest 20 messages of the branch).

    python -m bench.long_history [--sizes 10 100 1000 10000] [--repeat 3]
                                 [--json bench/results/long_history.json]
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.browser import Meter, StreamlitProcess, chromium, new_page, open_page, wait_idle
from bench.common import parser, report

SHOWN = 20  # messages the chat page draws when it opens a conversation (pages/chat.py)

# Notes every change of the script's state (running / notRunning) and each click.
OBSERVER = """
window.__states = [];
window.__clickedAt = null;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (app) window.__states.push([app.getAttribute('data-test-script-state'), Date.now()]);
}).observe(document, {subtree: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
document.addEventListener('click', () => { window.__clickedAt = Date.now(); }, true);
"""

ANSWER = (
    "## Step {n}\n\nHere is what matters about **tortoises** in turn {n}: they sleep long, "
    "eat slowly and outlive their keepers. A longer paragraph follows, with `code`, a "
    "[link](https://example.com) and some math $x^2$.\n\n- first point\n- second point\n"
    "- third point\n\n```python\ndef sleep(tortoise):\n    return tortoise.hours * {n}\n```\n"
)


def build(sizes: list[int]) -> dict[int, tuple[int, str]]:
    """One conversation per size, for the local user; size -> (id, last answer's tag)."""
    from core.store import conversations, messages, open_store
    from core.store.users import local_user

    open_store()
    user = local_user()
    built = {}
    for size in sizes:
        conversation = conversations.create_conversation(user.id, "demo-thinker")
        conversations.rename_conversation(user.id, conversation.id, f"History of {size}")
        parent = None
        for turn in range(size // 2):
            question = messages.append_message(
                user.id, conversation.id, role="user", parent_id=parent,
                content=f"Question {turn}: tell me about tortoises, part {turn}.",
            )  # fmt: skip
            tag = f"TAG{size}x{turn}"
            answer = messages.append_message(
                user.id, conversation.id, role="assistant", parent_id=question.id,
                content=ANSWER.format(n=turn) + tag, reasoning="Let me think. " * 40,
                model_id="demo-thinker", duration_ms=2000, ttft_ms=300,
            )  # fmt: skip
            parent = answer.id
        built[size] = (conversation.id, tag)
    return built


def store_calls(conversation_id: int) -> dict[str, float]:
    """Milliseconds (median of 20) for each store call the chat page and sidebar make."""
    from core.store import conversations, messages
    from core.store.users import local_user

    user_id = local_user().id

    def median_ms(fn) -> float:
        fn()
        times = []
        for _ in range(20):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    shown = messages.branch(user_id, conversation_id, last=SHOWN)
    return {
        "count_branch_ms": median_ms(lambda: messages.count_branch(user_id, conversation_id)),
        f"branch_{SHOWN}_ms": median_ms(
            lambda: messages.branch(user_id, conversation_id, last=SHOWN)
        ),
        "alternatives_ms": median_ms(
            lambda: messages.alternatives(user_id, conversation_id, shown)
        ),
        "sidebar_ms": median_ms(lambda: conversations.list_conversations(user_id, limit=31)),
    }


def open_in_browser(page, meter: Meter, conversation_id: int, tag: str) -> tuple[float, int, int]:
    """(ms from the click until the page is idle, bytes received meanwhile,
    bytes of a second click on it: a rerun of the open conversation, as any
    click in it makes)."""
    page.evaluate("window.__states = []")
    before = meter.bytes
    entry = page.locator(f".st-key-conv-{conversation_id} button")
    entry.click()
    page.get_by_text(tag).first.wait_for()
    wait_idle(page)
    states, clicked = page.evaluate("[window.__states, window.__clickedAt]")
    idle_at = max(at for state, at in states if state == "notRunning")
    opened = meter.bytes - before
    entry.click()
    wait_idle(page)
    return idle_at - clicked, opened, meter.bytes - before - opened


def run(sizes: list[int], repeat: int) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-history-") as directory:
        database = Path(directory) / "history.db"
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
        started = time.monotonic()
        built = build(sizes)
        print(f"built {sum(sizes):,} messages in {time.monotonic() - started:.0f} s", flush=True)
        rows = [{"messages": size, **store_calls(built[size][0])} for size in sizes]
        app = StreamlitProcess("serve.py", DATABASE_URL=f"sqlite:///{database}")
        try:
            with chromium() as browser:
                page = new_page(browser)
                page.add_init_script(OBSERVER)
                meter = Meter(page)
                open_page(page, app.url)
                found: dict[int, list[tuple[float, int, int]]] = {size: [] for size in sizes}
                for _ in range(repeat + 1):  # the first round warms the app up
                    for size in sizes:
                        found[size].append(open_in_browser(page, meter, *built[size]))
        finally:
            app.stop()
    for row in rows:
        opened = found[row["messages"]][1:]
        row["open_ms"] = statistics.median(ms for ms, _, _ in opened)
        row["bytes"] = int(statistics.median(size for _, size, _ in opened))
        row["rerun_bytes"] = int(statistics.median(size for _, _, size in opened))
    return rows


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    args.add_argument("--repeat", type=int, default=3)
    options = args.parse_args()
    rows = run(options.sizes, options.repeat)
    smallest, largest = rows[0], rows[-1]
    for row in rows:
        row["open_vs_smallest"] = row["open_ms"] / smallest["open_ms"]
        row["bytes_vs_smallest"] = row["bytes"] / smallest["bytes"]
    verdicts = {
        f"open time at {largest['messages']:,} <= 2x at {smallest['messages']:,}": largest[
            "open_vs_smallest"
        ]
        <= 2,
        f"bytes at {largest['messages']:,} <= 2x at {smallest['messages']:,}": largest[
            "bytes_vs_smallest"
        ]
        <= 2,
    }
    report("long_history", "Opening long conversations", rows, verdicts, options.json)


if __name__ == "__main__":
    main()
