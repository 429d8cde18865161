"""The offline demo as a judge: a deterministic, honest-to-its-rules grader.

When a demo model is named as a batch's judge it receives the judge prompts
of core/judging/prompts.py. It cannot understand answers, so it grades by
rules a reader can check: against a reference answer, the share of the
reference's words the answer contains; without one, a mid score nudged by
the answer's length and structure. Pairwise, it compares the two answers'
scores. It says so in its reason, so nobody mistakes it for a real judgement.
"""

from __future__ import annotations

import json
import re

_SECTION = re.compile(r"^\[(?P<name>[^\]\n]+)\]\n(?P<body>.*?)(?=^\[[^\]\n]+\]\n|\Z)", re.S | re.M)
_WORD = re.compile(r"[\w\u3400-\u9fff]+")
_REFERENCE = "Reference answer (judge correctness against it)"


def is_judge_prompt(text: str) -> bool:
    return "[Question]" in text and "Reply with exactly one JSON object" in text


def _sections(text: str) -> dict[str, str]:
    return {m["name"]: m["body"].strip() for m in _SECTION.finditer(text)}


def _score(answer: str, reference: str | None) -> int:
    if reference:
        wanted = {w.lower() for w in _WORD.findall(reference)}
        found = {w.lower() for w in _WORD.findall(answer)}
        recall = len(wanted & found) / len(wanted) if wanted else 0.0
        return max(1, min(10, round(1 + 9 * recall)))
    words = len(_WORD.findall(answer))
    structure = answer.count("\n- ") + answer.count("```") // 2
    return max(1, min(10, 4 + min(words, 300) // 100 + min(structure, 3)))


def judge_reply(text: str) -> str:
    """The demo judge's JSON reply to one judge prompt."""
    parts = _sections(text)
    reference = parts.get(_REFERENCE)
    note = "demo judge: " + (
        "share of the reference's words found" if reference else "length and structure only"
    )
    if "Answer A" in parts:
        a, b = _score(parts["Answer A"], reference), _score(parts.get("Answer B", ""), reference)
        gap = a - b
        verdict = (
            ("A>>B" if gap >= 3 else "A>B" if gap >= 1 else "B>>A" if gap <= -3 else "B>A")
            if gap
            else "A=B"
        )
        return json.dumps({"verdict": verdict, "reason": f"{note} (A {a}, B {b})"})
    score = _score(parts.get("Answer", ""), reference)
    return json.dumps({"score": score, "reason": note})
