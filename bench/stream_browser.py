"""Streaming into the browser: our chat page against a plain `st.write_stream` page.

Both pages are fed the same answer by the same local model server at the same
pace, in the same run, each in its own Streamlit process and its own headless
Chromium page. For answers of 1,000, 4,000 and 8,000 chunks it counts the
bytes the Streamlit server sends over the websocket from the moment the
question is sent until the page has settled, and the renderer's main-thread
busy time (DevTools Performance.getMetrics, TaskDuration) over the same span,
as a share of the stream's duration (first to last chunk). The answer is
Markdown the way models write it (paragraphs of sentences, lists, headings,
code), about 6 bytes a chunk, 100 chunks a second unless --pace-ms says
otherwise. `*_added_x` is the bytes sent per byte of answer added since the
previous length: flat when growth is linear.

    python -m bench.stream_browser [--sizes 1000 4000 8000] [--pace-ms 10]
                                   [--json bench/results/stream_browser.json]
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from bench import browser as web
from bench.common import parser, report

PAGES = {
    "ours": "app.py",
    "plain": "bench/plain_stream_page.py",
}


def measure(
    page, meter: web.Meter, server: web.PacedServer, chunks: list[str], pace_s: float
) -> dict:
    web.new_chat(page)
    server.configure(chunks, delay=pace_s)
    bytes_before, busy_before, _ = meter.mark()
    web.send(page, f"Please write {len(chunks)} chunks.")
    web.wait_for_text(page, web.END)
    web.wait_idle(page)
    bytes_after, busy_after, _ = meter.mark()
    stream_s = server.last_sent - server.first_sent
    return {
        "bytes": bytes_after - bytes_before,
        "busy_s": busy_after - busy_before,
        "stream_s": stream_s,
    }


def run(sizes: list[int], pace_s: float) -> list[dict]:
    server = web.PacedServer().start()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as directory:
        folder = Path(directory)
        catalog = web.write_catalog(folder, server.base_url())
        apps = {
            "ours": web.StreamlitProcess(
                PAGES["ours"], DATABASE_URL=f"sqlite:///{folder / 'ours.db'}",
                MODELS_FILE=str(catalog),
            ),
            "plain": web.StreamlitProcess(PAGES["plain"], BENCH_BASE_URL=server.base_url()),
        }  # fmt: skip
        try:
            with web.chromium() as browser:
                pages = {}
                for kind, app in apps.items():
                    page = web.new_page(browser, timeout_ms=900_000)  # plain, 8,000 chunks
                    pages[kind] = (page, web.Meter(page))
                    web.open_page(page, app.url)
                    web.warm_up(page, server)
                for size in sizes:
                    chunks = web.answer_chunks(size)
                    answer_bytes = len("".join(chunks).encode())
                    found = {kind: measure(*pages[kind], server, chunks, pace_s)
                             for kind in ("ours", "plain")}  # fmt: skip
                    ours, plain = found["ours"], found["plain"]
                    rows.append({
                        "chunks": size,
                        "answer_bytes": answer_bytes,
                        "ours_bytes": ours["bytes"],
                        "ours_x_answer": ours["bytes"] / answer_bytes,
                        "plain_bytes": plain["bytes"],
                        "plain_x_answer": plain["bytes"] / answer_bytes,
                        "plain_over_ours": plain["bytes"] / ours["bytes"],
                        "stream_s": ours["stream_s"],
                        "ours_busy_share": ours["busy_s"] / ours["stream_s"],
                        "plain_busy_share": plain["busy_s"] / plain["stream_s"],
                    })  # fmt: skip
                    print(f"{size:,} chunks: ours {ours['bytes']:,} B, "
                          f"plain {plain['bytes']:,} B", flush=True)  # fmt: skip
        finally:
            for app in apps.values():
                app.stop()
            server.stop()
    return rows


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 8000])
    args.add_argument("--pace-ms", type=float, default=10.0, help="time between chunks")
    options = args.parse_args()
    rows = run(options.sizes, options.pace_ms / 1000)
    # Bytes per byte of answer added from one length to the next: flat for
    # linear growth, growing with the length for quadratic.
    for before, after in itertools.pairwise(rows):
        added = after["answer_bytes"] - before["answer_bytes"]
        after["ours_added_x"] = (after["ours_bytes"] - before["ours_bytes"]) / added
        after["plain_added_x"] = (after["plain_bytes"] - before["plain_bytes"]) / added
    at_4000 = [r for r in rows if r["chunks"] == 4000]
    verdicts = {
        "our bytes <= 5x the answer at every length": all(r["ours_x_answer"] <= 5 for r in rows),
        "plain page sends >= 10x our bytes at 4,000 chunks": bool(at_4000)
        and at_4000[0]["plain_over_ours"] >= 10,
        "our browser busy time < 20% of the stream": all(r["ours_busy_share"] < 0.2 for r in rows),
    }
    report("stream_browser", "Streaming into the browser: our chat page vs st.write_stream",
           rows, verdicts, options.json, pace_ms=options.pace_ms)  # fmt: skip


if __name__ == "__main__":
    main()
