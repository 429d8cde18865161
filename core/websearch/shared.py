"""One web search for several answers to the same question (the arena's two sides).

In a blind battle both models must read the same numbered sources, so the
vote compares answers, not searches. The sides' generations run on the
worker's one event loop; the first to ground starts the search and reading
as a task, and every side awaits that same task (shielded, so stopping one
side does not cut the other's search short). What the task reports (reading
N pages, a retry of the search provider) goes to every side still waiting.

The sources are fitted into the smallest budget any side offered, so every
side gets the very same numbered blocks. Each side offers its budget when it
is asked (in the page's thread); `seal()` says every side has been asked, and
fitting waits for it (bounded, so a side that never came does not hold the
others up).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from core.events import Event

Emit = Callable[[Event], None]

SEAL_WAIT_S = 10.0  # every side is asked within milliseconds of the first


class SharedSearch:
    """The search and pages read once, and the smallest budget of the sides."""

    def __init__(self) -> None:
        self._task: asyncio.Future[Any] | None = None
        self._waiting: list[Emit] = []  # the sides awaiting the task, told its progress
        self._budgets: list[int] = []
        self._sealed = threading.Event()

    def offer(self, budget_tokens: int) -> None:
        """A side's room for sources (what its history left of its model's input)."""
        self._budgets.append(budget_tokens)

    def seal(self) -> None:
        """Every side has been asked (or refused): fitting may go ahead."""
        self._sealed.set()

    async def budget(self, own: int) -> int:
        """The smallest budget of every side, once all have offered theirs."""
        if not self._sealed.is_set():
            await asyncio.to_thread(self._sealed.wait, SEAL_WAIT_S)
        return min([own, *self._budgets])

    async def once(self, work: Callable[[Emit], Awaitable[Any]], emit: Emit) -> Any:
        """`work(emit_to_all)`'s result, run by the first side to ask; the others
        await it. A side that stops waiting (stopped) is told nothing more."""
        self._waiting.append(emit)
        try:
            if self._task is None:
                self._task = asyncio.ensure_future(work(self._to_all))
            return await asyncio.shield(self._task)
        finally:
            self._waiting.remove(emit)

    def _to_all(self, event: Event) -> None:
        for emit in list(self._waiting):
            emit(event)
