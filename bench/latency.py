"""Latency: from a chunk leaving the model server to its text being visible in the page.

Every `--marker-every`th chunk of the answer is a unique word; the local model
server notes the wall-clock time it writes each one, and a MutationObserver in
the page notes `Date.now()` when each first appears in the DOM (same machine,
same clock). Also: when the last chunk became visible, and time to first token
through the app against the raw openai SDK on the same server with the same
first-token delay, both sides in the same run.

    python -m bench.latency [--chunks 1000] [--pace-ms 10] [--first-ms 300] [--repeat 3]
                            [--json bench/results/latency.json]
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import openai

from bench import browser as web
from bench.common import parser, report

# Notes when each marker first enters the DOM, and when Enter was pressed.
OBSERVER = """
window.__seen = {};
window.__sentAt = null;
const pattern = /qz(?:\\d{5}|END)x/g;
function scan(node) {
  const text = node.textContent;
  if (!text || text.indexOf('qz') < 0) return;
  const now = Date.now();
  for (const found of text.matchAll(pattern)) {
    if (!(found[0] in window.__seen)) window.__seen[found[0]] = now;
  }
}
new MutationObserver(mutations => {
  for (const m of mutations) {
    if (m.type === 'characterData') scan(m.target);
    else for (const node of m.addedNodes) scan(node);
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
document.addEventListener('keydown', e => {
  if (e.key === 'Enter' && window.__sentAt === null) window.__sentAt = Date.now();
}, true);
"""


def one_answer(page, server: web.PacedServer, chunks: list[str], pace_s: float,
               first_s: float) -> dict:  # fmt: skip
    web.new_chat(page)
    page.evaluate("window.__seen = {}; window.__sentAt = null;")
    server.configure(chunks, delay=pace_s, first_delay=first_s)
    web.send(page, "Please write a long answer.")
    web.wait_for_text(page, web.END)
    web.wait_idle(page)
    seen, sent_at = page.evaluate("[window.__seen, window.__sentAt]")
    delays = [
        (seen[word] / 1000 - at) * 1000 for word, at in server.sent_at.items() if word in seen
    ]
    return {
        "delays_ms": delays,
        "missing": len(server.sent_at) - len(delays),
        "last_ms": (seen[web.END] / 1000 - server.sent_at[web.END]) * 1000,
        "first_visible_ms": seen[web.marker(0)] - sent_at,
    }


def raw_ttft_ms(server: web.PacedServer, chunks: list[str], first_s: float, repeat: int) -> float:
    """Median time to first token of the raw AsyncOpenAI stream, warm client."""

    async def measure() -> list[float]:
        client = openai.AsyncOpenAI(base_url=server.base_url(), api_key="x", max_retries=0)
        times = []
        for _ in range(repeat + 1):  # the first one warms the client up
            server.configure(chunks[:20], delay=0.0, first_delay=first_s)
            started = time.monotonic()
            stream = await client.chat.completions.create(
                model=web.MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
            )
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    times.append((time.monotonic() - started) * 1000)
                    break
            await stream.close()
        await client.close()
        return times[1:]

    return statistics.median(asyncio.run(measure()))


def app_ttft_ms(database: Path) -> list[int]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT ttft_ms FROM messages WHERE role = 'assistant' ORDER BY id")
        return [ttft for (ttft,) in rows if ttft is not None]


def run(chunks_count: int, marker_every: int, pace_s: float, first_s: float, repeat: int):
    server = web.PacedServer().start()
    chunks = web.answer_chunks(chunks_count, marker_every=marker_every)
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as directory:
        folder = Path(directory)
        database = folder / "latency.db"
        app = web.StreamlitProcess(
            "serve.py", DATABASE_URL=f"sqlite:///{database}",
            MODELS_FILE=str(web.write_catalog(folder, server.base_url())),
        )  # fmt: skip
        try:
            with web.chromium() as browser:
                page = web.new_page(browser)
                page.add_init_script(OBSERVER)
                web.open_page(page, app.url)
                web.warm_up(page, server)
                answers = [one_answer(page, server, chunks, pace_s, first_s)
                           for _ in range(repeat)]  # fmt: skip
            recorded = app_ttft_ms(database)[1:]  # not the warm-up's
        finally:
            app.stop()
        raw = raw_ttft_ms(server, chunks, first_s, repeat=max(5, repeat))
    server.stop()
    delays = sorted(d for answer in answers for d in answer["delays_ms"])
    visible_first = statistics.median(a["first_visible_ms"] for a in answers)
    return {
        "markers": len(delays),
        "missing": sum(a["missing"] for a in answers),
        "median_delay_ms": statistics.median(delays),
        "p90_delay_ms": delays[int(len(delays) * 0.9)],
        "last_chunk_visible_ms": statistics.median(a["last_ms"] for a in answers),
        "raw_sdk_ttft_ms": raw,
        "app_recorded_ttft_ms": statistics.median(recorded),
        "app_visible_ttft_ms": visible_first,
        "recorded_minus_raw_ms": statistics.median(recorded) - raw,
        "visible_minus_raw_ms": visible_first - raw,
    }


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--chunks", type=int, default=1000)
    args.add_argument("--marker-every", type=int, default=10)
    args.add_argument("--pace-ms", type=float, default=10.0)
    args.add_argument("--first-ms", type=float, default=300.0, help="server's first-token delay")
    args.add_argument("--repeat", type=int, default=3)
    options = args.parse_args()
    row = run(options.chunks, options.marker_every, options.pace_ms / 1000,
              options.first_ms / 1000, options.repeat)  # fmt: skip
    verdicts = {
        "median chunk -> visible < 150 ms": row["median_delay_ms"] < 150,
        "last chunk visible < 250 ms after it was sent": row["last_chunk_visible_ms"] < 250,
        "time to first token <= raw SDK + 50 ms (app's own measure)": row["recorded_minus_raw_ms"]
        <= 50,
        "time to first token <= raw SDK + 50 ms (visible, from Enter)": row["visible_minus_raw_ms"]
        <= 50,
    }
    report("latency", "Latency: model server -> visible in the page", [row], verdicts,
           options.json, pace_ms=options.pace_ms, first_ms=options.first_ms)  # fmt: skip


if __name__ == "__main__":
    main()
