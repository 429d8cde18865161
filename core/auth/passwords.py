"""Password hashing with Argon2id (memory-hard), through argon2-cffi.

The library's defaults follow RFC 9106's second recommendation (64 MiB,
3 passes, 4 lanes): each guess costs an attacker memory as well as time,
which is what makes stolen hashes expensive to crack on GPUs.

The same cost is a weapon against the server: every hash holds 64 MiB and
four threads for about half a second, so at most `HASH_SLOTS` run at once
in the process, whoever asks (sign-in, sign-up, password change). The rest
wait their turn for up to `HASH_WAIT_S`, then get `HashingBusy`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import AppError

MIN_LENGTH = 8
MAX_LENGTH = 256  # hashing cost is fixed, but nobody needs a novel as a password
HASH_SLOTS = max(1, min(4, (os.cpu_count() or 1) // 2))  # at most 256 MiB at once
HASH_WAIT_S = 10.0
_slots = threading.BoundedSemaphore(HASH_SLOTS)
_T = TypeVar("_T")


class HashingBusy(AppError):
    """Every hashing slot stayed taken for HASH_WAIT_S: too many sign-ins at once."""

    kind = "sign_in_busy"


def _in_slot(work: Callable[[], _T]) -> _T:
    if not _slots.acquire(timeout=HASH_WAIT_S):
        raise HashingBusy()
    try:
        return work()
    finally:
        _slots.release()


def make_hasher() -> PasswordHasher:
    """Argon2id with the library's RFC 9106 parameters."""
    return PasswordHasher(type=Type.ID)


_hasher = make_hasher()


@cache
def _dummy_hash() -> str:
    """Verified when the username does not exist, so that a wrong username takes
    as long as a wrong password and sign-in does not reveal which accounts exist."""
    return _in_slot(lambda: _hasher.hash("not a real password, only spends the same time"))


def hash_password(password: str) -> str:
    """An encoded Argon2id hash ("$argon2id$v=19$m=…"), salt included."""
    return _in_slot(lambda: _hasher.hash(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; spends the same time when there is no hash."""
    stored = password_hash or _dummy_hash()

    def verify() -> bool:
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return _in_slot(verify) and bool(password_hash)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older, weaker parameters."""
    return _hasher.check_needs_rehash(password_hash)
