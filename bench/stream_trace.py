"""Where the browser's time goes while our chat page streams an answer.

One answer streamed into the chat page (the same paced server and answer as
bench/stream_browser.py) under a Chromium performance trace (DevTools
Tracing, the "Performance" panel's categories). The renderer's main thread's
time is split by what it did, self time of each trace event: scripting
(JavaScript: Streamlit's React frontend, the websocket's message handling),
style (recalculating styles), layout, paint and compositing (paint, layers,
the commit to the compositor), and parsing HTML/CSS; `other` is task time
no event below the task accounts for. Counted separately: tasks, websocket
messages received and animation frames, from the first chunk to the last
(`stream`) and over the whole span from Enter until the page settles (`all`,
the two page runs around the answer included).

`--pages` measures several pages one after the other in the same run, against
the same model server and browser: `ours` (the product's chat page), `floor`
(bench/floor_stream_page.py: one Markdown element replaced four times a
second and nothing else, the least any Streamlit page that updates an element
at our rate pays) and `side` (bench/side_channel_app.py: the answer's text
over an HTTP route beside Streamlit, appended client-side by a component, no
Streamlit message per chunk; its variants `side-gzip`, `side-keep`,
`side-step`, `side-slow` and `side-slow-gzip` are described at SIDE_VARIANTS). For each page
and answer length it also prints a summary: busy share, bytes over the
websocket plus bytes over the side channel against the answer's bytes, and
the median chunk -> visible delay
(bench/latency.py's markers, 1,000 chunks, in a page of its own), with issue
19's targets.

    python -m bench.stream_trace [--pages ours floor side] [--sizes 1000 4000 8000]
                                 [--chunks 1000] [--pace-ms 10] [--throttle 1]
                                 [--floor] [--save-trace FILE] [--json FILE]
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

from bench import browser as web
from bench.common import parser, report, table
from bench.latency import OBSERVER, one_answer

CATEGORIES = (
    "devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,"
    "disabled-by-default-devtools.timeline.frame,blink.user_timing"
)
# Trace event name -> what the main thread was doing (the DevTools summary's groups).
KINDS = {
    "scripting": {
        "FunctionCall", "EvaluateScript", "v8.compile", "v8.compileModule", "V8.Execute",
        "v8.run", "TimerFire", "EventDispatch", "FireAnimationFrame", "RunMicrotasks",
        "v8.callFunction", "MajorGC", "MinorGC", "V8.GC_SCAVENGER", "BlinkGC.AtomicPhase",
        "ThreadState::performIdleLazySweep", "GCEvent", "XHRReadyStateChange",
        "FireIdleCallback", "ParseScriptOnBackground", "v8.produceCache",
    },
    "style": {"UpdateLayoutTree", "RecalculateStyles", "ScheduleStyleRecalculation",
              "ParseAuthorStyleSheet", "InvalidateLayout"},
    "layout": {"Layout", "IntersectionObserverController::computeIntersections",
               "UpdateLayerTree", "HitTest"},
    "paint": {"Paint", "PrePaint", "Layerize", "PaintImage", "CompositeLayers", "Commit",
              "UpdateLayer", "RasterTask", "Decode Image", "ScrollLayer"},
    "parse": {"ParseHTML"},
}  # fmt: skip
KIND_OF = {name: kind for kind, names in KINDS.items() for name in names}
TASK = {"RunTask", "ThreadControllerImpl::RunTask"}
PAGES = {
    "ours": "serve.py",  # the product's chat page
    "floor": "bench/floor_stream_page.py",  # one Markdown element replaced 4x a second
    "side": "bench/side_channel_app.py",  # text over an HTTP route, appended client-side
    "side-gzip": "bench/side_channel_app.py",
    "side-keep": "bench/side_channel_app.py",
    "side-step": "bench/side_channel_app.py",
    "side-slow": "bench/side_channel_app.py",
    "side-slow-gzip": "bench/side_channel_app.py",
}
# The side channel's variants (bench/side_channel_stream.py, side_channel_page.py):
# each event gzipped with a sync flush; the streamed text kept at the end instead
# of the hand-over to the rendered answer; the answer's box grown in steps of
# 320 px, so the page's height changes once per few lines, not per event; and
# that with an event every 250 ms instead of 100; and that gzipped.
SIDE_VARIANTS = {
    "side": {},
    "side-gzip": {"BENCH_SIDE_GZIP": "1"},
    "side-keep": {"BENCH_SIDE_HAND_OVER": "0"},
    "side-step": {"BENCH_SIDE_STEP_PX": "320"},
    "side-slow": {"BENCH_SIDE_STEP_PX": "320", "BENCH_SIDE_GAP_MS": "250"},
    "side-slow-gzip": {
        "BENCH_SIDE_STEP_PX": "320",
        "BENCH_SIDE_GAP_MS": "250",
        "BENCH_SIDE_GZIP": "1",
    },
}
SIDE_CHANNEL_PATH = "/api/answer-stream/"  # the benchmark side channel
LIVE_CHANNEL_PATH = "/api/live/"  # the product's (core/live_channel.py)
LATENCY_CHUNKS = 1000  # the answer whose markers time chunk -> visible


def main_thread(events: list[dict]) -> tuple[int, int]:
    """The (pid, tid) of the page's renderer main thread: the busiest CrRendererMain."""
    names = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
        and e["args"].get("name") == "CrRendererMain"
    }  # fmt: skip
    work: dict[tuple[int, int], float] = defaultdict(float)
    for e in events:
        if (e.get("pid"), e.get("tid")) in names and e.get("name") in TASK:
            work[(e["pid"], e["tid"])] += e.get("dur", 0)
    return max(work, key=work.get)


