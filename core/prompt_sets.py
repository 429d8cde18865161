"""Reading an uploaded prompt set: CSV or JSONL, one prompt per row.

CSV: a header row names the columns: `prompt` (or `question`, `input`),
optionally `id` and `system` (or `system_prompt`), and for judging `expected`
(or `reference`), `rubric`, and assertion columns (`contains`, `not_contains`,
`regex`, `json`, `json_schema`, `max_latency_s`, `max_cost_usd`; in JSONL also
an `assert` object with those keys, whose list values may hold several). A file with a single
column and no such header is read as one prompt per line. JSONL: one JSON
object per line with the same keys, or a bare JSON string (a JSON array of
them is accepted too).

Rows that cannot be used (no prompt, bad JSON, a repeated id, too long) are
reported with their line number and reason, and the rest can still be run;
a file that cannot be read at all raises `PromptSetInvalid` with a reason
code. Excel's UTF-8 BOM and GB18030 (Chinese Excel exports) are understood.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import PurePath

from core.errors import PromptSetInvalid
from core.judging.assertions import KEYS as ASSERTION_KEYS
from core.judging.assertions import AssertionsInvalid, normalise
from core.store.batches import NewPrompt
from core.text import MAX_MESSAGE_CHARS, clean_text, is_blank

MAX_PROMPTS = 1000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PROMPT_CHARS = min(MAX_MESSAGE_CHARS, 200_000)
PROMPT_KEYS = ("prompt", "question", "input")
ID_KEYS = ("id",)
SYSTEM_KEYS = ("system", "system_prompt")
EXPECTED_KEYS = ("expected", "reference")
RUBRIC_KEYS = ("rubric",)
ASSERT_OBJECT_KEYS = ("assert", "assertions")
ID_LIMIT = 200


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str  # no_prompt, too_long, duplicate_id, bad_json, not_object, bad_assertion


@dataclass(frozen=True)
class PromptSet:
    prompts: tuple[NewPrompt, ...]
    problems: tuple[RowProblem, ...]


def parse_prompt_set(filename: str, data: bytes) -> PromptSet:
    """The usable prompts of a file, and what is wrong with the other rows."""
    if len(data) > MAX_FILE_BYTES:
        raise PromptSetInvalid("too_big")
    text = _decode(data)
    rows = _jsonl_rows(text) if _is_jsonl(filename, text) else _csv_rows(text)
    return _collect(rows)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PromptSetInvalid("not_text")


def _is_jsonl(filename: str, text: str) -> bool:
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return True
    if suffix in (".csv", ".tsv", ".txt"):
        return False
    return text.lstrip()[:1] in ("{", '"')


# A raw row: its line, and either its fields or the reason it is unusable.
_Row = tuple[int, dict[str, object] | str]


def _jsonl_rows(text: str) -> list[_Row]:
    if text.lstrip().startswith("["):
        return _json_array_rows(text)
    rows: list[_Row] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            rows.append((line_no, "bad_json"))
            continue
        rows.append((line_no, _json_row(value)))
    return rows


def _json_array_rows(text: str) -> list[_Row]:
    """A whole-file JSON array (a common `.json` export); rows are numbered by item."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PromptSetInvalid("bad_json") from exc
    return [(number, _json_row(item)) for number, item in enumerate(items, start=1)]


def _json_row(value: object) -> dict[str, str | None] | str:
    if isinstance(value, str):
        return _fields({"prompt": value})
    if isinstance(value, dict):
        return _fields({str(k).lower(): v for k, v in value.items()})
    return "not_object"


