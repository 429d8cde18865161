"""Real small files, made the way a person's software makes them."""

from __future__ import annotations

import io
import zipfile


def pdf(text: str | None) -> bytes:
    """A one-page PDF; with `text`, a text layer in Helvetica; without, a page
    holding only a drawn rectangle (what a scanner's PDF looks like to a reader)."""
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    if text is None:
        operations = b"0 0 1 rg 72 72 200 200 re f"
    else:
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
        )
        operations = f"BT /F1 18 Tf 72 700 Td ({text}) Tj ET".encode("latin-1")
    stream = ContentStream(None, writer)
    stream.set_data(operations)
    page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb_docx(inflated_mb: int = 200) -> bytes:
    """A docx-shaped zip whose document part inflates to `inflated_mb` MB of zeros."""
    return zip_of({"[Content_Types].xml": b"<Types/>"}, inflated=("word/document.xml", inflated_mb))


def png(width: int, height: int, color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def huge_png_header(width: int = 60_000, height: int = 60_000) -> bytes:
    """A PNG that claims 3.6 G pixels: the header of a decompression bomb.
    Only its header is real; a reader that checks the size first never needs more."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def pptx(slides: list[dict]) -> bytes:
    """A presentation made by python-pptx; each slide a dict with an optional
    `title`, `body` (lines of a text box), `table` (rows) and `notes`."""
    import pptx as python_pptx
    from pptx.util import Inches

    deck = python_pptx.Presentation()
    for spec in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[5])  # "Title Only"
        if "title" in spec:
            slide.shapes.title.text = spec["title"]
        if "body" in spec:
            box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
            box.text_frame.text = "\n".join(spec["body"])
        if "table" in spec:
            rows = spec["table"]
            shape = slide.shapes.add_table(
                len(rows), len(rows[0]), Inches(1), Inches(4), Inches(6), Inches(1)
            )
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    shape.table.cell(r, c).text = value
        if "notes" in spec:
            slide.notes_slide.notes_text_frame.text = spec["notes"]
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def zip_bomb_pptx(inflated_mb: int = 200) -> bytes:
    """A pptx-shaped zip whose presentation part inflates to `inflated_mb` MB."""
    return zip_of(
        {"[Content_Types].xml": b"<Types/>"}, inflated=("ppt/presentation.xml", inflated_mb)
    )


def zip_of(
    parts: dict[str, bytes],
    *,
    inflated: tuple[str, int] | None = None,
    stored: frozenset[str] = frozenset(),
) -> bytes:
    """A zip of `parts` (deflated, or kept as they are when named in `stored`),
    plus, with `inflated=(name, mb)`, a part of `mb` MB of zeros that packs to
    about a thousandth of that: a zip bomb's payload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
        if inflated:
            name, mb = inflated
            with archive.open(name, "w", force_zip64=True) as part:
                chunk = b"\0" * (1024 * 1024)
                for _ in range(mb):
                    part.write(chunk)
    return buffer.getvalue()
