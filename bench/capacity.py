"""Capacity: how many people can stream answers at once, and what a token costs the server.

N browser sessions (one Chromium context each: its own cookie jar, so its own
Streamlit session) each ask a question at the same moment; a local model
server streams every one the same answer at a model's pace (25 ms a chunk,
about 40 tokens a second, like a busy R1), tagging every tenth chunk with a
marker. The server notes when it writes each marker for each session, a
MutationObserver in each page when it appears (bench/latency.py; same machine,
same clock). Per level of N: the median and p90 of that chunk-to-screen delay
over every session, and the app's CPU time (user + system, from /proc, every
replica summed) per 1,000 streamed tokens (a chunk is about one token).

Two deployments, one after the other: one process on SQLite, and two replicas
on one PostgreSQL server (.ci/postgres; sessions alternate between them, as a
balancer would spread them). The browsers run on the same 2 cores as the app:
their rendering competes with the servers, so the delays are pessimistic for
people on their own machines; the machine's CPU busy share during each level
is printed to show it.

    python -m bench.capacity [--sessions 1 4 8 12 16] [--chunks 400] [--pace-ms 25]
                             [--deployments sqlite postgres2] [--json bench/results/capacity.json]
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import browser as web
from bench.common import ROOT, parser, report
from bench.latency import OBSERVER
from core.demo.replies import StreamReply, text_stream
from core.demo.server import ChatRequest

TARGET_MEDIAN_MS = 250
SESSION = re.compile(r"session (\d+)")


class SessionServer(web.PacedServer):
    """The paced server, noting each marker's send time per session (the question
    names its session), since every session streams the same answer at once."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: dict[tuple[int, str], float] = {}

    def configure(self, chunks: list[str], *, delay: float, **options) -> None:
        super().configure(chunks, delay=delay, **options)
        with self._lock:
            self.sent = {}

    def _respond(self, request: ChatRequest) -> StreamReply:
        question = str(request.messages[-1].get("content", ""))
        found = SESSION.search(question)
        if found is None:  # a warm-up question
            return super()._respond(request)
        with self._lock:
            chunks, delay = self.chunks, self.delay
        return StreamReply(self._tagged(int(found.group(1)), request.model, chunks, delay))

    def _tagged(self, session: int, model: str, chunks: list[str], delay: float):
        markers = web.markers_in(chunks)
        steps = text_stream(model, answer=chunks, usage=(10, len(chunks), 0))
        due = time.monotonic()
        for index, step in enumerate(steps):
            if index < len(chunks):
                due += delay if index else 0.0
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            word = markers.get(index)
            if word is not None:
                with self._lock:
                    self.sent[(session, word)] = time.time()
            yield step


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(data_dir: Path) -> float:
    """CPU time of a PostgreSQL server: the postmaster, its live backends and
    workers, and those that ended (reaped by the postmaster: its children's time)."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            child = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(child[1]) == postmaster:
            ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


@contextmanager
def postgres():
    """A throwaway PostgreSQL cluster (.ci/postgres), stopped afterwards:
    its URL and its data directory."""
    directory = tempfile.mkdtemp(prefix="bench-capacity-pg.")
    started = subprocess.run(
        [str(ROOT / ".ci/postgres"), "start", directory], capture_output=True, text=True
    )
    if started.returncode != 0:
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr[-2000:]}")
    try:
        yield started.stdout.strip(), Path(directory) / "data"
    finally:
        subprocess.run([str(ROOT / ".ci/postgres"), "stop", directory], check=False)
        subprocess.run(["rm", "-rf", directory], check=False)


class Deployment:
    """The app processes of one deployment, and the CPU time they (and their
    database server, if any) have used so far."""

    def __init__(self, kind: str, stack: ExitStack, catalog: Path, folder: Path) -> None:
        self.database_dir: Path | None = None
        if kind == "sqlite":
            urls = [f"sqlite:///{folder / 'capacity.db'}"]
        elif kind == "postgres2":
            url, self.database_dir = stack.enter_context(postgres())
            urls = [url, url]
        else:
            raise SystemExit(f"unknown deployment {kind!r}: sqlite or postgres2")
        self.apps = []
        for url in urls:
            app = web.StreamlitProcess("serve.py", DATABASE_URL=url, MODELS_FILE=str(catalog))
            stack.callback(app.stop)
            self.apps.append(app)

    def cpu(self) -> tuple[float, float]:
        """(the app processes', the database server's) CPU seconds so far."""
        apps = sum(cpu_seconds(app.process.pid) for app in self.apps)
        database = postgres_cpu_seconds(self.database_dir) if self.database_dir else 0.0
        return apps, database


def one_level(
    pages: list, deployment: Deployment, server: SessionServer, chunks: list[str], pace_s: float
) -> dict:
    for page in pages:
        web.new_chat(page)
        page.evaluate("window.__seen = {}; window.__sentAt = null;")
    server.configure(chunks, delay=pace_s)
    app_before, database_before = deployment.cpu()
    busy_before, total_before = machine_busy()
    started = time.monotonic()
    for index, page in enumerate(pages):
        web.send(page, f"Please write a long answer for session {index}.")
    for page in pages:
        web.wait_for_text(page, web.END)
    for page in pages:
        web.wait_idle(page)
    app_after, database_after = deployment.cpu()
    cpu, database_cpu = app_after - app_before, database_after - database_before
    wall = time.monotonic() - started
    busy_after, total_after = machine_busy()
    delays, missing = [], 0
    for index, page in enumerate(pages):
        seen = page.evaluate("window.__seen")
        for word in web.markers_in(chunks).values():
            sent = server.sent.get((index, word))
            if sent is None or word not in seen:
                missing += 1
                continue
            delays.append((seen[word] / 1000 - sent) * 1000)
    ordered = sorted(delays)
    tokens_k = len(pages) * len(chunks) / 1000
    return {
        "median_ms": statistics.median(ordered),
        "p90_ms": ordered[int(0.9 * (len(ordered) - 1))],
        "missing": missing,
        "cpu_s": cpu,
        "cpu_ms_per_1k_tokens": 1000 * cpu / tokens_k,
        "db_cpu_ms_per_1k_tokens": 1000 * database_cpu / tokens_k,  # PostgreSQL's own
        "wall_s": wall,
        "app_cores": cpu / wall,  # how much of a core the app used, on average
        "load_1min": os.getloadavg()[0],
        "machine_busy": (busy_after - busy_before) / max(1, total_after - total_before),
    }


def run(kind: str, levels: list[int], chunk_count: int, pace_s: float) -> list[dict]:
    server = SessionServer()
    server.start()
    chunks = web.answer_chunks(chunk_count, marker_every=10)
    rows = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-capacity-") as directory:
        stack.callback(server.stop)
        folder = Path(directory)
        catalog = web.write_catalog(folder, server.base_url())
        deployment = Deployment(kind, stack, catalog, folder)
        apps = deployment.apps
        with web.chromium() as browser:
            pages = []
            for index in range(max(levels)):
                page = web.new_page(browser, timeout_ms=300_000)
                page.add_init_script(OBSERVER)
                web.open_page(page, apps[index % len(apps)].url)  # spread as a balancer would
                web.warm_up(page, server)
                pages.append(page)
            for level in levels:
                found = one_level(pages[:level], deployment, server, chunks, pace_s)
                rows.append({"deployment": kind, "sessions": level, **found})
                cost = found["cpu_ms_per_1k_tokens"]
                print(f"{kind}, {level} sessions: median {found['median_ms']:.0f} ms, "
                      f"{cost:.0f} ms CPU / 1k tokens", flush=True)  # fmt: skip
    return rows


def most_sessions_within_target(rows: list[dict], kind: str) -> int:
    """The largest level whose median delay met the target (and every smaller one too)."""
    best = 0
    for row in sorted((r for r in rows if r["deployment"] == kind), key=lambda r: r["sessions"]):
        if row["median_ms"] >= TARGET_MEDIAN_MS:
            break
        best = row["sessions"]
    return best


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8, 12, 16])
    args.add_argument("--chunks", type=int, default=400, help="chunks (about tokens) per answer")
    args.add_argument("--pace-ms", type=float, default=25.0, help="time between chunks")
    args.add_argument("--deployments", nargs="+", default=["sqlite", "postgres2"])
    options = args.parse_args()
    rows = []
    for kind in options.deployments:
        rows += run(kind, sorted(options.sessions), options.chunks, options.pace_ms / 1000)
    capacity = {kind: most_sessions_within_target(rows, kind) for kind in options.deployments}
    verdicts = {
        f"{kind}: median delay < {TARGET_MEDIAN_MS} ms up to {n} sessions": n > 0
        for kind, n in capacity.items()
    }
    report("capacity", "Capacity: sessions streaming at once", rows, verdicts, options.json,
           pace_ms=options.pace_ms, chunks=options.chunks, capacity=capacity)  # fmt: skip


if __name__ == "__main__":
    main()
