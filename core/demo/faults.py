"""Live fault switches for the offline demo providers.

Start from the catalog's `busy_rate`, `retry_after` and `down`, and can be
changed at run time from the Status page, for every session of the process,
so a laptop demo can show the queue, the retries, the failover and the
fallback as they happen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Faults:
    busy_rate: float = 0.0
    retry_after: float = 0.0
    down: bool = False
    speed: float = 1.0


_lock = threading.Lock()
_faults: dict[str, Faults] = {}


def faults_for(provider_id: str) -> Faults:
    with _lock:
        return _faults.get(provider_id, Faults())


def set_faults(provider_id: str, **changes: float | bool) -> Faults:
    with _lock:
        updated = replace(_faults.get(provider_id, Faults()), **changes)
        _faults[provider_id] = updated
        return updated


def seed_faults(provider_id: str, faults: Faults) -> None:
    """Set a provider's faults from the catalog unless they were set already."""
    with _lock:
        _faults.setdefault(provider_id, faults)


def clear_faults() -> None:
    with _lock:
        _faults.clear()
