"""Shared fixtures: a real database per test (a SQLite file, or a PostgreSQL
schema when TEST_DATABASE_URL names a server: tests/databases.py), a real local
OpenAI-compatible server speaking HTTP to the real SDK, and catalogs pointing at it."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

import pytest

# No test may reach the network or depend on the machine's own settings.
os.environ["OLLAMA_URL"] = "off"
os.environ.setdefault("DEMO_SPEED", "40")
for name in list(os.environ):
    if name.endswith("_API_KEY"):
        del os.environ[name]

from core.catalog import Catalog, parse_catalog  # noqa: E402
from core.chat import ChatService  # noqa: E402
from core.clock import SYSTEM_CLOCK, Clock  # noqa: E402
from core.demo.replies import Reply, StreamReply, text_stream  # noqa: E402
from core.demo.server import ChatRequest, LocalOpenAIServer  # noqa: E402
from core.store import open_store, reset_for_tests  # noqa: E402
from core.worker import Worker  # noqa: E402
from tests.databases import drop_database, new_database, on_sqlite  # noqa: E402


@pytest.fixture
def database_url(tmp_path) -> Iterator[Callable[[str], str]]:
    """Make new, empty databases for this test: `database_url("name")` is a URL.

    Every one is dropped after the test (engines are disposed first).
    """
    made: list[str] = []

    def make(name: str = "chat") -> str:
        made.append(new_database(tmp_path, name))
        return made[-1]

    yield make
    reset_for_tests()
    for url in made:
        drop_database(url)


@pytest.fixture
def db(database_url, monkeypatch) -> Iterator[str]:
    """A fresh, migrated database for this test, set as DATABASE_URL."""
    url = database_url("chat")
    monkeypatch.setenv("DATABASE_URL", url)
    reset_for_tests()
    open_store()
    yield url
    reset_for_tests()


class ScriptedServer:
    """A local OpenAI-compatible server whose replies a test queues up.

    Replies are taken in order; when none is queued, `default` answers. Every
    request is kept, so a test can check what the app actually sent.
    """

    def __init__(self) -> None:
        self.queue: deque[Reply | Callable[[ChatRequest], Reply]] = deque()
        self.requests: list[ChatRequest] = []
        self.times: list[float] = []  # monotonic arrival time of each request
        self.default: Callable[[ChatRequest], Reply] = lambda r: StreamReply(
            text_stream(r.model, answer=["Hello", " world"], usage=(5, 2, None))
        )
        self._lock = threading.Lock()
        self.server = LocalOpenAIServer(self._respond)

    def _respond(self, request: ChatRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            self.times.append(time.monotonic())
            reply = self.queue.popleft() if self.queue else self.default
        return reply(request) if callable(reply) else reply

    def push(self, *replies: Reply | Callable[[ChatRequest], Reply]) -> None:
        with self._lock:
            self.queue.extend(replies)

    def base_url(self, provider: str = "local") -> str:
        return self.server.base_url(provider)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.server.start()
    yield scripted
    scripted.server.stop()


def local_catalog(
    server: ScriptedServer,
    *,
    routes: int = 1,
    max_concurrency: int | None = None,
    fallback: bool = False,
    policy: dict | None = None,
    provider_options: dict | None = None,
    reasoning: bool = False,
) -> Catalog:
    """A catalog whose model `m` has `routes` routes on the scripted server.

    `reasoning=True` marks `m` as a reasoning model: its leading content then
    streams as provisional reasoning (core/reasoning.py).
    """
    providers = {}
    for index in range(1, routes + 1):
        spec = {"label": f"Cloud {index}", "base_url": server.base_url(f"p{index}")}
        if max_concurrency:
            spec["max_concurrency"] = max_concurrency
        spec.update(provider_options or {})
        providers[f"p{index}"] = spec
    models = {
        "m": {
            "label": "Model M",
            "reasoning": reasoning,
            "routes": [{"provider": f"p{i}", "model": "r1"} for i in range(1, routes + 1)],
        }
    }
    if fallback:
        models["m"]["fallback"] = "fast"
        models["fast"] = {"label": "Fast F", "routes": [{"provider": "p1", "model": "v3"}]}
    base_policy = {"base_delay_s": 0.05, "max_delay_s": 0.2, "retry_budget_s": 10}
    base_policy.update(policy or {})
    return parse_catalog({"providers": providers, "models": models, "policy": base_policy})


@pytest.fixture
def make_chat(db, server) -> Iterator[Callable[..., ChatService]]:
    """Build ChatServices on their own workers, on `local_catalog(server, **options)`;
    `clock=` a fake one (tests/fake_time.py) for the worker and every limit."""
    workers: list[Worker] = []

    def make(*, clock: Clock = SYSTEM_CLOCK, **options) -> ChatService:
        options.setdefault("policy", {"messages_per_minute": 100})
        worker = Worker(local_catalog(server, **options), clock=clock)
        workers.append(worker)
        return ChatService(worker.catalog, worker)

    yield make
    for worker in workers:
        worker.shutdown()


def pytest_collection_modifyitems(items):
    """Browser journeys last: quick failures first, and Playwright's sync API keeps an
    event loop running in the main thread while its browser is open, which would
    stop later tests from calling asyncio.run().

    Tests of SQLite itself (files, pragmas, FTS5) are skipped on another database.
    """
    items.sort(key=lambda item: "tests/e2e/" in str(item.fspath))
    if not on_sqlite():
        skip = pytest.mark.skip(reason="tests SQLite itself; TEST_DATABASE_URL names another")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)
