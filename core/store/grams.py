"""Character grams: the side index that finds terms of one or two characters.

FTS5's trigram tokenizer cannot look up fewer than three characters, and
those terms are common ("量子", "AI", "C"): without an index they were a scan
of the user's messages (0.4 s with 500,000 of them). SQLite's FTS5 has no
bigram tokenizer, and Python's sqlite3 cannot register one; it can register
a SQL function. So every connection gets `duet_grams(text)` (core/store/db.py),
which spells each distinct character and each distinct pair of adjacent
characters of `text` as a word FTS5's `ascii` tokenizer keeps whole (hex
code points: "a" is `61`, "ab" is `61x62`). The triggers of Alembic revision
0011 feed those words to the FTS5 table `messages_grams` in the same
transaction as every insert, update and delete of a message, as the trigram
index's triggers do, and with the same rule (finished messages only).

A term of one or two characters then becomes one word to look up; the
messages found are a superset of those that contain it, and the LIKE that
search applied before still decides, so results do not change.

What is left out: grams with whitespace (a term never holds any: queries are
split on it). Letters are folded as SQLite's LIKE folds them (ASCII only),
so an index word never distinguishes what LIKE would not.

Changing the words this module makes changes what the triggers must delete:
it needs a revision that rebuilds `messages_grams`.
"""

from __future__ import annotations

import sqlite3
from itertools import pairwise

FUNCTION = "duet_grams"
LONGEST = 2  # terms of up to this many characters are looked up here
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def grams(text: str | None) -> str:
    """The index words of `text`: its distinct characters and adjacent pairs."""
    if not text:
        return ""
    folded = text.translate(_ASCII_LOWER)
    words = {f"{ord(c):x}" for c in set(folded) if not c.isspace()}
    words.update(
        f"{ord(a):x}x{ord(b):x}"
        for a, b in set(pairwise(folded))
        if not (a.isspace() or b.isspace())
    )
    return " ".join(words)


def word(term: str) -> str:
    """The index word that a term of one or two characters is looked up by."""
    if not 0 < len(term) <= LONGEST:
        raise ValueError(f"a term of 1-{LONGEST} characters, not {len(term)}")
    return "x".join(f"{ord(c):x}" for c in term.translate(_ASCII_LOWER))


def register(connection: sqlite3.Connection) -> None:
    """Make `duet_grams()` callable on this connection (the triggers call it)."""
    connection.create_function(FUNCTION, 1, grams, deterministic=True)
