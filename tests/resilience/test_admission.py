"""Admission: a FIFO line by ticket in front of each route's concurrency limit."""

import asyncio

import pytest

from core.catalog import parse_catalog
from core.resilience.admission import DEFAULT_HOLD_S, Admission, Gate


async def settle() -> None:
    """Let every task that can run do so (the gate wakes waiters through futures)."""
    for _ in range(5):
        await asyncio.sleep(0)


class Line:
    """Requests queued at one gate, and what each was told about its place."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.admitted: list[int] = []
        self.told: dict[int, list[tuple[int, float]]] = {}
        self.tasks: dict[int, asyncio.Task] = {}

    def arrive(self, ticket: int) -> asyncio.Task:
        async def request() -> None:
            told = self.told.setdefault(ticket, [])
            await self.gate.acquire(ticket, lambda position, eta: told.append((position, eta)))
            self.admitted.append(ticket)

        self.tasks[ticket] = asyncio.get_running_loop().create_task(request())
        return self.tasks[ticket]


def run(scenario) -> None:
    asyncio.run(scenario())


def test_requests_within_capacity_start_at_once_the_rest_wait():
    async def scenario():
        line = Line(Gate("provider:p", 2))
        for ticket in (1, 2, 3):
            line.arrive(ticket)
        await settle()
        assert line.admitted == [1, 2]
        assert (line.gate.active, line.gate.view().waiting, line.gate.has_room) == (2, 1, False)
        line.gate.release(5.0)
        await settle()
        assert line.admitted == [1, 2, 3]

    run(scenario)


def test_the_line_is_ordered_by_ticket_not_by_arrival():
    """A request back from a retry keeps the place it took when the user pressed Send."""

    async def scenario():
        line = Line(Gate("provider:p", 1))
        line.arrive(1)
        await settle()
        for ticket in (7, 4, 9):
            line.arrive(ticket)
        await settle()
        for _ in range(3):
            line.gate.release(1.0)
            await settle()
        assert line.admitted == [1, 4, 7, 9]

    run(scenario)


def test_a_newcomer_does_not_jump_a_waiting_earlier_ticket():
    async def scenario():
        gate = Gate("provider:p", 1)
        line = Line(gate)
        line.arrive(1)
        line.arrive(2)
        await settle()
        gate.release(1.0)  # 2 is woken, but has not run yet
        line.arrive(3)
        await settle()
        assert line.admitted == [1, 2]

    run(scenario)


def test_each_waiter_is_told_its_place_and_wait_from_measured_answers():
    async def scenario():
        gate = Gate("provider:p", 2)
        line = Line(gate)
        for ticket in range(1, 6):
            line.arrive(ticket)
        await settle()
        # Nothing measured yet: an answer is assumed to take DEFAULT_HOLD_S.
        assert line.told[5][-1] == (3, 2 * DEFAULT_HOLD_S)
        gate.release(12.0)  # 3 goes in; the rest move up, waits from the 12 s answer
        await settle()
        assert line.told[4][-1] == (1, 12.0) and line.told[5][-1] == (2, 12.0)
        gate.release(8.0)  # average of 12 and 8
        await settle()
        assert line.told[5][-1] == (1, 10.0)
        assert line.told[1] == [] and line.told[2] == []  # never waited, never told

    run(scenario)


def test_leaving_the_line_moves_everyone_behind_up():
    async def scenario():
        gate = Gate("provider:p", 1)
        line = Line(gate)
        for ticket in (1, 2, 3):
            line.arrive(ticket)
        await settle()
        line.tasks[2].cancel()  # the user pressed Stop while queued
        await settle()
        assert line.told[3][-1][0] == 1
        gate.release(1.0)
        await settle()
        assert line.admitted == [1, 3]
        assert gate.view().active == 1 and gate.view().waiting == 0

    run(scenario)


def test_a_request_stopped_just_as_it_was_admitted_frees_its_slot():
    async def scenario():
        gate = Gate("provider:p", 1)
        line = Line(gate)
        line.arrive(1)
        line.arrive(2)
        await settle()
        gate.release(1.0)  # grants 2's future ...
        line.tasks[2].cancel()  # ... which is stopped before it runs
        await settle()
        assert line.admitted == [1] and gate.active == 0 and gate.has_room

    run(scenario)


def catalog(route_limit=None, provider_limit=None):
    provider = {"label": "P", "base_url": "http://127.0.0.1:9/v1"}
    if provider_limit:
        provider["max_concurrency"] = provider_limit
    route = {"provider": "p", "model": "a"}
    if route_limit:
        route["max_concurrency"] = route_limit
    return parse_catalog(
        {
            "providers": {"p": provider},
            "models": {
                "a": {"label": "A", "routes": [route]},
                "b": {"label": "B", "routes": [{"provider": "p", "model": "b"}]},
            },
        }
    )


@pytest.mark.parametrize(
    ("route_limit", "provider_limit", "gates"),
    [
        (None, None, (None, None)),  # neither: not limited by the app
        (None, 3, (("provider:p", 3), ("provider:p", 3))),  # shared by the provider's routes
        (1, 3, (("route:p/a", 1), ("provider:p", 3))),  # a route's own limit wins
    ],
)
def test_which_gate_a_route_waits_at(route_limit, provider_limit, gates):
    built = catalog(route_limit, provider_limit)
    admission = Admission(built)
    found = [admission.gate_for(built.models[m].routes[0]) for m in ("a", "b")]
    assert tuple(None if g is None else (g.key, g.capacity) for g in found) == gates
    if provider_limit and not route_limit:
        assert found[0] is found[1]
    assert {v.key for v in admission.views()} == {g[0] for g in gates if g}
