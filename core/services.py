"""The process-wide objects every session shares, built once.

Streamlit runs each browser session's script in its own thread but in one
process; the catalog, the store and the worker belong to the process. Pages
reach them through `services()`; tests build their own.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from dotenv import load_dotenv

from core.arena import Arena
from core.batch import BatchRunner
from core.batch_service import BatchService
from core.catalog import Catalog, load_catalog
from core.chat import ChatService
from core.compare import CompareService
from core.demo.faults import Faults, seed_faults, share_faults
from core.demo.shared_faults import SharedFaults
from core.feedback_votes import FeedbackVotes
from core.health import HealthService
from core.history import History
from core.judging.agreement import AgreementRunner
from core.leaderboard import LeaderboardService
from core.ollama import detect_models, ollama_url, with_ollama_models
from core.store import open_store
from core.store.advisory import is_shared_database
from core.store.comparisons import ARENA, COMPARE
from core.store.processes import Heartbeat
from core.temporary import TemporaryChats
from core.websearch.remembered import RememberedWebSearch
from core.worker import Worker
from core.your_data import YourData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    catalog: Catalog
    worker: Worker
    chat: ChatService
    batches: BatchRunner
    heartbeat: Heartbeat  # this process's identity in the database (core/store/processes.py)
    temporary: TemporaryChats  # chats kept in memory only (core/temporary.py)
    agreement: AgreementRunner  # judges re-judging blind votes (core/judging/agreement.py)
    # The use cases pages and ui components call (docs/architecture.md, "Services"),
    # each given its collaborators here:
    history: History  # conversations: list, open, rename, search, versions, export, delete
    your_data: YourData  # a person's data as one thing: export, import, erase all
    votes: FeedbackVotes  # thumbs and "which is better", in plain sight
    web_search: RememberedWebSearch  # a conversation's switch, an answer's sources
    compare: CompareService  # side-by-side comparisons (core/compare.py)
    arena: Arena  # blind battles (core/arena.py)
    batch: BatchService  # batches and their judging (core/batch_service.py)
    leaderboard: LeaderboardService  # ratings, performance, exports (core/leaderboard.py)
    health: HealthService  # the Status page's rows and breakers (core/health.py)


_lock = threading.Lock()
_services: Services | None = None


def build_catalog() -> Catalog:
    """models.toml + environment (.env included) + a local Ollama if one answers."""
    load_dotenv(override=False)
    catalog = load_catalog()
    url = ollama_url()
    if url:
        catalog = with_ollama_models(catalog, url, detect_models(url))
    for provider in catalog.providers.values():
        if provider.demo is not None:
            seed_faults(
                provider.id,
                Faults(
                    provider.demo.busy_rate,
                    provider.demo.retry_after,
                    provider.demo.down,
                    provider.demo.speed,
                ),
            )
    return catalog


def services() -> Services:
    """Build on first call; raises `CatalogError` or `StorageError` with a clear message."""
    global _services
    with _lock:
        if _services is None:
            catalog = build_catalog()
            open_store()
            # Several processes on PostgreSQL: the demo's switches hold for all of them.
            share_faults(SharedFaults() if is_shared_database() else None)
            heartbeat = Heartbeat()  # before the worker: dead processes' answers recovered
            worker = Worker(catalog)
            chat = ChatService(catalog, worker)
            runtime = worker.runtime  # its breakers, queues and clock
            batches = BatchRunner(chat)
            arena = Arena(
                chat,
                breakers=runtime.breakers,
                is_running=worker.is_running,
                compare=CompareService(chat, kind=ARENA),
            )
            _services = Services(
                catalog=catalog,
                worker=worker,
                chat=chat,
                batches=batches,
                heartbeat=heartbeat,
                temporary=TemporaryChats(chat),
                agreement=AgreementRunner(chat),
                history=History(chat),
                your_data=YourData(catalog, chat, batches),
                votes=FeedbackVotes(),
                web_search=RememberedWebSearch(),
                compare=CompareService(chat, kind=COMPARE),
                arena=arena,
                batch=BatchService(batches, chat),
                leaderboard=LeaderboardService(arena),
                health=HealthService(runtime),
            )
            log.info("ready: %d models, database open", len(catalog.models))
        return _services


def reset_services() -> None:
    """Tests: drop the singletons (the next `services()` builds new ones)."""
    global _services
    with _lock:
        if _services is not None:
            _services.batches.shutdown()
            _services.agreement.shutdown()
            _services.worker.shutdown()
            _services.heartbeat.stop()
        _services = None
        share_faults(None)
