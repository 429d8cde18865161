"""Start-up and memory: `streamlit run app.py` to a rendered page; RSS under 20 streams.

Start-up: from launching `streamlit run app.py` (a fresh database: migrations
run) until the chat page is fully rendered in headless Chromium (the welcome
screen is shown and the script run is over); Chromium is started before the
clock starts. Repeated, median reported, with the server's own time to
answer its health check.

Memory: the resident set (VmRSS from /proc) of the Streamlit server process
once started, with 20 browser sessions open, at its peak (VmHWM) while all 20
stream an answer at once from a local model server, and after.

    python -m bench.startup_memory [--starts 3] [--sessions 20] [--chunks 2000]
                                   [--json bench/results/startup_memory.json]
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench import browser as web
from bench.common import parser, report, table
from tests.e2e.helpers import IDLE

WELCOME = "What can I help you with?"


def start_up(browser, folder: Path, index: int) -> dict[str, float]:
    page = web.new_page(browser)
    started = time.monotonic()
    app = web.StreamlitProcess("serve.py", DATABASE_URL=f"sqlite:///{folder / f'start-{index}.db'}")
    try:
        page.goto(app.url)
        page.get_by_text(WELCOME).wait_for()
        page.locator(IDLE).wait_for()
        rendered = time.monotonic() - started
    finally:
        page.context.close()
        app.stop()
    return {"healthy_s": app.healthy_s, "rendered_s": rendered}


def memory_under_load(browser, folder: Path, sessions: int, chunks: int) -> dict[str, float]:
    server = web.PacedServer().start()
    app = web.StreamlitProcess(
        "serve.py", DATABASE_URL=f"sqlite:///{folder / 'memory.db'}",
        MODELS_FILE=str(web.write_catalog(folder, server.base_url())),
    )  # fmt: skip
    try:
        started_mb = app.memory_kb()["VmRSS"] / 1024
        pages = [web.new_page(browser, timeout_ms=600_000) for _ in range(sessions)]
        for page in pages:
            web.open_page(page, app.url)
        sessions_mb = app.memory_kb()["VmRSS"] / 1024
        server.configure(web.answer_chunks(chunks), delay=0.02)
        samples: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append(app.memory_kb()["VmRSS"] / 1024)
                stop.wait(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        for page in pages:
            web.send(page, "Please write a long answer.")
        for page in pages:
            page.get_by_text(web.END).first.wait_for()
        streamed_s = time.monotonic() - started
        for page in pages:
            web.wait_idle(page)
        stop.set()
        sampler.join()
        peak_mb = app.memory_kb()["VmHWM"] / 1024
        after_mb = app.memory_kb()["VmRSS"] / 1024
        for page in pages:
            page.context.close()
    finally:
        app.stop()
        server.stop()
    return {
        "sessions": sessions,
        "started_mb": started_mb,
        "with_sessions_mb": sessions_mb,
        "peak_streaming_mb": peak_mb,
        "after_mb": after_mb,
        "all_answers_s": streamed_s,
    }


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--starts", type=int, default=3)
    args.add_argument("--sessions", type=int, default=20)
    args.add_argument("--chunks", type=int, default=2000, help="answer length, at 50 chunks/s")
    options = args.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-startup-") as directory,
        web.chromium() as browser,
    ):
        folder = Path(directory)
        starts = [start_up(browser, folder, index) for index in range(options.starts)]
        memory = memory_under_load(browser, folder, options.sessions, options.chunks)
    rendered = statistics.median(s["rendered_s"] for s in starts)
    rows = [
        {
            "measure": "start-up (median)",
            "server_healthy_s": statistics.median(s["healthy_s"] for s in starts),
            "page_rendered_s": rendered,
            "each_start_s": " / ".join(f"{s['rendered_s']:.2f}" for s in starts),
        },
    ]
    verdicts = {"first page rendered < 4 s after `streamlit run`": rendered < 4}
    report("startup_memory", "Start-up", rows, verdicts, options.json, memory=memory)
    title = "Memory of the Streamlit process (RSS, MiB): started, sessions open, peak, after"
    print(table(title, [memory]))


if __name__ == "__main__":
    main()
