"""Text files (core/attachments/text_files.py): whatever the encoding, the model
reads the words; CSV and TSV become tables whatever their delimiter; a file
that is not text in any encoding is refused, and one that only claims a
format (broken JSON) is passed on as written rather than lost. Chinese
encodings (GBK, GB18030, UTF-16) are in test_extraction.py."""

from __future__ import annotations

import random

import pytest

from core.attachments import AttachmentRefused, read_attachment


def test_bytes_that_are_no_text_in_any_encoding_are_refused():
    noise = random.Random(7).randbytes(4_000).replace(b"\x00", b"\x01")  # no NUL: not "binary"
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("notes.txt", noise)
    assert refused.value.reason == "not_text"


def test_an_empty_file_is_empty_text():
    found = read_attachment("empty.txt", b"")
    assert found.format == "text" and found.text == "" and found.tokens == 0


def test_a_byte_order_mark_is_not_part_of_the_text():
    found = read_attachment("readme.md", b"\xef\xbb\xbf# Title\n")
    assert found.format == "markdown" and found.text == "# Title\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("scores.csv", "名前;点数\n甲;1\n乙;2\n".encode()),  # European Excel's semicolons
        ("scores.tsv", "名前\t点数\n甲\t1\n乙\t2\n".encode()),
        ("scores.csv", "名前|点数\n甲|1\n乙|2\n".encode()),
    ],
)
def test_a_csv_is_a_table_whatever_its_delimiter(name, data):
    found = read_attachment(name, data)
    assert found.format == "csv"
    assert found.text.splitlines() == [
        "| 名前 | 点数 |",
        "| --- | --- |",
        "| 甲 | 1 |",
        "| 乙 | 2 |",
    ]


def test_a_cell_cannot_break_the_table():
    found = read_attachment("notes.csv", b'name,note\nann,"a | b\nc"\n')
    assert found.text.splitlines()[-1] == "| ann | a \\| b c |"


def test_broken_json_is_passed_on_as_written():
    found = read_attachment("config.json", b'{"retries": 3,')
    assert found.format == "json" and found.text == '{"retries": 3,'
