"""Test helpers for accounts: cheap hashing, and signing in through the real page."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from core.auth import passwords


@pytest.fixture
def fast_hashing(monkeypatch):
    """Argon2id with tiny costs, so tests need not spend 64 MiB and half a second
    per password; test_production_hashing_is_memory_hard checks the real ones."""
    monkeypatch.setattr(
        passwords,
        "_hasher",
        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID),
    )
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()
