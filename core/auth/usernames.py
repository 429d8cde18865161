"""Usernames: one spelling per name, and no name that looks like another.

Names are compared after Unicode NFKC normalisation and case folding, so
"Alice", "ALICE" and "Ａｌｉｃｅ" (full width) are one name. At sign-up a name
is also refused when it could pass for another on screen:

- invisible or format characters (zero-width spaces, bidi overrides), which
  NFKC keeps;
- letters from more than one script ("аlice" with a Cyrillic а), except the
  combinations a language writes together (Han with kana, Han with Hangul);
- a name that is, letter for letter, a homoglyph of a reserved name, of a
  name in ADMINS, or of an existing account ("аdmіn" in Cyrillic, "a1ice"),
  using Unicode's confusables data (UTS #39, through confusable-homoglyphs).

It compares single characters: a sequence that imitates one letter ("rn"
for "m") is not caught.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from confusable_homoglyphs import categories, confusables

USERNAME = re.compile(r"^[\w.\-]{3,32}$")
# Words an impersonator would pick, and names the app uses itself.
RESERVED = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "system",
        "sysadmin",
        "superuser",
        "support",
        "security",
        "moderator",
        "owner",
        "staff",
        "duet",
        "local",
        "null",
        "none",
        "anonymous",
    }
)
OIDC_PREFIX = "sso-"  # usernames made for single sign-on users; not for sign-up
# Scripts written together in one language's names.
_SCRIPT_FAMILIES = (
    frozenset({"HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"HAN", "HANGUL"}),
    frozenset({"HAN", "BOPOMOFO"}),
)
_DIRECTION_MARKS = "\u200e\u200f"  # the confusables data wraps right-to-left letters in them


def normalize_username(name: str) -> str:
    """The one spelling of a name: NFKC, case-folded (then NFKC again, as folding
    can un-normalise), trimmed."""
    folded = unicodedata.normalize("NFKC", name or "").casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def legacy_spelling(name: str) -> str:
    """How names were kept before case folding (NFKC, lower case): accounts made
    then ("straße") still sign in, though "strasse" is their spelling now."""
    return unicodedata.normalize("NFKC", name or "").strip().lower()


def problem_with(name: str, protected: Iterable[str] = ()) -> str | None:
    """Why a normalised name cannot be taken at sign-up (None: it can).

    `protected` are names it must not imitate: ADMINS and existing accounts.
    """
    if not USERNAME.match(name) or any(unicodedata.category(c)[0] in "CZ" for c in name):
        return "characters"
    if name.startswith(OIDC_PREFIX):
        return "reserved"
    if len(_scripts(name)) > 1 and not any(_scripts(name) <= f for f in _SCRIPT_FAMILIES):
        return "mixed_scripts"
    for other in (*RESERVED, *protected):
        other = normalize_username(other)
        if name != other and looks_like(name, other):
            return "reserved" if other in RESERVED else "look_alike"
        if name == other and other in RESERVED:
            return "reserved"
    return None


def looks_like(a: str, b: str) -> bool:
    """Whether two normalised names read the same: equal length, and each pair of
    letters equal or homoglyphs of each other."""
    return len(a) == len(b) and all(
        x == y or y in _homoglyphs(x) or x in _homoglyphs(y) for x, y in zip(a, b, strict=True)
    )


def _scripts(name: str) -> frozenset[str]:
    """The scripts of a name's letters and digits (COMMON and INHERITED left out)."""
    found = set()
    for char in name:
        script = categories.aliases_categories(char)[0]
        if script not in ("COMMON", "INHERITED"):
            found.add(script)
    return frozenset(found)


@cache
def _homoglyphs(char: str) -> frozenset[str]:
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=[]) or []
    return frozenset(
        normalize_username(glyph["c"].strip(_DIRECTION_MARKS))
        for entry in found
        for glyph in entry["homoglyphs"]
    )
