"""PDF (its text layer), Word (.docx) and Excel (.xlsx, each sheet a table)."""

from __future__ import annotations

import io
import logging

from core.attachments import limits
from core.attachments.model import AttachmentRefused
from core.attachments.text_files import markdown_table

log = logging.getLogger(__name__)


def pdf_text(data: bytes, name: str) -> tuple[str, int]:
    """The text layer of each page, and the number of pages.

    An empty result means a scanned PDF (images of pages, no text layer);
    the caller says so rather than sending nothing.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise AttachmentRefused("encrypted", name)
        pages = reader.pages
        if len(pages) > limits.MAX_PDF_PAGES:
            raise AttachmentRefused("too_many_pages", name, limit=limits.MAX_PDF_PAGES)
        texts = []
        for number, page in enumerate(pages, 1):
            text = (page.extract_text() or "").strip()
            if text:
                texts.append(f"--- page {number} ---\n{text}")
        return "\n\n".join(texts), len(pages)
    except AttachmentRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        log.info("unreadable PDF: %s", error)
        raise AttachmentRefused("unreadable", name) from error


def docx_text(data: bytes, name: str) -> str:
    """Paragraphs and tables in document order; tables as Markdown tables."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        parts = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                if block.text.strip():
                    parts.append(block.text)
            elif isinstance(block, Table):
                rows = [[cell.text for cell in row.cells] for row in block.rows]
                if rows:
                    parts.append(markdown_table(rows))
        return "\n\n".join(parts)
    except Exception as error:  # python-docx raises many kinds on bad files
        log.info("unreadable docx: %s", error)
        raise AttachmentRefused("unreadable", name) from error


def xlsx_text(data: bytes, name: str) -> str:
    """Every sheet as a Markdown table under its name, values not formulas.

    A big workbook is cut, and the text says where: at `MAX_SHEET_ROWS` rows a
    sheet, and once the tables reach `MAX_TEXT_CHARS` (what follows would not
    fit any model's context anyway).
    """
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on bad files
        log.info("unreadable xlsx: %s", error)
        raise AttachmentRefused("unreadable", name) from error
    try:
        parts: list[str] = []
        size = 0
        sheets = book.worksheets
        for index, sheet in enumerate(sheets):
            part, whole = _sheet_text(sheet, limits.MAX_TEXT_CHARS - _NOTES_ROOM - size)
            parts.append(part)
            size += len(part) + 2  # and the blank line joining it to the next
            if not whole:  # the text is as long as it may be: no room for more sheets
                if index + 1 < len(sheets):
                    after = sheets[index + 1].title
                    parts.append(f"(sheet “{after}” and the ones after it were left out)")
                break
        return "\n\n".join(parts)
    finally:
        book.close()


# Kept free of rows: the notes that say where the text was cut (one in the
# sheet cut, one for the sheets after it). Without it, a workbook cut at the
# limit came out a little over it and was refused whole as too much text.
_NOTES_ROOM = 300


def _sheet_text(sheet, room: int) -> tuple[str, bool]:
    """The sheet as a table in at most about `room` characters, and False when
    it was cut there: a row that would not fit is left out with the ones after
    it, and the text says so."""
    heading = f"## {sheet.title}"
    rows: list[list[object]] = []
    used, cut = len(heading) + 2, ""
    for row in sheet.iter_rows(values_only=True):
        if len(rows) >= limits.MAX_SHEET_ROWS:
            cut = f"(rows after the first {limits.MAX_SHEET_ROWS:,} were left out)"
            break
        if any(value is not None for value in row):
            cells = ["" if v is None else v for v in row]
            # A table line is "| a | b |": each cell and 3 characters, and 2 more;
            # the first row also brings the separator line under it.
            cost = sum(len(str(v)) + 3 for v in cells) + 2
            if not rows:
                cost += 1 + 6 * len(cells)
            if used + cost > room:
                cut = f"(rows after the first {len(rows):,} were left out: the text is too long)"
                break
            rows.append(cells)
            used += cost
    table = markdown_table(_trimmed(rows)) if rows else "(empty)"
    whole = not cut or len(rows) >= limits.MAX_SHEET_ROWS
    return "\n\n".join(p for p in (heading, table, cut) if p), whole


def _trimmed(rows: list[list[object]]) -> list[list[object]]:
    """Drop the empty columns at the right that formatting leaves behind."""
    width = max(
        (max((i + 1 for i, v in enumerate(r) if v != ""), default=0) for r in rows), default=0
    )
    return [r[:width] for r in rows]
