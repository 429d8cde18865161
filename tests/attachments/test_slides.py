"""Presentations (core/attachments/slides.py) beyond what an ordinary deck holds:
a deck longer than the text limit is read up to it, saying where it stopped,
rather than refused whole; shapes grouped inside groups are read to a bounded
depth (a forged file may nest without end). Slides, titles, tables and notes
in order are in test_extraction.py."""

from __future__ import annotations

import io

import pptx
from pptx.util import Inches

from core.attachments import limits, read_attachment
from tests.attachments import files


def test_a_deck_longer_than_the_text_limit_is_read_up_to_it():
    words = "word " * 20_000  # 100,000 characters a slide
    deck = files.pptx([{"title": f"Part {i}", "body": [words]} for i in range(1, 13)])
    found = read_attachment("long.pptx", deck)
    assert len(found.text) <= limits.MAX_TEXT_CHARS
    assert "--- slide 9: Part 9 ---" in found.text
    assert "--- slide 10: Part 10 ---" not in found.text
    assert found.text.endswith("(slide 10 and the ones after it were left out)")


def test_groups_nested_without_end_are_read_to_a_bounded_depth():
    deck = pptx.Presentation()
    shapes = deck.slides.add_slide(deck.slide_layouts[6]).shapes  # "Blank"
    for depth in range(30):
        group = shapes.add_group_shape()
        box = group.shapes.add_textbox(Inches(1), Inches(1), Inches(1), Inches(1))
        box.text_frame.text = f"level {depth}"
        shapes = group.shapes
    buffer = io.BytesIO()
    deck.save(buffer)
    text = read_attachment("deep.pptx", buffer.getvalue()).text
    assert "level 0" in text and "level 19" in text
    assert "level 20" not in text
