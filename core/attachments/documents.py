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
    """Every sheet as a Markdown table under its name, values not formulas."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on bad files
        log.info("unreadable xlsx: %s", error)
        raise AttachmentRefused("unreadable", name) from error
    try:
        parts = []
        for sheet in book.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                if len(rows) >= limits.MAX_SHEET_ROWS:
                    break
                if any(value is not None for value in row):
                    rows.append(["" if v is None else v for v in row])
            table = markdown_table(_trimmed(rows)) if rows else "(empty)"
            parts.append(f"## {sheet.title}\n\n{table}")
        return "\n\n".join(parts)
    finally:
        book.close()


def _trimmed(rows: list[list[object]]) -> list[list[object]]:
    """Drop the empty columns at the right that formatting leaves behind."""
    width = max(
        (max((i + 1 for i, v in enumerate(r) if v != ""), default=0) for r in rows), default=0
    )
    return [r[:width] for r in rows]
