"""Every CSV file the app writes, made safe to open in a spreadsheet.

Cells hold text that models and other people wrote. A spreadsheet runs a cell
that starts with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(...)` sends
data away when a colleague opens the file), and Excel also reads a formula
after a leading tab or carriage return. OWASP's CSV injection rule: prefix
such a cell with a single quote, which spreadsheets show as text.

Numbers are written as numbers: only text is neutralised, so a negative
latency or cost stays a number a spreadsheet can sum.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """`value` as a spreadsheet will read it as data, never as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document: a header line, then one line per row (None is empty)."""
    out = io.StringIO(newline="")
    # CRLF as RFC 4180 says; it also makes the writer quote a cell holding a
    # lone CR (with "\n" as terminator it would not, and the row would split).
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in columns])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def dicts_to_csv(columns: Sequence[str], rows: Iterable[dict]) -> str:
    """Like `to_csv`, for rows given as dicts (a missing key is an empty cell)."""
    return to_csv(columns, ([row.get(name) for name in columns] for row in rows))
