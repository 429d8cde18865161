"""A provider's refusal, read in Chinese: its own words, and what they mean."""

import re
from pathlib import Path

import pytest

from core.catalog import load_catalog, localized
from core.errors import BadRequest, Overloaded
from core.i18n import Translator
from tests.app.conftest import shown
from ui.errors import OWN_DETAILS, describe, describe_error, own_detail

ROOT = Path(__file__).resolve().parent.parent

ZH, EN = Translator("zh"), Translator("en")


def test_english_refusal_in_the_chinese_ui_is_explained_beside_the_providers_words():
    text = describe(ZH, "bad_request", "Content Exists Risk", provider="DeepSeek")
    assert "DeepSeek 拒绝了请求：Content Exists Risk" in text  # the provider's own words
    assert "说明：提供方的内容安全审核拦截了这个问题或回答" in text


def test_an_unrecognised_refusal_still_gets_a_chinese_explanation():
    text = describe(ZH, "permanent", "Frobnication quota of the zeta tier", provider="X")
    assert "Frobnication quota of the zeta tier" in text
    assert "说明：提供方没有接受这次请求" in text


def test_words_already_in_the_readers_language_are_left_alone():
    assert describe(EN, "bad_request", "Content Exists Risk", provider="DeepSeek") == (
        "DeepSeek rejected the request: Content Exists Risk"
    )
    assert "说明" not in describe(ZH, "bad_request", "输入内容违规", provider="DeepSeek")


def test_chinese_refusal_in_the_english_ui_is_explained_in_english():
    text = describe(EN, "bad_request", "输入内容违规", provider="DeepSeek")
    assert "What this means: the provider's content safety check blocked" in text


def test_a_busy_answer_is_not_a_refusal():
    assert "说明" not in describe(ZH, "overloaded", "server busy", provider="DeepSeek")


def test_core_errors_name_the_provider_in_the_readers_language():
    catalog = localized(load_catalog(), "zh")
    error = Overloaded("busy", provider="Demo Cloud East (offline)")
    assert describe_error(ZH, error, catalog, "demo-thinker").startswith("演示云·东区（离线）")
    refused = BadRequest("Invalid max_tokens value", provider="Demo Cloud West (offline)")
    text = describe_error(ZH, refused, catalog, "demo-thinker")
    assert shown(text).startswith("演示云·西区（离线） 拒绝了请求：Invalid max_tokens value")
    assert "说明：请求的回答长度超过了这个模型的上限" in text


# What core raises (a sample) and the words of core's source it comes from.
OWN = [
    ("deadline", 'StreamInterrupted("deadline"'),
    ("the stream ended without a finish reason", "the stream ended without a finish reason"),
    ("malformed chunk: Expecting value", 'f"malformed chunk: {exc.msg}"'),
    ("empty", 'InputRejected("empty")'),
    ("no prompts", 'InputRejected("no prompts")'),
    ("5,000 characters; the limit is 4,000", "characters; the limit is {MAX_MESSAGE_CHARS:,}"),
    ("5 columns; choose 2 to 4", "columns; choose {MIN_COLUMNS} to {MAX_COLUMNS}"),
    ("5 models; choose 1 to 4", "models; choose 1 to {MAX_COLUMNS}"),
    ("70,000 tokens; Demo Swift · offline accepts 28,672", "tokens; {model.label} accepts"),
    ("not an arena battle", "not an arena battle"),
    ("this battle has been judged; start a new one", "this battle has been judged; start a new"),
    ("the arena needs two models that can answer", "the arena needs two models that can answer"),
    ("not an answer of this comparison", "not an answer of this comparison"),
]


@pytest.mark.parametrize(("detail", "source"), OWN)
def test_the_apps_own_details_read_in_chinese_and_stay_as_they_were_in_english(detail, source):
    core = "\n".join(path.read_text() for path in ROOT.glob("core/**/*.py"))
    assert source in core, "core no longer raises this detail: update ui/errors.py OWN_DETAILS"
    assert own_detail(EN, detail) == detail
    assert re.search(r"[\u4e00-\u9fff]", own_detail(ZH, detail))


def test_own_details_are_all_tested():
    assert len(OWN) == len(OWN_DETAILS)
