"""Deterministic checks on one answer, written per row of a prompt set.

A row's assertions are a JSON object (stored as text with the prompt):

    {"contains": ["Paris"], "not_contains": ["I cannot"], "regex": ["^\\\\d+$"],
     "json": true, "json_schema": {...}, "max_latency_s": 5, "max_cost_usd": 0.01}

`contains` and `not_contains` ignore case; `regex` is Python syntax, searched
anywhere in the answer; `json` asks for the whole answer to parse (a fenced
```json block is accepted, as models often fence it); `json_schema` implies
`json` and validates with the `jsonschema` library. A check that cannot be
evaluated (a broken pattern or schema, no latency recorded) fails with that
reason rather than passing silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import jsonschema

LIST_KEYS = ("contains", "not_contains", "regex")
KEYS = (*LIST_KEYS, "json", "json_schema", "max_latency_s", "max_cost_usd")
_FENCED = re.compile(r"^\s*```[a-zA-Z]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


class AssertionsInvalid(ValueError):
    """A row's assertions are not a usable object; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckResult:
    name: str  # e.g. "contains: Paris"
    passed: bool
    detail: str = ""  # why it failed


def normalise(spec: dict) -> dict:
    """A validated, canonical assertions object (lists for the list keys)."""
    unknown = set(spec) - set(KEYS)
    if unknown:
        raise AssertionsInvalid(f"unknown assertion {sorted(unknown)[0]}")
    out: dict = {}
    for key in LIST_KEYS:
        value = spec.get(key)
        if value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and v for v in values):
            raise AssertionsInvalid(f"{key} must be text")
        if key == "regex":
            for pattern in values:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise AssertionsInvalid(f"bad regex: {exc}") from exc
        out[key] = values
    if spec.get("json_schema") not in (None, ""):
        schema = spec["json_schema"]
        if isinstance(schema, str):
            try:
                schema = json.loads(schema)
            except json.JSONDecodeError as exc:
                raise AssertionsInvalid("json_schema is not JSON") from exc
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise AssertionsInvalid(f"bad json_schema: {exc.message}") from exc
        out["json_schema"] = schema
    if _truthy(spec.get("json")):
        out["json"] = True
    for key in ("max_latency_s", "max_cost_usd"):
        if spec.get(key) not in (None, ""):
            try:
                limit = float(spec[key])
            except (TypeError, ValueError) as exc:
                raise AssertionsInvalid(f"{key} must be a number") from exc
            if limit < 0:
                raise AssertionsInvalid(f"{key} must not be negative")
            out[key] = limit
    return out


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    return bool(value)


def check(
    spec: dict, answer: str, *, latency_s: float | None, cost_usd: float | None
) -> list[CheckResult]:
    """Every assertion of `spec` (already normalised) on one complete answer."""
    results: list[CheckResult] = []
    folded = answer.casefold()
    for needle in spec.get("contains", []):
        results.append(CheckResult(f"contains: {needle}", needle.casefold() in folded))
    for needle in spec.get("not_contains", []):
        results.append(CheckResult(f"not_contains: {needle}", needle.casefold() not in folded))
    for pattern in spec.get("regex", []):
        results.append(CheckResult(f"regex: {pattern}", re.search(pattern, answer) is not None))
    if spec.get("json") or "json_schema" in spec:
        results.append(_check_json(answer, spec.get("json_schema")))
    if "max_latency_s" in spec:
        results.append(_at_most("max_latency_s", latency_s, spec["max_latency_s"]))
    if "max_cost_usd" in spec:
        results.append(_at_most("max_cost_usd", cost_usd, spec["max_cost_usd"]))
    return results


def _check_json(answer: str, schema: dict | None) -> CheckResult:
    name = "json_schema" if schema is not None else "json"
    fenced = _FENCED.match(answer)
    try:
        value = json.loads(fenced.group(1) if fenced else answer)
    except json.JSONDecodeError as exc:
        return CheckResult(name, False, f"not JSON: {exc.msg}")
    if schema is None:
        return CheckResult(name, True)
    error = jsonschema.exceptions.best_match(
        jsonschema.validators.validator_for(schema)(schema).iter_errors(value)
    )
    return CheckResult(name, error is None, "" if error is None else error.message[:200])


def _at_most(name: str, measured: float | None, limit: float) -> CheckResult:
    if measured is None:
        return CheckResult(f"{name} ≤ {limit:g}", False, "not measured")
    return CheckResult(f"{name} ≤ {limit:g}", measured <= limit, f"{measured:.4g}")
