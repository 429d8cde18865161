"""PDF, Word and Excel files (core/attachments/documents.py): what cannot be read
is refused with the sentence that fits (a password, too many pages, a damaged
file), and a workbook too long for the text limit is read up to it, saying
where it was cut, rather than refused whole. The happy paths (text layers,
tables, sheets) are in test_extraction.py."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from core.attachments import AttachmentRefused, limits, read_attachment
from tests.attachments import files


def blank_pdf(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=100, height=100)
    if password is not None:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def refusal(name: str, data: bytes) -> AttachmentRefused:
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment(name, data)
    return refused.value


def test_a_pdf_locked_with_a_password_asks_for_it_to_be_removed():
    assert refusal("locked.pdf", blank_pdf(password="s3cret")).reason == "encrypted"


def test_a_pdf_encrypted_without_a_password_is_read():
    # Many PDFs are "encrypted" only to forbid printing; they open without a password.
    found = read_attachment("restricted.pdf", blank_pdf(password=""))
    assert found.format == "pdf" and found.note == "no_text_layer"


def test_a_pdf_with_too_many_pages_is_refused_with_the_limit():
    refused = refusal("archive.pdf", blank_pdf(limits.MAX_PDF_PAGES + 1))
    assert refused.reason == "too_many_pages"
    assert refused.reason_params == {"limit": limits.MAX_PDF_PAGES}
    assert read_attachment("archive.pdf", blank_pdf(limits.MAX_PDF_PAGES)).format == "pdf"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 200),
        ("broken.docx", files.zip_of({"word/document.xml": b"<w:document><unclosed"})),
        ("broken.xlsx", files.zip_of({"xl/workbook.xml": b"not xml at all"})),
    ],
)
def test_a_damaged_file_is_refused_as_unreadable(name, data):
    refused = refusal(name, data)
    assert refused.reason == "unreadable" and refused.name == name


def test_a_workbook_longer_than_the_text_limit_is_cut_not_refused():
    row_text = "x" * 300
    workbook = files.xlsx(
        {
            "Orders": [[f"{row_text} {i}"] for i in range(4_000)],  # 1.2 M characters
            "Returns": [["read after the cut? no"]],
            "Notes": [["nor this"]],
        }
    )
    found = read_attachment("orders.xlsx", workbook)
    assert len(found.text) <= limits.MAX_TEXT_CHARS
    assert found.text.startswith("## Orders")
    assert "were left out: the text is too long)" in found.text
    assert found.text.endswith("(sheet “Returns” and the ones after it were left out)")
    assert "read after the cut" not in found.text


def test_sheets_that_fit_are_all_read_after_one_cut_at_the_row_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHEET_ROWS", 3)
    workbook = files.xlsx({"Long": [[i] for i in range(10)], "Short": [["kept"]]})
    text = read_attachment("two.xlsx", workbook).text
    assert "(rows after the first 3 were left out)" in text
    assert "## Short" in text and "kept" in text
