"""The non-blind board: what people said about answers they could see the model of.

Thumbs on chat answers give each model an approval rate (thumbs up / all
thumbs, with Wilson's 95 % interval). "Which is better" votes between compare
columns are fitted with the same Bradley–Terry as the arena (core/ratings.py),
but on their own: these voters knew which model wrote what, so their votes are
kept apart from the blind board, never mixed into it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from core.csv_export import dicts_to_csv
from core.judging.stats import Estimate, wilson
from core.ratings import OUTCOMES, Leaderboard, VoteCell, leaderboard
from core.store import feedback as feedback_store
from core.store.feedback import DOWN, PREFERENCE, THUMBS, UP, FeedbackView

PREFERENCE_VALUES = OUTCOMES  # a, b, tie, both_bad: the arena's outcomes
THUMB_VALUES = (UP, DOWN)


@dataclass(frozen=True)
class Approval:
    model_id: str
    up: int
    down: int
    rate: Estimate | None  # up / (up + down), Wilson 95 %


def approvals(votes: list[FeedbackView]) -> list[Approval]:
    """Per model, thumbs up and down and the approval rate, best first."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for vote in votes:
        if vote.kind == THUMBS:
            counts[vote.model_id][0 if vote.value == UP else 1] += 1
    found = [Approval(m, up, down, wilson(up, up + down)) for m, (up, down) in counts.items()]
    return sorted(found, key=lambda a: (a.rate.value if a.rate else 0.0, a.up), reverse=True)


def preference_board(votes: list[FeedbackView], *, rounds: int = 200) -> Leaderboard:
    """Bradley–Terry on the compare votes alone (same models on both sides are skipped)."""
    cells: dict[tuple[str, str, str], int] = defaultdict(int)
    for vote in votes:
        if vote.kind == PREFERENCE and vote.other_model_id:
            cells[(vote.model_id, vote.other_model_id, vote.value)] += 1
    return leaderboard([VoteCell(a, b, o, n) for (a, b, o), n in cells.items()], rounds=rounds)


TIE_CHOICE, BOTH_BAD_CHOICE = "tie", "both_bad"


def preference_pairs(answer_ids: list[int], choice: int | str) -> list[tuple[int, int, str]]:
    """ "Which is better" among a comparison's columns as pairwise votes, each pair
    in column order: the chosen column beats every other; a tie or "both bad"
    (all bad) holds for every pair."""
    pairs = []
    for i, first in enumerate(answer_ids):
        for j in range(i + 1, len(answer_ids)):
            if choice in (TIE_CHOICE, BOTH_BAD_CHOICE):
                value = choice
            elif choice == i:
                value = "a"
            elif choice == j:
                value = "b"
            else:
                continue  # two columns that were not chosen: no vote between them
            pairs.append((first, answer_ids[j], value))
    return pairs


def choice_of(answer_ids: list[int], stored: dict[tuple[int, int], str]) -> int | str | None:
    """The choice a person made earlier, read back from its pairwise votes."""
    for choice in (*range(len(answer_ids)), TIE_CHOICE, BOTH_BAD_CHOICE):
        pairs = preference_pairs(answer_ids, choice)
        if pairs and all(stored.get((a, b)) == value for a, b, value in pairs):
            return choice
    return None


def current_feedback() -> list[FeedbackView]:
    return feedback_store.all_feedback()


FEEDBACK_COLUMNS = [
    "id",
    "created_at",
    "kind",
    "value",
    "model",
    "other_model",
    "settings",
    "prompt",
]


def feedback_csv(votes: list[FeedbackView]) -> str:
    """Non-blind votes with their models, settings (JSON) and prompt (no user);
    pages pass a person's own (feedback_store.feedback_of): prompts are private."""
    return dicts_to_csv(
        FEEDBACK_COLUMNS,
        (
            {
                "id": v.id,
                "created_at": v.created_at,
                "kind": v.kind,
                "value": v.value,
                "model": v.model_id,
                "other_model": v.other_model_id or "",
                "settings": v.settings,
                "prompt": v.prompt,
            }
            for v in votes
        ),
    )


__all__ = ["PREFERENCE", "THUMBS", "Approval", "approvals", "feedback_csv", "preference_board"]
