"""Files become the text a model reads, or a refusal a person can act on."""

from __future__ import annotations

import threading

import pytest

from core.attachments import AttachmentRefused, limits, question_with_files, read_attachment
from tests.attachments import files

CHINESE = "合同第一条：甲方应于三十日内付款。\n第二条：乙方交付货物。\n"


def test_gbk_text_is_decoded():
    found = read_attachment("合同.txt", CHINESE.encode("gbk"))
    assert found.text == CHINESE
    assert found.format == "text"
    assert found.tokens > 0


def test_gb18030_and_utf16_source_code():
    code = "# 注释：计算总和\ndef total(xs):\n    return sum(xs)\n"
    assert read_attachment("a.py", code.encode("gb18030")).text == code
    assert read_attachment("b.py", code.encode("utf-16")).text == code


def test_csv_becomes_a_table_and_json_is_indented():
    table = read_attachment("prices.csv", b"item,price\ntea,3|4\ncoffee,5\n").text
    assert "| item | price |" in table
    assert "| tea | 3\\|4 |" in table  # a pipe in a cell cannot break the table
    assert read_attachment("x.json", b'{"a":[1,2]}').text == '{\n  "a": [\n    1,\n    2\n  ]\n}'


def test_pdf_text_layer():
    found = read_attachment("paper.pdf", files.pdf("Attention is all you need"))
    assert found.format == "pdf"
    assert "Attention is all you need" in found.text
    assert found.note == ""


def test_pdf_without_text_layer_says_so():
    found = read_attachment("scan.pdf", files.pdf(None))
    assert found.note == "no_text_layer"
    assert "no text layer" in found.text


def test_docx_paragraphs_and_table():
    data = files.docx(["Contract of sale", "Price: 100 EUR"], [["Item", "Qty"], ["Tea", "2"]])
    found = read_attachment("contract.docx", data)
    assert found.format == "docx"
    assert "Contract of sale" in found.text and "Price: 100 EUR" in found.text
    assert "| Item | Qty |" in found.text and "| Tea | 2 |" in found.text


def test_xlsx_sheets_as_markdown_tables():
    data = files.xlsx({"Q1": [["Region", "Sales"], ["North", 120], ["South", 80]], "Q2": [["x"]]})
    found = read_attachment("sales.xlsx", data)
    assert "## Q1" in found.text and "## Q2" in found.text
    assert "| Region | Sales |" in found.text and "| North | 120 |" in found.text


def test_the_name_does_not_decide_the_type():
    # A spreadsheet named like a text file is read as the spreadsheet it is...
    data = files.xlsx({"S": [["a", "b"], [1, 2]]})
    assert read_attachment("notes.txt", data).format == "xlsx"
    # ...and a program named like a PDF is refused.
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" * 100)
    assert refused.value.reason == "unsupported"


def test_zip_bomb_docx_is_refused_before_inflating():
    bomb = files.zip_bomb_docx(200)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("report.docx", bomb)
    assert refused.value.reason == "archive_bomb"  # measured, not inflated


def test_oversized_file_is_refused_unread():
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("big.txt", b"a" * (limits.MAX_FILE_BYTES + 1))
    assert refused.value.reason == "too_big"
    assert refused.value.reason_params["limit"] == limits.MAX_FILE_BYTES // (1024 * 1024)


def test_decompression_bomb_image_is_refused():
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("photo.png", files.huge_png_header())
    assert refused.value.reason == "image_too_large"


def test_image_is_downscaled_and_reencoded():
    found = read_attachment("shot.png", files.png(4000, 1000))
    assert found.kind == "image" and found.mime == "image/jpeg"
    assert found.params == {"width": 4000, "height": 1000}
    from io import BytesIO

    from PIL import Image

    assert max(Image.open(BytesIO(found.image)).size) == limits.IMAGE_SIDE


def test_names_lose_folders_and_control_characters():
    found = read_attachment("../../etc/\u202epasswd\x07.txt", b"hello")
    assert found.name == "passwd.txt"


def test_slow_extraction_is_bounded(monkeypatch):
    from core.attachments import read

    # A reading that never ends by itself: the person is told, instead of
    # waiting for it (the refusal arrives while the reading still runs).
    released = threading.Event()
    monkeypatch.setattr(read, "_read", lambda name, data: released.wait(30))
    try:
        with pytest.raises(AttachmentRefused) as refused:
            read_attachment("slow.pdf", b"%PDF-1.4", timeout=0.2)
        assert refused.value.reason == "too_slow"
    finally:
        released.set()  # frees the reading thread for the next test


def test_files_are_wrapped_in_r1_template():
    one = read_attachment("a.md", b"# Title")
    two = read_attachment("b.txt", b"body")
    assert question_with_files("Summarise", [one, two]) == (
        "[file name]: a.md\n[file content begin]\n# Title\n[file content end]\n"
        "[file name]: b.txt\n[file content begin]\nbody\n[file content end]\nSummarise"
    )


def test_a_long_sheet_is_cut_and_says_so(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHEET_ROWS", 3)
    data = files.xlsx({"Long": [[n, f"row {n}"] for n in range(10)], "Next": [["kept"]]})
    text = read_attachment("long.xlsx", data).text
    assert "| 2 | row 2 |" in text and "row 3" not in text
    assert "(rows after the first 3 were left out)" in text
    assert "## Next" in text and "| kept |" in text


def test_pptx_slides_in_order_with_titles_tables_and_notes():
    data = files.pptx(
        [
            {"title": "Quarterly review", "body": ["Revenue up 12%", "Costs flat"]},
            {"title": "Regions", "table": [["Region", "Sales"], ["North", "120"]]},
            {"body": ["A slide with no title"], "notes": "Mention the 季度 target"},
        ]
    )
    found = read_attachment("review.pptx", data)
    assert found.format == "pptx" and found.tokens > 0
    assert found.mime.endswith("presentationml.presentation")
    text = found.text
    assert text.index("--- slide 1: Quarterly review ---") < text.index("Revenue up 12%")
    assert text.index("Costs flat") < text.index("--- slide 2: Regions ---")
    assert "| Region | Sales |\n| --- | --- |\n| North | 120 |" in text
    assert "--- slide 3 ---\n\nA slide with no title\n\nNotes: Mention the 季度 target" in text
    # The title is the heading, not repeated as body text.
    assert text.count("Quarterly review") == 1


def test_pptx_named_otherwise_is_still_a_presentation():
    data = files.pptx([{"title": "Roadmap"}])
    assert read_attachment("notes.txt", data).format == "pptx"


def test_zip_bomb_pptx_is_refused_before_inflating():
    bomb = files.zip_bomb_pptx(200)
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("deck.pptx", bomb)
    assert refused.value.reason == "archive_bomb"  # measured, not inflated


def test_damaged_pptx_is_refused_as_unreadable():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<not-a-presentation")
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("broken.pptx", buffer.getvalue())
    assert refused.value.reason == "unreadable"


def test_too_many_slides_are_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_SLIDES", 2)
    data = files.pptx([{"title": f"S{n}"} for n in range(3)])
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("long.pptx", data)
    assert refused.value.reason == "too_many_slides"
