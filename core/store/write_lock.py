"""Check-then-write decisions that two sessions must not make at the same time.

"Is this the first account?" and "is there an attempt left?" are a read and
a write; two requests interleaving them both get "yes" (two first admins,
twelve guesses checked against a limit of five). The transaction that makes
the decision therefore writes first and reads after:

- SQLite has one write lock per database. A transaction whose first
  statement is a write takes it (the busy timeout makes others wait) and
  holds it to commit, so its reads after the write see every decision
  committed before it, and nobody decides in between.
- PostgreSQL lets writers run side by side, so `hold()` also takes a
  transaction-scoped advisory lock named after the decision.
"""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def hold(db: Session, name: str) -> None:
    """Serialise every transaction that calls `hold` with `name` until it ends.

    Call it first in the transaction, and make the next statement the write.
    """
    if db.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"duet:{name}".encode())
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
