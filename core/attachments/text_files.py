"""Plain text and source code in any encoding, Markdown, CSV and JSON.

The encoding is detected with charset-normalizer (UTF-8 first, with or
without BOM; then GB18030, which covers GBK and GB2312 Chinese files,
Big5, Shift-JIS, the Windows code pages…). The name's extension only
chooses how the text is presented (a CSV as a table, JSON pretty-printed);
it never decides whether the bytes are read.
"""

from __future__ import annotations

import csv
import io
import itertools
import json

from charset_normalizer import from_bytes

from core.attachments.model import AttachmentRefused

CSV_PREVIEW_ROWS = 5_000


def decode(data: bytes, name: str) -> str:
    """The text of `data`; refuses bytes that are no text in any encoding."""
    if not data:
        return ""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = list(from_bytes(data))
    if not candidates:
        raise AttachmentRefused("not_text", name)
    return str(_preferred(candidates))


# Short CJK texts decode without "chaos" in several East Asian code pages
# (GBK bytes read as Korean cp949 look just as clean to a detector). Among
# equally clean readings, this app's readers most likely wrote GB18030/GBK.
PREFERRED = ("utf_8", "gb18030", "big5", "cp932", "cp949")


def _preferred(candidates: list):
    cleanest = min(c.chaos for c in candidates)
    tied = [c for c in candidates if c.chaos <= cleanest + 0.01]
    for encoding in PREFERRED:
        for candidate in tied:
            if candidate.encoding == encoding:
                return candidate
    return tied[0]


def text_format(name: str) -> str:
    """How to present text: by extension, a presentation choice only."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {
        "md": "markdown",
        "markdown": "markdown",
        "csv": "csv",
        "tsv": "csv",
        "json": "json",
    }.get(suffix, "text")


def present(text: str, fmt: str) -> str:
    """CSV as a Markdown table, JSON indented; anything unparseable as it is."""
    if fmt == "csv":
        return _csv_table(text) or text
    if fmt == "json":
        try:
            return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
        except (ValueError, RecursionError):
            return text
    return text


def _csv_table(text: str) -> str | None:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(text), dialect), CSV_PREVIEW_ROWS))
    except csv.Error:
        return None
    return markdown_table(rows) if rows else None


def markdown_table(rows: list[list[object]]) -> str:
    """Rows as a GFM table; the first row is the header. Pipes and line
    breaks inside cells are escaped so a cell cannot break the table."""
    width = max(len(row) for row in rows)

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")

    def line(row: list[object]) -> str:
        padded = list(row) + [""] * (width - len(row))
        return "| " + " | ".join(cell(v) for v in padded) + " |"

    return "\n".join([line(rows[0]), "|" + " --- |" * width, *(line(r) for r in rows[1:])])