def _csv_rows(text: str) -> list[_Row]:
    dialect = "excel-tab" if _looks_tab_separated(text) else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        records = [(reader.line_num, record) for record in reader]
    except csv.Error as exc:
        raise PromptSetInvalid("bad_csv") from exc
    records = [(line, record) for line, record in records if any(c.strip() for c in record)]
    if not records:
        raise PromptSetInvalid("empty")
    header = [cell.strip().lower() for cell in records[0][1]]
    if any(key in header for key in PROMPT_KEYS):
        return [
            (line, _fields(dict(zip(header, record, strict=False)))) for line, record in records[1:]
        ]
    if all(len(record) == 1 for _line, record in records):
        return [(line, _fields({"prompt": record[0]})) for line, record in records]
    raise PromptSetInvalid("no_prompt_column")


def _looks_tab_separated(text: str) -> bool:
    first = text.split("\n", 1)[0]
    return "\t" in first and "," not in first


def _fields(record: dict) -> dict[str, object]:
    def first(keys: tuple[str, ...]) -> object:
        return next((record[k] for k in keys if record.get(k) not in (None, "")), None)

    def text(keys: tuple[str, ...]) -> str | None:
        value = first(keys)
        return None if value is None or is_blank(str(value)) else str(value)

    prompt, row_id = first(PROMPT_KEYS), first(ID_KEYS)
    return {
        "prompt": None if prompt is None else str(prompt),
        "id": None if row_id is None else str(row_id).strip(),
        "system": text(SYSTEM_KEYS),
        "expected": text(EXPECTED_KEYS),
        "rubric": text(RUBRIC_KEYS),
        "assertions": _assertions(record),
    }


def _assertions(record: dict) -> str | None:
    """The row's assertions as canonical JSON, `bad_assertion` when unusable, or None."""
    spec = {k: record[k] for k in ASSERTION_KEYS if record.get(k) not in (None, "")}
    nested = first_present(record, ASSERT_OBJECT_KEYS)
    if nested is not None:
        if not isinstance(nested, dict):
            return _BAD_ASSERTION
        spec.update({str(k).lower(): value for k, value in nested.items()})
    if not spec:
        return None
    try:
        checked = normalise(spec)
    except AssertionsInvalid:
        return _BAD_ASSERTION
    return json.dumps(checked, ensure_ascii=False) if checked else None


_BAD_ASSERTION = "\0bad_assertion"  # a marker no JSON text starts with


def first_present(record: dict, keys: tuple[str, ...]) -> object:
    return next((record[k] for k in keys if record.get(k) not in (None, "")), None)


def _collect(rows: list[_Row]) -> PromptSet:
    prompts: list[NewPrompt] = []
    problems: list[RowProblem] = []
    seen_ids: set[str] = set()
    for line, fields in rows:
        if isinstance(fields, str):
            problems.append(RowProblem(line, fields))
            continue
        reason = _problem_with(fields, seen_ids)
        if reason:
            problems.append(RowProblem(line, reason))
            continue
        row_id = fields["id"] or str(len(prompts) + 1)
        seen_ids.add(row_id)
        system, expected, rubric = fields["system"], fields["expected"], fields["rubric"]
        prompts.append(
            NewPrompt(
                external_id=row_id[:ID_LIMIT],
                prompt=clean_text(fields["prompt"]),
                system_prompt=clean_text(system) if system else None,
                expected=clean_text(expected) if expected else None,
                rubric=clean_text(rubric) if rubric else None,
                assertions=fields["assertions"],
            )
        )
    if len(prompts) > MAX_PROMPTS:
        raise PromptSetInvalid("too_many")
    if not prompts:
        raise PromptSetInvalid("no_prompts")
    return PromptSet(tuple(prompts), tuple(problems))


def _problem_with(fields: dict, seen_ids: set[str]) -> str | None:
    prompt = fields["prompt"]
    if prompt is None or is_blank(prompt):
        return "no_prompt"
    texts = (prompt, fields["system"], fields["expected"], fields["rubric"])
    if any(len(text or "") > MAX_PROMPT_CHARS for text in texts):
        return "too_long"
    if fields["assertions"] == _BAD_ASSERTION:
        return "bad_assertion"
    if fields["id"] and fields["id"] in seen_ids:
        return "duplicate_id"
    return None
