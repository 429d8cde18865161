"""The demo's fault switches in the database, for every process (PostgreSQL).

The demo server asks for a provider's switches on every request; reading the
table each time would put a query in front of every demo answer, so the whole
table (a row per demo provider) is read at most once a `max_age_s` (a second):
a switch pressed on one replica reaches the others within about a second.
A failed read keeps the last known switches (or the catalog's) and says so
in the log: a demo answer never fails because the database hiccupped.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict

from core.clock import SYSTEM_CLOCK, Clock
from core.demo.faults import Faults
from core.errors import StorageError
from core.store import shared_switches

log = logging.getLogger(__name__)


class SharedFaults:
    """A `FaultSource` backed by the `demo_faults` table, cached for `max_age_s`."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK, max_age_s: float = 1.0) -> None:
        self._clock = clock
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._rows: dict[str, Faults] = {}
        self._read_at: float | None = None

    def read(self, provider_id: str) -> Faults | None:
        with self._lock:
            now = self._clock.monotonic()
            if self._read_at is None or now - self._read_at >= self._max_age_s:
                self._read_at = now  # one reader per second, even when the read fails
                try:
                    rows = shared_switches.read_demo_faults()
                    self._rows = {pid: Faults(**fields) for pid, fields in rows.items()}
                except StorageError as exc:
                    log.warning("demo fault switches not read, keeping the last ones: %s", exc)
            return self._rows.get(provider_id)

    def write(self, provider_id: str, faults: Faults) -> None:
        shared_switches.write_demo_faults(provider_id, asdict(faults), self._clock.wall())
        with self._lock:
            self._rows[provider_id] = faults  # this process sees its own switch at once