def breakdown(events: list[dict], start_us: float, end_us: float) -> dict:
    """Self time (ms) by kind of work on the main thread between two trace times."""
    pid, tid = main_thread(events)
    mine = sorted(
        (e for e in events
         if e.get("pid") == pid and e.get("tid") == tid and e.get("ph") == "X"
         and start_us <= e["ts"] < end_us),
        key=lambda e: (e["ts"], -e.get("dur", 0)),
    )  # fmt: skip
    self_ms: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    stack: list[list] = []  # [event, time of its children]

    def close_until(ts: float) -> None:
        while stack and stack[-1][0]["ts"] + stack[-1][0].get("dur", 0) <= ts:
            event, children = stack.pop()
            own = event.get("dur", 0) - children
            kind = "task" if event["name"] in TASK else KIND_OF.get(event["name"], "other")
            self_ms[kind] += own / 1000
            if stack:
                stack[-1][1] += event.get("dur", 0)

    for event in mine:
        close_until(event["ts"])
        counts[event["name"]] += 1
        stack.append([event, 0.0])
    close_until(float("inf"))
    # A task's own time is time no event inside it accounts for.
    self_ms["other"] += self_ms.pop("task", 0.0)
    busy = sum(self_ms.values())
    return {
        "busy_ms": busy,
        **{f"{kind}_ms": self_ms.get(kind, 0.0) for kind in [*KINDS, "other"]},
        **{f"{why}_tasks_ms": ms for why, ms in tasks_by_cause(mine).items()},
        "tasks": counts["RunTask"] + counts["ThreadControllerImpl::RunTask"],
        "commits": counts["Commit"],
        "scroll_events": sum(1 for e in mine if _dispatched(e) == "scroll"),
        "span_s": (end_us - start_us) / 1e6,
    }


def tasks_by_cause(events: list[dict]) -> dict[str, float]:
    """Whole tasks' time (ms) by what started them: React applying Streamlit's
    messages (`react`), drawing a frame (style, layout, paint, the compositor
    commit, and the scroll-to-bottom animation that runs in frames: `frame`),
    timers (`timer`: Streamlit's scroll-to-bottom container checks every 17
    ms), garbage collection (`gc`), and the rest."""
    found = dict.fromkeys(("react", "frame", "timer", "gc", "rest"), 0.0)
    task, names = None, set()

    def close() -> None:
        if task is not None:
            found[_cause(names)] += task.get("dur", 0) / 1000

    for event in events:
        if event["name"] in TASK:
            close()
            task, names = event, set()
        elif task is not None and event["ts"] < task["ts"] + task.get("dur", 0):
            data = event.get("args", {}).get("data", {})
            names.add(event["name"])
            if "react-dom" in str(data.get("url", "")):
                names.add("react")
    close()
    return found


def _cause(names: set[str]) -> str:
    if "react" in names:
        return "react"
    if names & {"Commit", "Paint", "FireAnimationFrame", "Layout", "UpdateLayoutTree"}:
        return "frame"
    if "TimerFire" in names:
        return "timer"
    if names & {"MinorGC", "MajorGC"}:
        return "gc"
    return "rest"


def _dispatched(event: dict) -> str | None:
    if event["name"] != "EventDispatch":
        return None
    return event.get("args", {}).get("data", {}).get("type")


