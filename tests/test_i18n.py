"""Every string a person reads exists in English and Chinese, with the same placeholders."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.i18n import (
    LOCALES,
    PLURAL_FORMS,
    Translator,
    day_group,
    known_keys,
    locale_from,
    strings,
)

PLACEHOLDER = re.compile(r"\{(\w+)\}")
ROOT = Path(__file__).resolve().parent.parent


def by_name(locale: str) -> dict[str, str]:
    """Each string by the name code asks for: a plural table by its name, as its
    `other` form (the one every language has)."""
    named = {}
    for key, text in strings(locale).items():
        base, _, form = key.rpartition(".")
        if form not in PLURAL_FORMS:
            named.setdefault(key, text)
        elif form == "other" or base not in named:
            named[base] = text
    return named


def test_both_languages_have_the_same_keys():
    english, chinese = by_name("en"), by_name("zh")
    assert set(english) - set(chinese) == set(), "missing in zh"
    assert set(chinese) - set(english) == set(), "missing in en"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match_english(locale):
    english = by_name("en")
    for key, text in by_name(locale).items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key


def test_numbers_pick_the_languages_plural_form():
    english, chinese = Translator("en"), Translator("zh")
    assert english("chat.show_earlier", n=1) == "Show 1 earlier message"
    assert english("chat.show_earlier", n=20) == "Show 20 earlier messages"
    assert english("chat.show_earlier", n=0) == "Show 0 earlier messages"
    assert chinese("chat.show_earlier", n=1) == "显示更早的 1 条消息"  # Chinese has one form
    assert english.has("chat.show_earlier") and chinese.has("chat.show_earlier")


def test_dates_follow_the_languages_patterns():
    moment = datetime(2025, 3, 5, 14, 5, tzinfo=UTC).timestamp()
    assert Translator("en").datetime(moment, "UTC") == "Mar 5, 2025"
    assert Translator("zh").datetime(moment, "UTC") == "2025年3月5日"
    this_year = datetime.now(UTC).replace(month=1, day=1, hour=9, minute=30)
    if this_year.date() != datetime.now(UTC).date():
        assert Translator("en").datetime(this_year.timestamp(), "UTC") == "Jan 1, 09:30"
        assert Translator("zh").datetime(this_year.timestamp(), "UTC") == "1月1日 09:30"
    just_now = datetime.now(UTC).replace(hour=0, minute=7).timestamp()
    assert Translator("en").datetime(just_now, "UTC") == "00:07"


def test_every_key_used_in_code_exists():
    """Literal t("…") keys in pages/, ui/ and app.py must be defined."""
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""", path.read_text()))
    missing = sorted(key for key in used if key not in known_keys("en"))
    assert missing == []


def test_browser_language_picks_the_locale():
    assert locale_from("zh-CN") == "zh" and locale_from("zh-Hant-TW") == "zh"
    assert locale_from("en-GB") == "en" and locale_from(None) == "en" and locale_from("fr") == "en"


def test_formats_follow_the_locale():
    assert Translator("zh").seconds(3.25) == "3.2 秒"
    assert Translator("en").seconds(42) == "42 s"
    assert Translator("en").number(1234567) == "1,234,567"


def test_sidebar_groups_by_day():
    now = 1_764_331_200.0  # a fixed noon, UTC
    day = 86_400
    assert day_group(now - 60, "UTC", now) == "today"
    assert day_group(now - day, "UTC", now) == "yesterday"
    assert day_group(now - 3 * day, "UTC", now) == "week"
    assert day_group(now - 30 * day, "UTC", now) == "older"
