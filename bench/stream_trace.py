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

`--floor` traces bench/floor_stream_page.py instead: one Markdown element
replaced four times a second and nothing else, the least any Streamlit page
that updates an element at our rate pays.

    python -m bench.stream_trace [--chunks 1000] [--pace-ms 10] [--throttle 1]
                                 [--floor] [--save-trace FILE] [--json FILE]
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path

from bench import browser as web
from bench.common import parser, report

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
FLOOR_PAGE = "bench/floor_stream_page.py"


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


def run(
    chunks_count: int, pace_s: float, throttle: float, save: Path | None, *, floor: bool = False
) -> list[dict]:
    server = web.PacedServer().start()
    with tempfile.TemporaryDirectory(prefix="bench-trace-") as directory:
        folder = Path(directory)
        catalog = web.write_catalog(folder, server.base_url())
        if floor:
            app = web.StreamlitProcess(FLOOR_PAGE, BENCH_BASE_URL=server.base_url())
        else:
            app = web.StreamlitProcess(
                "app.py", DATABASE_URL=f"sqlite:///{folder / 'ours.db'}", MODELS_FILE=str(catalog)
            )
        try:
            with web.chromium() as browser:
                page = web.new_page(browser)
                meter = web.Meter(page)
                web.open_page(page, app.url)
                web.warm_up(page, server)
                meter.throttle(throttle)
                chunks = web.answer_chunks(chunks_count)
                server.configure(chunks, delay=pace_s)
                browser.start_tracing(page=page, categories=CATEGORIES.split(","))
                # The wall-clock time of the mark, to place the server's times in the trace.
                frames_before = meter.frames
                enter_wall_ms = page.evaluate("performance.mark('duet-enter'), Date.now()")
                web.send(page, f"Please write {chunks_count} chunks.")
                # Nothing is asked of the page until the last chunk has left: a
                # locator polls the page's text every frame, and its work on a
                # page this size would be counted as the page's own.
                while not server.last_sent:
                    page.wait_for_timeout(20)
                web.wait_for_text(page, web.END)
                web.wait_idle(page)
                page.evaluate("performance.mark('duet-settled')")
                raw = browser.stop_tracing()
                messages = meter.frames - frames_before
                meter.throttle(1)
        finally:
            app.stop()
            server.stop()
    if save is not None:
        save.write_bytes(raw)
    trace = json.loads(raw)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    marks = {e["name"]: e["ts"] for e in events if e.get("name", "").startswith("duet-")}
    # The stream's first and last chunk in trace time: the server's wall-clock
    # times, moved by the offset between the two clocks at the first mark.
    offset = marks["duet-enter"] - enter_wall_ms * 1000
    first, last = server.first_sent * 1e6 + offset, server.last_sent * 1e6 + offset
    rows = [
        {"span": "all", **breakdown(events, marks["duet-enter"], marks["duet-settled"])},
        {"span": "stream", **breakdown(events, first, last)},
    ]
    rows[0]["ws_messages"] = messages  # Streamlit's messages received, Enter to settled
    rows[0]["react_ms_per_message"] = rows[0]["react_tasks_ms"] / max(messages, 1)
    for row in rows:
        row["busy_share"] = row["busy_ms"] / 1000 / row["span_s"]
    return rows


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--chunks", type=int, default=1000)
    args.add_argument("--pace-ms", type=float, default=10.0)
    args.add_argument("--throttle", type=float, default=1.0)
    args.add_argument("--save-trace", type=Path, help="keep the raw trace (open it in DevTools)")
    args.add_argument("--floor", action="store_true", help=f"trace {FLOOR_PAGE} instead")
    options = args.parse_args()
    rows = run(options.chunks, options.pace_ms / 1000, options.throttle, options.save_trace,
               floor=options.floor)  # fmt: skip
    report("stream_trace", "Where the browser's time goes while an answer streams", rows, {},
           options.json, chunks=options.chunks, throttle=options.throttle)  # fmt: skip


if __name__ == "__main__":
    main()
