"""Reading a judge's reply into a verdict, and two orders into one outcome.

A reply is *scored* only when it carries a score (an integer 1–10) or one of
the five pairwise verdicts, found in a JSON object (fenced or not) or, failing
that, in a plain "score: 7" / "[[A>B]]" form. Anything else is recorded as
`malformed`, or `refused` when the judge declined; neither is ever counted
as a score or a vote. A judge that itself failed (an error, a provider's
refusal) is a failed judgement and can be rerun.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

POINTWISE = "pointwise"
PAIRWISE = "pairwise"
MODES = (POINTWISE, PAIRWISE)

SCORED = "scored"
MALFORMED = "malformed"
REFUSED = "refused"

# The five pairwise verdicts, as points for the answer shown as A.
VERDICT_POINTS = {"A>>B": 2, "A>B": 1, "A=B": 0, "B>A": -1, "B>>A": -2}
REASON_CHARS = 500

_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
_PLAIN_SCORE = re.compile(r"\bscore\s*[:=：]\s*\**\s*(\d+(?:\.\d+)?)\b", re.IGNORECASE)
_PLAIN_VERDICT = re.compile(r"\[\[\s*(A>>B|A>B|A=B|B>A|B>>A)\s*\]\]")
_REFUSAL = re.compile(
    r"\b(I can(?:no|')t|I am unable|I'm unable|I won't|I will not|unable to (?:evaluate|comply))\b"
    r"|抱歉|无法(?:评估|评价|回答|完成)|不能(?:评估|评价|回答)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    outcome: str  # SCORED, MALFORMED or REFUSED
    score: int | None = None  # pointwise, 1..10
    verdict: str | None = None  # pairwise, one of VERDICT_POINTS
    reason: str = ""


def _json_object(text: str) -> dict | None:
    match = _OBJECT.search(text)
    if match is None:
        return None
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _reason(obj: dict | None, text: str) -> str:
    reason = obj.get("reason") if obj else None
    if not isinstance(reason, str) or not reason.strip():
        reason = text
    return reason.strip()[:REASON_CHARS]


def _unscored(text: str) -> Verdict:
    outcome = REFUSED if _REFUSAL.search(text) else MALFORMED
    return Verdict(outcome, reason=text.strip()[:REASON_CHARS])


def read_score(text: str) -> Verdict:
    """A pointwise reply: an integer score from 1 to 10 and the judge's reason."""
    obj = _json_object(text)
    raw = obj.get("score") if obj else None
    if raw is None:
        plain = _PLAIN_SCORE.search(text)
        raw = plain.group(1) if plain else None
    score = _as_score(raw)
    if score is None:
        return _unscored(text)
    return Verdict(SCORED, score=score, reason=_reason(obj, text))


def _as_score(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    try:
        value = float(raw) if isinstance(raw, (int, float, str)) else None
    except ValueError:
        return None
    if value is None or value != int(value) or not 1 <= value <= 10:
        return None
    return int(value)


def read_verdict(text: str) -> Verdict:
    """A pairwise reply: one of the five verdicts and the judge's reason."""
    obj = _json_object(text)
    raw = obj.get("verdict") if obj else None
    if isinstance(raw, str):
        raw = raw.strip().strip("[]").replace(" ", "")
    if raw not in VERDICT_POINTS:
        plain = _PLAIN_VERDICT.search(text)
        raw = plain.group(1) if plain else None
    if raw is None:
        return _unscored(text)
    return Verdict(SCORED, verdict=raw, reason=_reason(obj, text))


WIN, TIE, LOSS = "win", "tie", "loss"

# Arena-Hard counts a strong verdict (A>>B) as three wins in its Bradley–Terry
# fit, so that "much better" moves a rating more than "better". We do the same
# on the judge's board, but only when the judge was emphatic in *both* orders:
# a strength it claims only when the candidate is shown first is as suspect as
# a preference it claims only then.
STRONG_WEIGHT = 3
STRONG_POINTS = 2


def candidate_points(verdict: Verdict, *, swapped: bool) -> int:
    """The verdict's points for the candidate: it is A unless the order was swapped."""
    points = VERDICT_POINTS[verdict.verdict]
    return -points if swapped else points


def combine_orders(first: int, second: int) -> str:
    """One outcome for the candidate from its points in both orders.

    Agreeing signs decide (a win in one order and a tie in the other is not
    agreement); an inconsistent pair — the judge changed its mind when the
    answers swapped places — counts as a tie.
    """
    if first > 0 and second > 0:
        return WIN
    if first < 0 and second < 0:
        return LOSS
    return TIE


def outcome_weight(first: int, second: int) -> int:
    """Games an outcome counts for on the judge's board: STRONG_WEIGHT for a
    win or loss that was strong (>>) in both orders, otherwise one."""
    if combine_orders(first, second) != TIE and abs(first) == abs(second) == STRONG_POINTS:
        return STRONG_WEIGHT
    return 1
