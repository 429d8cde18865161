"""Password hashing with Argon2id (memory-hard), through argon2-cffi.

The library's defaults follow RFC 9106's second recommendation (64 MiB,
3 passes, 4 lanes): each guess costs an attacker memory as well as time,
which is what makes stolen hashes expensive to crack on GPUs.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 256  # hashing cost is fixed, but nobody needs a novel as a password


def make_hasher() -> PasswordHasher:
    """Argon2id with the library's RFC 9106 parameters."""
    return PasswordHasher(type=Type.ID)


_hasher = make_hasher()


@cache
def _dummy_hash() -> str:
    """Verified when the username does not exist, so that a wrong username takes
    as long as a wrong password and sign-in does not reveal which accounts exist."""
    return _hasher.hash("not a real password, only spends the same time")


def hash_password(password: str) -> str:
    """An encoded Argon2id hash ("$argon2id$v=19$m=…"), salt included."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older, weaker parameters."""
    return _hasher.check_needs_rehash(password_hash)
