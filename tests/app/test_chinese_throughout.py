"""The Chinese UI is Chinese throughout: no English UI string, model name or
description shows on any page of a Chinese session.

Every string of the English locale (and every English label and description
of the catalog) that the Chinese one translates differently is a string that
must not appear: if one does, some text fell back to English.
"""

from __future__ import annotations

import re

import pytest
from google.protobuf.json_format import MessageToDict

from core.catalog import load_catalog
from core.i18n import strings
from tests.app.test_arena_page import open_arena

PLACEHOLDER = re.compile(r"\{[^}]*\}")
WORD = re.compile(r"[A-Za-z]{4,}")


def english_fragments() -> set[str]:
    """Pieces of English text that a Chinese page never shows.

    Each English string is cut at its `{placeholders}`; pieces of at least two
    words are kept (single words such as "Demo" or "Batch" could be part of a
    name), and so are the catalog's labels and descriptions in full.
    """
    english, chinese = strings("en"), strings("zh")
    fragments = set()
    for key, text in english.items():
        if chinese.get(key) == text:
            continue
        for piece in PLACEHOLDER.split(text):
            piece = piece.strip(" .,:;·()*_-\n")
            if len(WORD.findall(piece)) >= 2:
                fragments.add(piece)
    catalog = load_catalog()
    for entry in (*catalog.models.values(), *catalog.providers.values()):
        if entry.labels.get("zh", entry.label) != entry.label:
            fragments.add(entry.label)
    for model in catalog.models.values():
        if model.descriptions.get("zh", model.description) != model.description:
            fragments.add(model.description)
    return fragments


def shown_text(at) -> str:
    """Every string in every element on the page (labels, options, help, values),
    but what a person or a model wrote: the conversation's messages."""
    parts: list[str] = []

    def collect(value) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            for inner in value.values():
                collect(inner)
        elif isinstance(value, list):
            for inner in value:
                collect(inner)

    def walk(node) -> None:
        if getattr(node, "type", "") == "chat_message":
            return
        if getattr(node, "type", "") == "dataframe":  # Arrow bytes in the proto: read the table
            table = node.value
            parts.extend(str(column) for column in table.columns)
            parts.append(table.to_string())
        proto = getattr(node, "proto", None)
        if proto is not None:
            collect(MessageToDict(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def english_on(at) -> list[str]:
    text = shown_text(at)
    return sorted(fragment for fragment in english_fragments() if fragment in text)


@pytest.fixture
def chinese(app):
    app.session_state["locale"] = "zh"
    app.run()
    assert not app.exception
    return app


def test_the_check_finds_english_where_it_is(app):
    """The check itself: the same pages in English are full of it, tables included."""
    app.run()
    assert "Demo Thinker · offline" in english_on(app)
    app.switch_page("pages/status.py").run()
    assert "Demo Cloud West (offline)" in english_on(app)


def test_chat_page_in_chinese(chinese):
    assert english_on(chinese) == []
    chinese.chat_input[0].set_value("你好，介绍一下长城").run()
    assert not chinese.exception
    assert english_on(chinese) == []


def test_compare_page_in_chinese(chinese):
    chinese.switch_page("pages/compare.py").run()
    assert english_on(chinese) == []
    chinese.chat_input(key="compare-input").set_value("比较租房和买房").run()
    assert not chinese.exception
    assert english_on(chinese) == []


def test_arena_page_in_chinese(chinese):
    open_arena(chinese)
    chinese.chat_input(key="arena-input").set_value("金字塔和巨石阵哪个更古老？").run()
    assert not chinese.exception
    assert english_on(chinese) == []
    chinese.button(key="vote-a").click().run()
    assert english_on(chinese) == []


@pytest.mark.parametrize("page", ["leaderboard", "batch", "status"])
def test_other_pages_in_chinese(chinese, page):
    chinese.switch_page(f"pages/{page}.py").run()
    assert not chinese.exception
    assert english_on(chinese) == []
