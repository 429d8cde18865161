"""What a file is, decided from its bytes: a name can lie (`invoice.pdf.exe`,
a `.docx` that is a zip bomb, a `.txt` that is a program)."""

from __future__ import annotations

import io
import zipfile

PDF, DOCX, XLSX, PPTX, PNG, JPEG, GIF, WEBP, TEXT, ZIP, BINARY = (
    "pdf",
    "docx",
    "xlsx",
    "pptx",
    "png",
    "jpeg",
    "gif",
    "webp",
    "text",
    "zip",
    "binary",
)
IMAGES = (PNG, JPEG, GIF, WEBP)


def sniff(data: bytes) -> str:
    """The format of `data`, from its signature; `TEXT` for anything that is
    not a known binary format and has no NUL byte in its first 8 kB
    (UTF-16 text has NULs: it starts with a BOM, which is checked first)."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return TEXT
    if b"\x00" in data[:8192]:
        return BINARY
    return TEXT


def _office_kind(data: bytes) -> str:
    """docx, xlsx and pptx are zips told apart by the parts they hold."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return BINARY
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    if "ppt/presentation.xml" in names:
        return PPTX
    return ZIP


def original_mime(format_: str, stored: str) -> str:
    """The original's type. An image's stored type is that of the re-encoded
    copy sent to models (JPEG); its format (sniffed from the original's bytes
    when it was read) names the original's own."""
    if format_ in IMAGES:
        return f"image/{format_}"
    return stored or "application/octet-stream"
