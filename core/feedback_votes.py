"""Votes in plain sight, as the chat and compare pages give them: a thumb under
an answer, "which is better" under a comparison's columns.

The store keeps each vote with its model, settings and prompt
(core/store/feedback.py); core/feedback.py reads them into boards. Every
method takes the user first; the store checks the answers are theirs.
"""

from __future__ import annotations

from core.feedback import TIE_CHOICE, choice_of, current_feedback, feedback_csv, preference_pairs
from core.store import feedback as feedback_store
from core.store.feedback import FeedbackView


class FeedbackVotes:
    def thumb_of(self, user_id: int, message_id: int) -> str | None:
        """UP, DOWN or None (no thumb given)."""
        return feedback_store.thumb_of(user_id, message_id)

    def set_thumb(self, user_id: int, message_id: int, value: str | None) -> None:
        """Give a thumb (UP or DOWN), or take it back (None)."""
        feedback_store.set_thumb(user_id, message_id, value)

    def better_of(self, user_id: int, answer_ids: list[int]) -> int | str | None:
        """The choice stored among these answers: a column's index, a tie,
        "both bad", or None."""
        stored = {
            (a, b): value
            for a, b, _ in preference_pairs(answer_ids, TIE_CHOICE)
            if (value := feedback_store.preference_of(user_id, a, b)) is not None
        }
        return choice_of(answer_ids, stored)

    def choose_better(self, user_id: int, answer_ids: list[int], choice: int | str | None) -> None:
        """Replace the choice among these answers (None: take it back)."""
        for a, b, _ in preference_pairs(answer_ids, TIE_CHOICE):
            feedback_store.set_preference(user_id, a, b, None)  # the earlier choice, undone
        if choice is not None:
            for a, b, value in preference_pairs(answer_ids, choice):
                feedback_store.set_preference(user_id, a, b, value)

    def board_votes(self) -> list[FeedbackView]:
        """Everyone's current votes, for the leaderboard's non-blind board (no prompts shown)."""
        return current_feedback()

    def csv_of(self, user_id: int) -> str:
        """The person's own votes as CSV: their prompts are theirs only."""
        return feedback_csv(feedback_store.feedback_of(user_id))