def start_page(kind: str, folder: Path, server: web.PacedServer) -> web.StreamlitProcess:
    if kind == "ours":
        catalog = web.write_catalog(folder, server.base_url())
        return web.StreamlitProcess(
            PAGES[kind], DATABASE_URL=f"sqlite:///{folder / 'ours.db'}", MODELS_FILE=str(catalog)
        )
    settings = {"BENCH_SIDE_HAND_OVER": "1", "BENCH_SIDE_GZIP": "0", "BENCH_SIDE_STEP_PX": "0",
                "BENCH_SIDE_GAP_MS": "100"}  # fmt: skip
    settings.update(SIDE_VARIANTS.get(kind, {}))
    return web.StreamlitProcess(PAGES[kind], BENCH_BASE_URL=server.base_url(), **settings)


def traced_answer(browser, page, meter: web.Meter, side: web.RouteMeter,
                  server: web.PacedServer, chunks: list[str], pace_s: float) -> dict:  # fmt: skip
    """One answer under a trace: the trace's events, and the counters around it."""
    web.new_chat(page)
    server.configure(chunks, delay=pace_s)
    browser.start_tracing(page=page, categories=CATEGORIES.split(","))
    frames, ws_bytes, side_body, side_wire = meter.frames, meter.bytes, side.body, side.wire
    busy, cpu = meter.busy_s(), meter.cpu_s()
    # The wall-clock time of the mark, to place the server's times in the trace.
    enter_wall_ms = page.evaluate("performance.mark('duet-enter'), Date.now()")
    web.send(page, f"Please write {len(chunks)} chunks.")
    # Nothing is asked of the page until the last chunk has left: a locator
    # polls the page's text every frame, and its work on a page this size
    # would be counted as the page's own.
    while not server.last_sent:
        page.wait_for_timeout(20)
    web.wait_for_text(page, web.END)
    web.wait_idle(page)
    page.evaluate("performance.mark('duet-settled')")
    counters = {
        "metrics_busy_s": meter.busy_s() - busy,
        "metrics_cpu_s": meter.cpu_s() - cpu,
        "ws_messages": meter.frames - frames,
        "ws_bytes": meter.bytes - ws_bytes,
        "side_bytes": side.body - side_body,
        "side_wire_bytes": side.wire - side_wire,
    }
    return {"raw": browser.stop_tracing(), "enter_wall_ms": enter_wall_ms, **counters}


def analyse(found: dict, server: web.PacedServer) -> list[dict]:
    trace = json.loads(found["raw"])
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    marks = {e["name"]: e["ts"] for e in events if e.get("name", "").startswith("duet-")}
    # The stream's first and last chunk in trace time: the server's wall-clock
    # times, moved by the offset between the two clocks at the first mark.
    offset = marks["duet-enter"] - found["enter_wall_ms"] * 1000
    first, last = server.first_sent * 1e6 + offset, server.last_sent * 1e6 + offset
    rows = [
        {"span": "all", **breakdown(events, marks["duet-enter"], marks["duet-settled"])},
        {"span": "stream", **breakdown(events, first, last)},
    ]
    rows[0]["ws_messages"] = found["ws_messages"]  # Streamlit's messages, Enter to settled
    rows[0]["react_ms_per_message"] = rows[0]["react_tasks_ms"] / max(found["ws_messages"], 1)
    for row in rows:
        row["busy_share"] = row["busy_ms"] / 1000 / row["span_s"]
    return rows


def median_delay_ms(browser, app, server: web.PacedServer, pace_s: float, throttle: float):
    """Median delay from a marker chunk leaving the model server to its text
    being in the page, in a page of its own (its observer costs main thread)."""
    page = web.new_page(browser, timeout_ms=300_000)
    page.add_init_script(OBSERVER)
    meter = web.Meter(page)
    web.open_page(page, app.url)
    web.warm_up(page, server)
    meter.throttle(throttle)
    chunks = web.answer_chunks(LATENCY_CHUNKS, marker_every=10)
    found = one_answer(page, server, chunks, pace_s, first_s=0.0)
    meter.throttle(1)
    page.context.close()
    return statistics.median(found["delays_ms"]), found["missing"]


def run(kinds: list[str], sizes: list[int], pace_s: float, throttle: float,
        save: Path | None) -> tuple[list[dict], list[dict]]:  # fmt: skip
    """Each page in `kinds`, each answer length in `sizes`, one after the other
    against the same model server and browser: the traces' rows and a summary
    row per page and length."""
    server = web.PacedServer().start()
    rows: list[dict] = []
    summary: list[dict] = []
    directory = tempfile.TemporaryDirectory(prefix="bench-trace-")
    try:
        with web.chromium() as browser:
            for kind in kinds:
                folder = Path(directory.name) / kind
                folder.mkdir()
                app = start_page(kind, folder, server)
                try:
                    measure_page(browser, app, kind, server, sizes, pace_s, throttle,
                                 save, rows, summary)  # fmt: skip
                finally:
                    app.stop()
    finally:
        server.stop()
        directory.cleanup()
    return rows, summary


