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


def submit(at, label: str):
    """Press the form button called `label` (the first one, on the visible page)."""
    button = next(b for b in at.button if b.label == label)
    return button.click().run()


def sign_up_through_page(at, username: str, password: str = "correct horse battery"):
    """Create an account with the sign-up form, as a person would."""
    at.run()
    at.text_input(key="sign-up-username").set_value(username)
    at.text_input(key="sign-up-password").set_value(password)
    return submit(at, "Create account")


def sign_in_through_page(at, username: str, password: str = "correct horse battery"):
    at.run()
    at.text_input(key="sign-in-username").set_value(username)
    at.text_input(key="sign-in-password").set_value(password)
    return submit(at, "Sign in")
