"""Office files are zips, measured before anything is inflated
(core/attachments/zip_guard.py): a bomb's shape, too many parts, or more than
the app reads is refused with a sentence that says which; an ordinary file
that merely compresses well is read."""

from __future__ import annotations

import os

import pytest

from core.attachments import AttachmentRefused, limits, read_attachment
from core.attachments.zip_guard import check_zip
from core.i18n import strings
from tests.attachments import files

TYPES = {"[Content_Types].xml": b"<Types/>"}


def refusal(data: bytes, name: str = "report.docx") -> AttachmentRefused:
    with pytest.raises(AttachmentRefused) as refused:
        check_zip(data, name)
    return refused.value


def test_an_archive_that_unpacks_beyond_the_limit_is_refused_with_the_limit():
    # Not a bomb's shape (a few MB of photos pack as they are, so the whole
    # inflates about 80 times), but more than the app ever reads.
    photos = {"word/media/image1.bin": os.urandom(2_600_000)}
    data = files.zip_of(
        TYPES | photos,
        stored=frozenset(photos),
        inflated=("word/document.xml", limits.MAX_UNCOMPRESSED_BYTES // (1024 * 1024)),
    )
    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("report.docx", data)
    assert refused.value.reason == "archive_too_large"
    assert refused.value.reason_params == {"limit": 200}
    sentence = strings("en")["attachments.refused.archive_too_large"]
    assert "200 MB" in sentence.format(name="report.docx", **refused.value.reason_params)


def test_a_small_archive_may_compress_well():
    # Repetitive XML packs a hundred times and more; below 8 MB inflated it is read.
    below = limits.RATIO_CHECKED_FROM // (1024 * 1024) - 1
    check_zip(files.zip_of(TYPES, inflated=("word/document.xml", below)), "long.docx")
    above = below + 2
    bomb = files.zip_of(TYPES, inflated=("word/document.xml", above))
    assert refusal(bomb).reason == "archive_bomb"


def test_too_many_parts_is_a_bomb_shape():
    many = {f"word/part{i}.xml": b"" for i in range(limits.MAX_ZIP_ENTRIES)}
    check_zip(files.zip_of(many), "parts.docx")  # at the limit: measured, not refused
    more = many | {"word/one-more.xml": b""}
    assert refusal(files.zip_of(more)).reason == "archive_bomb"


def test_a_damaged_archive_is_unreadable_not_a_crash():
    docx = files.docx(["Quarterly report"])
    assert refusal(docx[: len(docx) // 2], "half.docx").reason == "unreadable"
    assert refusal(b"PK\x03\x04 not really a zip", "fake.xlsx").name == "fake.xlsx"


def test_an_ordinary_office_file_passes():
    check_zip(files.docx(["Quarterly report"], [["Region", "Sales"], ["North", "120"]]), "q.docx")
    check_zip(files.xlsx({"S": [["a", "b"], [1, 2]]}), "q.xlsx")
