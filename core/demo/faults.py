"""Live fault switches for the offline demo providers.

Start from the catalog's `busy_rate`, `retry_after` and `down`, and can be
changed at run time from the Status page, for every session of the process,
so a laptop demo can show the queue, the retries, the failover and the
fallback as they happen.

On PostgreSQL several processes serve the app and each runs its own demo
server; `share_faults` plugs in a source every process reads
(core/demo/shared_faults.py), so a switch holds for all of them. The
catalog's values stay the default of a provider nobody switched.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True)
class Faults:
    busy_rate: float = 0.0
    retry_after: float = 0.0
    down: bool = False
    speed: float = 1.0


class FaultSource(Protocol):
    """Switches kept outside this process (the database, for every replica)."""

    def read(self, provider_id: str) -> Faults | None:
        """The provider's switches, or None when nobody set them there."""

    def write(self, provider_id: str, faults: Faults) -> None:
        """Set them for every process (raises `StorageError`)."""


_lock = threading.Lock()
_faults: dict[str, Faults] = {}
_shared: FaultSource | None = None


def share_faults(source: FaultSource | None) -> None:
    """Read and write the switches through `source` from now on (None: this process only)."""
    global _shared
    _shared = source


def faults_for(provider_id: str) -> Faults:
    shared = _shared
    if shared is not None:
        found = shared.read(provider_id)
        if found is not None:
            return found
    with _lock:
        return _faults.get(provider_id, Faults())


def set_faults(provider_id: str, **changes: float | bool) -> Faults:
    updated = replace(faults_for(provider_id), **changes)
    shared = _shared
    if shared is not None:
        shared.write(provider_id, updated)  # first: a refused write changes nothing here
    with _lock:
        _faults[provider_id] = updated
    return updated


def seed_faults(provider_id: str, faults: Faults) -> None:
    """Set a provider's faults from the catalog unless they were set already."""
    with _lock:
        _faults.setdefault(provider_id, faults)


def clear_faults() -> None:
    with _lock:
        _faults.clear()
