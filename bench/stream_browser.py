"""Streaming into the browser: our chat page against a plain `st.write_stream` page,
at full speed and on a phone-class CPU (Chromium throttled 4x).

Both pages are fed the same answer by the same local model server at the same
pace, in the same run, each in its own Streamlit process and its own headless
Chromium page. For answers of 1,000, 4,000 and 8,000 chunks it counts the
bytes the Streamlit server sends over the websocket from the moment the
question is sent until the page has settled (the run that sends the question
and the final rerun included), and the renderer's main-thread busy time
(DevTools Performance.getMetrics, TaskDuration) over the same span, as a share
of the stream's duration (first to last chunk); `ours_cpu` is the main
thread's CPU time over that span (ThreadTime), which, unlike the tasks'
wall-clock time, does not grow when other work on the machine keeps the
thread waiting for a core. `*_stream_busy` counts only
the busy time between the first and the last chunk: what the page costs while
text flows, without the two page runs around it. The answer is Markdown the
way models write it (paragraphs of sentences, lists, headings, code), about 6
bytes a chunk, 100 chunks a second unless --pace-ms says otherwise.
Our page is the product as `streamlit run serve.py` serves it: the answer's
text travels over the live channel (core/live_channel.py), an HTTP stream
beside the websocket; `ours_live_bytes` is what the page read from it
(DevTools' Network events), and `ours_x_answer` counts both, inflated.
`ours_wire` is what the server sent as it travelled (a TCP relay between
Chromium and the server, bench/browser.py's WireCounter): the websocket's
messages after its compression (permessage-deflate, .streamlit/config.toml)
and the live channel's gzip stream, HTTP and websocket framing included.
With `--app-py` the same app started without the channel (`streamlit run
app.py`, which draws the answer with Streamlit elements) is measured in the
same run at full speed: `streamlit_*` columns, the before of a before/after.
`*_added_x` is the bytes sent per byte of answer added since the previous
length: flat when growth is linear.
`ours_messages` counts the websocket messages (each is one pass of React
over Streamlit's page in the browser, bench/stream_trace.py): unlike
busy time, it does not move with the load.

Our page is then measured again with the renderer's CPU throttled (`_4x`
columns; DevTools `Emulation.setCPUThrottlingRate`, the "4x slowdown" that
stands in for a mid-range phone), and the delay from a chunk leaving the model
server to its text being visible (bench/latency.py's markers and
MutationObserver, in a page of its own so that the observer's work is not
counted as the page's) is measured at both speeds.

With `--repeat N` our page is measured N times at each length and speed;
its columns come from the run with the median busy share, and
`ours_busy_runs` lists every run's.

    python -m bench.stream_browser [--sizes 1000 4000 8000] [--pace-ms 10]
                                   [--throttle 4] [--no-plain] [--app-py] [--repeat 3]
                                   [--json bench/results/stream_browser.json]
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench import browser as web
from bench.common import parser, report, table
from bench.latency import OBSERVER, one_answer

PAGES = {
    "ours": "serve.py",  # the product, its answer over the live channel
    "streamlit": "app.py",  # the same app without the channel: drawn by Streamlit (--app-py)
    "plain": "bench/plain_stream_page.py",
}
LIVE_PATH = "/api/live/"
LATENCY_CHUNKS = 1000  # the answer whose markers time chunk -> visible
POLL_MS = 20  # how often to look whether the stream has started or ended


def measure(
    page,
    meter: web.Meter,
    server: web.PacedServer,
    chunks: list[str],
    pace_s: float,
    wire: web.WireCounter | None = None,
    live: web.RouteMeter | None = None,
) -> dict:
    web.new_chat(page)
    server.configure(chunks, delay=pace_s)
    wire_before = wire.to_browser if wire else 0
    live_before = (live.body, live.wire) if live else (0, 0)
    bytes_before, busy_before, _ = meter.mark()
    cpu_before, messages_before = meter.cpu_s(), meter.frames
    web.send(page, f"Please write {len(chunks)} chunks.")
    # Busy time when the first and the last chunk leave the server. Nothing
    # is asked of the page meanwhile (a locator would poll it every frame).
    busy_first = _busy_once(page, meter, lambda: server.first_sent)
    busy_last = _busy_once(page, meter, lambda: server.last_sent)
    web.wait_for_text(page, web.END)
    web.wait_idle(page)
    bytes_after, busy_after, _ = meter.mark()
    cpu_after = meter.cpu_s()
    return {
        "wire": (wire.to_browser - wire_before) if wire else None,
        "live_bytes": (live.body - live_before[0]) if live else 0,
        "live_wire": (live.wire - live_before[1]) if live else 0,
        "messages": meter.frames - messages_before,
        "cpu_s": cpu_after - cpu_before,
        "bytes": bytes_after - bytes_before,
        "busy_s": busy_after - busy_before,
        "stream_busy_s": busy_last - busy_first,
        "stream_s": server.last_sent - server.first_sent,
    }


def _busy_once(page, meter: web.Meter, happened: Callable[[], float]) -> float:
    while not happened():
        page.wait_for_timeout(POLL_MS)
    return meter.busy_s()


def median_delay_ms(page, server: web.PacedServer, pace_s: float) -> float:
    """Median delay from a marker leaving the model server to it being visible."""
    chunks = web.answer_chunks(LATENCY_CHUNKS, marker_every=10)
    found = one_answer(page, server, chunks, pace_s, first_s=0.0)
    return statistics.median(found["delays_ms"])


def median_run(runs: list[dict]) -> dict:
    """The run whose busy share is the median (the lower middle one of an even count).

    A 1,000-chunk answer streams for 10 s: one garbage collection more or less in
    a page run moves its busy share by a point, so one run is a noisy sample.
    """
    ranked = sorted(runs, key=lambda found: found["busy_s"] / found["stream_s"])
    return ranked[(len(ranked) - 1) // 2]


def run(
    sizes: list[int], pace_s: float, throttle: float, plain: bool, app_py: bool, repeat: int = 1
) -> tuple[list, dict]:
    server = web.PacedServer().start()
    rows = []
    latency: dict[str, float] = {}
    profiles = {"": 1.0, **({f"_{throttle:g}x": throttle} if throttle > 1 else {})}
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as directory:
        folder = Path(directory)
        catalog = web.write_catalog(folder, server.base_url())
        apps = {
            "ours": web.StreamlitProcess(
                PAGES["ours"], DATABASE_URL=f"sqlite:///{folder / 'ours.db'}",
                MODELS_FILE=str(catalog),
            ),
        }  # fmt: skip
        if app_py:
            apps["streamlit"] = web.StreamlitProcess(
                PAGES["streamlit"], DATABASE_URL=f"sqlite:///{folder / 'streamlit.db'}",
                MODELS_FILE=str(catalog),
            )  # fmt: skip
        if plain:
            apps["plain"] = web.StreamlitProcess(PAGES["plain"], BENCH_BASE_URL=server.base_url())
        wires = {kind: web.WireCounter(apps[kind].port) for kind in ("ours", "streamlit")
                 if kind in apps}  # fmt: skip
        wire = wires["ours"]
        try:
            with web.chromium() as browser:
                pages = {}
                for kind, app in apps.items():
                    page = web.new_page(browser, timeout_ms=900_000)  # plain, 8,000 chunks
                    pages[kind] = (page, web.Meter(page))
                    web.open_page(page, wires[kind].url if kind in wires else app.url)
                    web.warm_up(page, server)
                live = web.RouteMeter(pages["ours"][1].cdp, (LIVE_PATH,))
                timing = web.new_page(browser, timeout_ms=300_000)
                timing.add_init_script(OBSERVER)
                timing_meter = web.Meter(timing)
                web.open_page(timing, apps["ours"].url)
                web.warm_up(timing, server)
                for size in sizes:
                    chunks = web.answer_chunks(size)
                    answer_bytes = len("".join(chunks).encode())
                    row = {"chunks": size, "answer_bytes": answer_bytes}
                    for suffix, rate in profiles.items():
                        pages["ours"][1].throttle(rate)
                        runs = [measure(*pages["ours"], server, chunks, pace_s, wire, live)
                                for _ in range(repeat)]  # fmt: skip
                        ours = median_run(runs)
                        row[f"ours_busy_runs{suffix}"] = " ".join(
                            f"{found['busy_s'] / found['stream_s']:.3f}" for found in runs
                        )
                        row[f"ours_bytes{suffix}"] = ours["bytes"]
                        row[f"ours_live_bytes{suffix}"] = ours["live_bytes"]
                        row[f"ours_live_wire{suffix}"] = ours["live_wire"]
                        row[f"ours_wire{suffix}"] = ours["wire"]
                        row[f"ours_wire_x_answer{suffix}"] = ours["wire"] / answer_bytes
                        row[f"ours_messages{suffix}"] = ours["messages"]
                        # Everything the page read, inflated: websocket and live channel.
                        row[f"ours_x_answer{suffix}"] = (
                            ours["bytes"] + ours["live_bytes"]
                        ) / answer_bytes
                        row[f"ours_busy{suffix}"] = ours["busy_s"] / ours["stream_s"]
                        row[f"ours_stream_busy{suffix}"] = ours["stream_busy_s"] / ours["stream_s"]
                        if rate == 1:  # throttled, the thread waits: only busy time counts
                            row["ours_cpu"] = ours["cpu_s"] / ours["stream_s"]
                        row.setdefault("stream_s", ours["stream_s"])
                        print(f"{size:,} chunks{suffix or ''}: ours {ours['bytes']:,} B "
                              f"({ours['wire']:,} B on the wire), busy "
                              f"{row[f'ours_busy{suffix}']:.1%}", flush=True)  # fmt: skip
                    pages["ours"][1].throttle(1)
                    if app_py:  # the same app drawing the answer with Streamlit: before/after
                        old = measure(*pages["streamlit"], server, chunks, pace_s,
                                      wires["streamlit"])  # fmt: skip
                        row["streamlit_bytes"] = old["bytes"]
                        row["streamlit_x_answer"] = old["bytes"] / answer_bytes
                        row["streamlit_wire_x_answer"] = old["wire"] / answer_bytes
                        row["streamlit_messages"] = old["messages"]
                        row["streamlit_busy"] = old["busy_s"] / old["stream_s"]
                        row["streamlit_cpu"] = old["cpu_s"] / old["stream_s"]
                        print(f"{size:,} chunks: app.py {old['bytes']:,} B "
                              f"({old['wire']:,} B on the wire), busy "
                              f"{row['streamlit_busy']:.1%}", flush=True)  # fmt: skip
                    if plain:
                        try:
                            found = measure(*pages["plain"], server, chunks, pace_s)
                        except PlaywrightTimeout:
                            # Its cost grows with the square of the length: on a loaded
                            # machine the longest answer may not finish. Keep the rest.
                            print(f"{size:,} chunks: the plain page did not finish; "
                                  "it is left out from here on", flush=True)  # fmt: skip
                            pages["plain"][0].close()  # it would go on using the CPU
                            plain = False
                    if plain:
                        row["plain_bytes"] = found["bytes"]
                        row["plain_x_answer"] = found["bytes"] / answer_bytes
                        row["plain_over_ours"] = found["bytes"] / row["ours_bytes"]
                        row["plain_busy"] = found["busy_s"] / found["stream_s"]
                    rows.append(row)
                for suffix, rate in profiles.items():
                    timing_meter.throttle(rate)
                    latency[f"median_delay_ms{suffix}"] = median_delay_ms(timing, server, pace_s)
                timing_meter.throttle(1)
        finally:
            for counter in wires.values():
                counter.close()
            for app in apps.values():
                app.stop()
            server.stop()
    return rows, latency


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 8000])
    args.add_argument("--pace-ms", type=float, default=10.0, help="time between chunks")
    args.add_argument("--throttle", type=float, default=4.0,
                      help="CPU slowdown of the phone-class run (1: skip it)")  # fmt: skip
    args.add_argument("--no-plain", action="store_true", help="skip the st.write_stream page")
    args.add_argument("--app-py", action="store_true",
                      help="also measure the app without its live channel, at 1x")  # fmt: skip
    args.add_argument("--repeat", type=int, default=1,
                      help="measure our page this many times per length and speed; "
                           "its columns are the run with the median busy share")  # fmt: skip
    options = args.parse_args()
    rows, latency = run(options.sizes, options.pace_ms / 1000, options.throttle,
                        plain=not options.no_plain, app_py=options.app_py,
                        repeat=options.repeat)  # fmt: skip
    # Bytes per byte of answer added from one length to the next: flat for
    # linear growth, growing with the length for quadratic.
    for before, after in itertools.pairwise(rows):
        added = after["answer_bytes"] - before["answer_bytes"]
        read = [r["ours_bytes"] + r["ours_live_bytes"] for r in (before, after)]
        after["ours_added_x"] = (read[1] - read[0]) / added
        if "plain_bytes" in after:
            after["plain_added_x"] = (after["plain_bytes"] - before["plain_bytes"]) / added
    print(table("Chunk -> visible (bench/latency.py's markers)", [latency]))
    throttled = f"_{options.throttle:g}x"
    at_4000 = [r for r in rows if r["chunks"] == 4000 and "plain_over_ours" in r]
    verdicts = {
        "our browser busy time < 10% of the stream at every length": all(
            r["ours_busy"] < 0.10 for r in rows
        ),
        "median chunk -> visible < 150 ms": latency["median_delay_ms"] < 150,
        "our bytes <= 2x the answer at every length, page runs included (inflated)": all(
            r["ours_x_answer"] <= 2 for r in rows
        ),
        "our bytes <= 2x the answer at every length, page runs included (on the wire)": all(
            r["ours_wire_x_answer"] <= 2 for r in rows
        ),
    }
    if at_4000:
        verdicts["plain page sends >= 10x our bytes at 4,000 chunks"] = (
            at_4000[0]["plain_over_ours"] >= 10
        )
    if options.throttle > 1:  # reported beside the normal figures, against the same bar
        verdicts[f"our browser busy < 10% with the CPU {options.throttle:g}x slower"] = all(
            r[f"ours_busy{throttled}"] < 0.10 for r in rows
        )
        verdicts[f"median chunk -> visible < 150 ms with the CPU {options.throttle:g}x slower"] = (
            latency[f"median_delay_ms{throttled}"] < 150
        )
    report("stream_browser", "Streaming into the browser: our chat page vs st.write_stream",
           rows, verdicts, options.json, pace_ms=options.pace_ms, throttle=options.throttle,
           latency=latency)  # fmt: skip


if __name__ == "__main__":
    main()