def measure_page(browser, app, kind: str, server: web.PacedServer, sizes: list[int],
                 pace_s: float, throttle: float, save: Path | None, rows: list[dict],
                 summary: list[dict]) -> None:  # fmt: skip
    page = web.new_page(browser, timeout_ms=900_000)
    meter = web.Meter(page)
    side = web.RouteMeter(meter.cdp, (SIDE_CHANNEL_PATH, LIVE_CHANNEL_PATH))
    web.open_page(page, app.url)
    web.warm_up(page, server)
    meter.throttle(throttle)
    mine = []
    for size in sizes:
        chunks = web.answer_chunks(size)
        found = traced_answer(browser, page, meter, side, server, chunks, pace_s)
        if save is not None:
            save.with_name(f"{save.stem}-{kind}-{size}{save.suffix}").write_bytes(found["raw"])
        traced = analyse(found, server)
        rows += [{"page": kind, "chunks": size, **row} for row in traced]
        mine.append(summary_row(kind, size, throttle, chunks, found, traced, server))
    meter.throttle(1)
    page.context.close()
    median, missing = median_delay_ms(browser, app, server, pace_s, throttle)
    for row in mine:
        row["median_delay_ms"], row["markers_missing"] = median, missing
    summary += mine


def summary_row(kind: str, size: int, throttle: float, chunks: list[str], found: dict,
                traced: list[dict], server: web.PacedServer) -> dict:  # fmt: skip
    answer_bytes = len("".join(chunks).encode())
    stream_s = server.last_sent - server.first_sent
    ws, body, wire = found["ws_bytes"], found["side_bytes"], found["side_wire_bytes"]
    return {
        "page": kind,
        "chunks": size,
        "throttle": throttle,
        "answer_bytes": answer_bytes,
        "ws_bytes": ws,
        "side_bytes": body,
        "side_wire_bytes": wire,
        "x_answer": (ws + wire) / answer_bytes,  # bytes that travelled, both channels
        "x_answer_decoded": (ws + body) / answer_bytes,
        "ws_messages": found["ws_messages"],
        "busy": traced[0]["busy_share"],  # Enter to settled, over the stream's length
        "stream_busy": traced[1]["busy_share"],  # first to last chunk
        # DevTools' own counters over the same span, per second of stream
        "metrics_busy": found["metrics_busy_s"] / stream_s,
        "cpu": found["metrics_cpu_s"] / stream_s,
    }


def verdicts(summary: list[dict]) -> dict[str, bool]:
    """Issue 19's targets 1 and 2, for each page measured."""
    found = {}
    for kind in dict.fromkeys(row["page"] for row in summary):
        mine = [row for row in summary if row["page"] == kind]
        sizes = ", ".join(f"{row['chunks']:,}" for row in mine)
        found[f"{kind}: busy < 10% of the stream at {sizes} chunks"] = all(
            row["busy"] < 0.10 for row in mine
        )
        found[f"{kind}: median chunk -> visible < 150 ms"] = mine[0]["median_delay_ms"] < 150
        found[f"{kind}: bytes (websocket + side channel) <= 2x the answer"] = all(
            row["x_answer"] <= 2 for row in mine
        )
    return found


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--pages", nargs="+", choices=sorted(PAGES), default=["ours"],
                      help="pages to measure, one after the other in this run")  # fmt: skip
    args.add_argument("--sizes", type=int, nargs="+", help="answer lengths in chunks")
    args.add_argument("--chunks", type=int, default=1000, help="one answer length (no --sizes)")
    args.add_argument("--pace-ms", type=float, default=10.0)
    args.add_argument("--throttle", type=float, default=1.0)
    args.add_argument("--save-trace", type=Path, help="keep the raw traces (open them in DevTools)")
    args.add_argument("--floor", action="store_true", help="--pages floor")
    options = args.parse_args()
    kinds = ["floor"] if options.floor else options.pages
    sizes = options.sizes or [options.chunks]
    rows, summary = run(kinds, sizes, options.pace_ms / 1000, options.throttle, options.save_trace)
    print(table("Where the browser's time goes while an answer streams (trace, ms)", rows))
    report("stream_trace", "Pages side by side", summary, verdicts(summary), options.json,
           sizes=sizes, throttle=options.throttle, trace_rows=rows)  # fmt: skip


if __name__ == "__main__":
    main()
