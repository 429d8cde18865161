"""One search for several sides (core/websearch/shared.py), on a real event loop."""

import asyncio

from core.events import Phase, Status
from core.websearch.shared import SharedSearch


def test_the_work_runs_once_every_side_gets_its_result_and_its_progress():
    shared = SharedSearch()
    runs: list[int] = []
    seen: dict[str, list[Status]] = {"a": [], "b": []}

    async def work(emit):
        runs.append(1)
        await asyncio.sleep(0.01)  # both sides are waiting by now
        emit(Status(Phase.READING, extra={"pages": 2}))
        return ["page"]

    async def battle():
        return await asyncio.gather(
            shared.once(work, seen["a"].append), shared.once(work, seen["b"].append)
        )

    assert asyncio.run(battle()) == [["page"], ["page"]]
    assert runs == [1]
    assert [s.phase for s in seen["a"]] == [s.phase for s in seen["b"]] == [Phase.READING]


def test_stopping_one_side_does_not_cut_the_others_search_short():
    shared = SharedSearch()
    told_a: list[Status] = []

    async def work(emit):
        await asyncio.sleep(0.05)
        emit(Status(Phase.READING))
        return "pages"

    async def battle():
        a = asyncio.ensure_future(shared.once(work, told_a.append))
        b = asyncio.ensure_future(shared.once(work, lambda _e: None))
        await asyncio.sleep(0.01)
        a.cancel()  # the person stopped side A
        return await b

    assert asyncio.run(battle()) == "pages"
    assert told_a == []  # a stopped side is told nothing more


def test_the_budget_is_the_smallest_once_every_side_was_asked():
    shared = SharedSearch()
    shared.offer(9_000)
    shared.offer(2_500)
    shared.seal()
    assert asyncio.run(shared.budget(9_000)) == 2_500
