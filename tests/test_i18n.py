"""Every string a person reads exists in English and Chinese, with the same placeholders."""

import re
from pathlib import Path

import pytest

from core.i18n import LOCALES, Translator, day_group, locale_from, strings

PLACEHOLDER = re.compile(r"\{(\w+)\}")
ROOT = Path(__file__).resolve().parent.parent


def test_both_languages_have_the_same_keys():
    english, chinese = strings("en"), strings("zh")
    assert set(english) - set(chinese) == set(), "missing in zh"
    assert set(chinese) - set(english) == set(), "missing in en"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match_english(locale):
    english = strings("en")
    for key, text in strings(locale).items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key


def test_every_key_used_in_code_exists():
    """Literal t("…") keys in pages/, ui/ and app.py must be defined."""
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""", path.read_text()))
    missing = sorted(key for key in used if key not in strings("en"))
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
