"""PowerPoint (.pptx): each slide in order, its title, its text frames and
tables, and the speaker notes.

A .pptx is a zip like .docx and .xlsx: `read` measures it with `check_zip`
before this module opens it, and python-pptx parses its XML with entity
resolution off (no billion-laughs expansion).
"""

from __future__ import annotations

import io
import logging

from core.attachments import limits
from core.attachments.model import AttachmentRefused
from core.attachments.text_files import markdown_table

log = logging.getLogger(__name__)


def pptx_text(data: bytes, name: str) -> str:
    """`--- slide N: title ---` sections; notes under `Notes:`.

    The text is cut once it reaches `MAX_TEXT_CHARS`, and says so.
    """
    import pptx

    try:
        slides = list(pptx.Presentation(io.BytesIO(data)).slides)
    except Exception as error:  # python-pptx raises many kinds on bad files
        log.info("unreadable pptx: %s", error)
        raise AttachmentRefused("unreadable", name) from error
    if len(slides) > limits.MAX_SLIDES:
        raise AttachmentRefused("too_many_slides", name, limit=limits.MAX_SLIDES)
    parts: list[str] = []
    size = 0
    try:
        for number, slide in enumerate(slides, 1):
            part = _slide_text(number, slide)
            # A slide that would take the text past the limit is left out with
            # the ones after it (the note's room kept), so a long deck is read
            # up to there instead of being refused whole as too much text.
            if size + len(part) > limits.MAX_TEXT_CHARS - _NOTE_ROOM:
                parts.append(f"(slide {number} and the ones after it were left out)")
                break
            parts.append(part)
            size += len(part) + 2  # and the blank line joining it to the next
    except AttachmentRefused:
        raise
    except Exception as error:  # a damaged part shows up only when it is read
        log.info("unreadable pptx slide: %s", error)
        raise AttachmentRefused("unreadable", name) from error
    return "\n\n".join(parts)


_NOTE_ROOM = 100


def _slide_text(number: int, slide) -> str:
    title_shape = slide.shapes.title
    title = _one_line(title_shape.text_frame.text) if title_shape is not None else ""
    heading = f"--- slide {number}: {title} ---" if title else f"--- slide {number} ---"
    body = [
        text
        for shape in slide.shapes
        # python-pptx makes a new proxy per access: compare ids, not objects.
        if title_shape is None or shape.shape_id != title_shape.shape_id
        for text in _shape_texts(shape)
        if text.strip()
    ]
    return "\n\n".join([heading, *body, *_notes(slide)])


def _notes(slide) -> list[str]:
    # `notes_slide` creates a notes part when there is none: ask first.
    if not slide.has_notes_slide:
        return []
    frame = slide.notes_slide.notes_text_frame
    text = frame.text.strip() if frame is not None else ""
    return [f"Notes: {text}"] if text else []


def _shape_texts(shape, depth: int = 0) -> list[str]:
    """A shape's text: a text frame, a table as Markdown, a group's members
    (nested groups to a bounded depth: a forged file may nest deeply)."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        if depth >= 20:
            return []
        return [t for member in shape.shapes for t in _shape_texts(member, depth + 1)]
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
        return [markdown_table(rows)] if rows else []
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [shape.text_frame.text]
    return []


def _one_line(text: str) -> str:
    return " ".join(text.split())
