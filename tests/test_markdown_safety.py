"""Markdown from people and models renders inert, and in linear time."""

import time

import pytest

from core.markdown import code_spans, is_safe_url, prepare_markdown
from tests.hostile import HOSTILE, live_images, live_unsafe_links


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_keeps_no_live_unsafe_link_or_image(name):
    prepared = prepare_markdown(HOSTILE[name])
    assert live_unsafe_links(prepared) == []
    assert live_images(prepared) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[a](javascript:alert(1))", "[a]\\(javascript:alert(1))"),
        (
            "[a](https://example.com) and <https://x.org>",
            "[a](https://example.com) and <https://x.org>",
        ),
        ("<data:text/html,x>", "\\<data:text/html,x>"),
        ("[r]: file:///etc/passwd", "[r]\\: file:///etc/passwd"),
        ("![cat](https://x.org/cat.png)", "\\![cat](https://x.org/cat.png)"),
        ("\\![escaped](https://x.org/a.png)", "\\![escaped](https://x.org/a.png)"),
        (
            "\\\\![after a literal backslash](https://x.org/a.png)",
            "\\\\\\![after a literal backslash](https://x.org/a.png)",
        ),
        (
            "see [docs](#setup) or [mail](mailto:a@b.c)",
            "see [docs](#setup) or [mail](mailto:a@b.c)",
        ),
        ("```\n[a](javascript:x) ![i](y)\n```", "```\n[a](javascript:x) ![i](y)\n```"),
        ("`![code](y)`", "`![code](y)`"),
    ],
)
def test_links_and_images(source, expected):
    assert prepare_markdown(source) == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;&#x61;&#x76;&#x61;script:x",
        "java\tscript:x",
        "java&Tab;script:x",
        "java&NewLine;script:x",
        "\x01javascript:x",
        "javascript&colon;x",
        "javascript\\:x",
        "data:text/html,x",
        "vbscript:x",
        "file:///etc/passwd",
    ],
)
def test_unsafe_schemes_are_recognised_however_spelt(url):
    assert not is_safe_url(url)


@pytest.mark.parametrize(
    "url", ["https://a.b/c", "http://x", "mailto:a@b.c", "tel:+861", "/p", "#x", "a/b:c"]
)
def test_safe_and_relative_urls_pass(url):
    assert is_safe_url(url)


def test_backtick_fence_with_a_backtick_in_its_info_is_not_a_fence():
    """CommonMark renders it as prose, so the link after it must be defused."""
    prepared = prepare_markdown("``` a`b\n[x](data:text/html,x)\n```")
    assert live_unsafe_links(prepared) == []


def test_code_spans_follow_commonmark():
    text = "a `b` c ``d`e`` \\`f` g `h"  # an escaped backtick opens nothing
    assert [text[s:e] for s, e in code_spans(text)] == ["`b`", "``d`e``", "` g `"]


@pytest.mark.parametrize(
    "pattern",
    ["\\[", "\\(", "`a", "``a", "](", "]:", "<a:", "![", "$1 ", "\n", "```\n", "&#", "\\"],
)
def test_a_megabyte_of_any_markup_prepares_in_linear_time(pattern):
    text = pattern * (1_000_000 // len(pattern))
    started = time.perf_counter()
    prepare_markdown(text)
    # Linear work is well under a second even on a busy machine; the
    # quadratic scans this replaced took hours on such input.
    assert time.perf_counter() - started < 10
