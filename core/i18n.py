"""Chinese and English, for every string a person reads.

Strings live in `core/locales/<locale>/<feature>.toml` (one file per feature,
so features can be added without touching each other's files), as nested
tables flattened to dotted keys: `[chat] send = "…"` is `chat.send`.
tests/test_i18n.py checks that both languages have the same keys and the same
`{placeholders}`.

A string that depends on a number is a table of CLDR plural forms, chosen by
Babel for the language: `show_earlier = { one = "… {n} earlier message",
other = "… {n} earlier messages" }` in English, only `other` in Chinese.
Dates follow the language's own patterns (Babel's CLDR data), too.
"""

from __future__ import annotations

import math
import tomllib
from datetime import datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCALES = ("en", "zh")
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")  # CLDR's categories
DEFAULT_LOCALE = "en"
LOCALE_NAMES = {"en": "English", "zh": "中文"}
_DIR = Path(__file__).parent / "locales"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def strings(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((_DIR / locale).glob("*.toml")):
        merged.update(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))
    return merged


def locale_from(tag: str | None) -> str:
    """Our locale for a browser language tag such as 'zh-CN' or 'en-US'."""
    if tag and tag.lower().startswith("zh"):
        return "zh"
    return DEFAULT_LOCALE


class Translator:
    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in LOCALES else DEFAULT_LOCALE
        self._strings = strings(self.locale)
        self._fallback = strings(DEFAULT_LOCALE)

    def __call__(self, key: str, **params: object) -> str:
        text = self._strings.get(key) or self._fallback.get(key)
        if text is None:
            text = self._plural(key, params.get("n")) or key
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                return text
        return text

    def has(self, key: str) -> bool:
        return key in known_keys(self.locale) or key in known_keys(DEFAULT_LOCALE)

    def _plural(self, key: str, n: object) -> str | None:
        """The form of `key` for the number `n` ("one", "few", "other"…)."""
        if not isinstance(n, int | float):
            return None
        form = _plural_form(self.locale, n)
        for strings_ in (self._strings, self._fallback):
            text = strings_.get(f"{key}.{form}") or strings_.get(f"{key}.other")
            if text is not None:
                return text
        return None

    # ------------------------------------------------------------ formats

    def number(self, value: float, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{value:,.{digits}f}"

    def seconds(self, value: float | None) -> str:
        if value is None:
            return "–"
        text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
        return self("units.seconds", n=text)

    def money(self, usd: float | None) -> str:
        if usd is None:
            return "–"
        if usd and usd < 0.01:
            return f"${usd:.4f}"
        return f"${usd:,.2f}"

    def datetime(self, timestamp: float | None, timezone: str | None = None) -> str:
        """The time today, the day and time this year, the date before ("Mar 5, 14:05")."""
        from babel import Locale  # ~0.1 s with its data: at first use, not at start-up
        from babel.dates import format_skeleton

        moment = _moment(timestamp, _zone(timezone))
        if moment is None:
            return "–"
        today = datetime.now(_zone(timezone)).date()
        time_of_day = format_skeleton("Hm", moment, locale=self.locale)
        if moment.date() == today:
            return time_of_day
        if moment.year != today.year:
            return format_skeleton("yMMMd", moment, locale=self.locale)
        day = format_skeleton("MMMd", moment, locale=self.locale)
        pattern = str(Locale.parse(self.locale).datetime_formats["short"])  # "{1}, {0}"
        return pattern.replace("{1}", day).replace("{0}", time_of_day)


@cache
def known_keys(locale: str) -> frozenset[str]:
    """The keys a page may ask for: plain ones, and plural tables by their name."""
    keys = set(strings(locale))
    for key in list(keys):
        base, _, form = key.rpartition(".")
        if form in PLURAL_FORMS:
            keys.add(base)
    return frozenset(keys)


def _plural_form(locale: str, n: float) -> str:
    from babel import Locale  # at first use, not at start-up

    return Locale.parse(locale).plural_form(n)


@lru_cache(maxsize=64)
def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _moment(timestamp: float | None, zone: ZoneInfo | None) -> datetime | None:
    """The moment of a stored timestamp, or None when it cannot be one.

    A database may hold impossible values (1e20, NaN, which SQLite keeps as
    NULL, inf) from an older import: dating them raised, and the sidebar did
    it on every page. They show as "–" and sort with the oldest instead.
    """
    if timestamp is None or not math.isfinite(timestamp):
        return None
    try:
        return datetime.fromtimestamp(timestamp, zone)
    except (OverflowError, OSError, ValueError):
        return None


def day_group(timestamp: float, timezone: str | None = None, now: float | None = None) -> str:
    """'today', 'yesterday', 'week' or 'older': how the sidebar groups chats."""
    zone = _zone(timezone)
    moment = _moment(timestamp, zone)
    if moment is None:
        return "older"
    day = moment.date()
    today = datetime.fromtimestamp(now, zone).date() if now else datetime.now(zone).date()
    if day >= today:
        return "today"
    if day == today - timedelta(days=1):
        return "yesterday"
    if day > today - timedelta(days=7):
        return "week"
    return "older"
