"""Scheduler under a burst: 200 requests, a route with 4 slots, 30% refused with 429.

Every request goes through the real generation loop (admission queue, retries), the
real openai SDK and real HTTP to a local server that refuses a random 30% of requests
with 429 and Retry-After. All requests share one event loop and one runtime, as they
do in the worker. Reports whether every request was answered, how much of the
server's 4 slots were in use, and whether requests were admitted in arrival order.

Utilisation is measured against what the server allows: at any moment, 4 slots, or
fewer when fewer requests are left that the server would take, since a request it
refused may not come back before its Retry-After. (At the end of a burst the last
few requests are often all sitting out a Retry-After; no client may use the slots
then.) `utilisation_raw` divides by 4 slots over the whole burst instead.

    python -m bench.scheduler_burst [--requests 200] [--json bench/results/scheduler.json]
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time

from bench.common import parser, report
from core.catalog import parse_catalog
from core.demo.replies import ErrorReply, StreamReply, error_body, text_stream
from core.demo.server import LocalOpenAIServer
from core.events import Answer, RouteStarted
from core.generation import Generation, GenerationRequest, Runtime

SLOTS = 4
REFUSE_SHARE = 0.3
RETRY_AFTER_S = 0.5
ANSWER_CHUNKS = 20
CHUNK_DELAY_S = 0.01  # an answer holds its slot about 0.2 s


class Recorder:
    """What the server saw: when each accepted stream held one of its slots,
    when it refused whom, and when each request got its answer."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.busy_intervals: list[tuple[float, float]] = []
        self.refusals: list[tuple[str, float]] = []  # (request, when)
        self.answered_at: dict[str, float] = {}
        self.first_arrival: float | None = None
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def refused(self) -> int:
        return len(self.refusals)

    def respond(self, request):
        who = str(request.messages[0]["content"])
        with self.lock:
            now = time.monotonic()
            self.first_arrival = self.first_arrival or now
            if self.rng.random() < REFUSE_SHARE:
                self.refusals.append((who, now))
                headers = {"Retry-After": f"{RETRY_AFTER_S}"}
                return ErrorReply(429, error_body("rate limited"), headers)
        return StreamReply(self._stream(who))

    def _stream(self, who: str):
        started = time.monotonic()
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield from text_stream("m", answer=["tok "] * ANSWER_CHUNKS, delay=CHUNK_DELAY_S)
        finally:
            with self.lock:
                self.in_flight -= 1
                ended = time.monotonic()
                self.busy_intervals.append((started, ended))
                self.answered_at[who] = ended

    def allowed_slot_seconds(self, requests: int, start: float, end: float) -> float:
        """∫ min(SLOTS, requests the server would take at t) dt over [start, end].

        A request counts from the burst's start until its answer ended, except
        while it sits out the Retry-After of a refusal.
        """
        changes = [(start, 0)]
        for when in self.answered_at.values():
            changes.append((when, -1))
        eligible = requests
        for _who, when in self.refusals:
            changes += [(when, -1), (when + RETRY_AFTER_S, +1)]
        total = 0.0
        previous = start
        for when, step in sorted(changes):
            when = min(max(when, start), end)
            total += min(SLOTS, max(eligible, 0)) * (when - previous)
            eligible += step
            previous = when
        return total


def run(requests: int, seed: int = 7) -> dict:
    recorder = Recorder(seed)
    server = LocalOpenAIServer(recorder.respond).start()
    catalog = parse_catalog({
        "providers": {"cloud": {"base_url": server.base_url("cloud"), "max_concurrency": SLOTS}},
        "models": {"m": {"routes": [{"provider": "cloud", "model": "m"}]}},
        "policy": {"retry_budget_s": 600, "max_attempts": 50, "total_deadline_s": 600,
                   "base_delay_s": 0.05, "max_delay_s": 1.0},
    })  # fmt: skip
    admitted: list[int] = []  # tickets in the order their first attempt was admitted
    answers: dict[int, str] = {}

    async def one(runtime: Runtime, index: int) -> None:
        text: list[str] = []

        def emit(event) -> None:
            if isinstance(event, RouteStarted) and event.attempt == 1:
                admitted.append(index)
            elif isinstance(event, Answer):
                text.append(event.text)

        request = GenerationRequest("m", [{"role": "user", "content": str(index)}], ticket=index)
        try:
            await Generation(runtime, request, emit).run()
            answers[index] = "".join(text)
        except Exception as error:  # noqa: BLE001 - a lost request is what we count
            answers[index] = f"error: {error}"

    async def burst() -> float:
        runtime = Runtime(catalog)
        started = time.monotonic()
        await asyncio.gather(*(one(runtime, index) for index in range(requests)))
        return time.monotonic() - started

    wall = asyncio.run(burst())
    server.stop()
    expected = "tok " * ANSWER_CHUNKS
    answered = sum(1 for text in answers.values() if text == expected)
    busy = sum(end - start for start, end in recorder.busy_intervals)
    first = recorder.first_arrival
    last = max(e for _, e in recorder.busy_intervals)
    inversions = sum(1 for a, b in itertools.pairwise(admitted) if b < a)
    return {
        "requests": requests,
        "answered": answered,
        "lost": requests - answered,
        "refused_429": recorder.refused,
        "max_in_flight": recorder.max_in_flight,
        "wall_s": round(wall, 2),
        "utilisation": busy / recorder.allowed_slot_seconds(requests, first, last),
        "utilisation_raw": busy / (SLOTS * (last - first)),
        "admission_inversions": inversions,
    }


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--requests", type=int, default=200)
    options = args.parse_args()
    row = run(options.requests)
    verdicts = {
        "every request answered, none lost": row["lost"] == 0,
        f"never more than {SLOTS} in flight": row["max_in_flight"] <= SLOTS,
        "slot utilisation >= 90% of what the server allows": row["utilisation"] >= 0.9,
        "requests admitted in arrival (FIFO) order": row["admission_inversions"] == 0,
    }
    report("scheduler_burst", "Scheduler under a burst (4 slots, 30% 429 + Retry-After)",
           [row], verdicts, options.json)  # fmt: skip


if __name__ == "__main__":
    main()
