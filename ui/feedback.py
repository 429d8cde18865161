"""Votes in plain sight: a thumb under a chat answer, "which is better" under a
comparison. Stored with the model, its settings and the prompt (core/store/
feedback.py) and shown on the leaderboard's own non-blind board, never mixed
with the blind arena votes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import AppError
from core.feedback import BOTH_BAD_CHOICE, TIE_CHOICE, approvals, preference_board
from core.i18n import Translator
from core.store.feedback import DOWN, UP
from core.store.views import COMPLETE, MessageView
from ui import state
from ui.errors import describe
from ui.format import model_label

_THUMB = {0: DOWN, 1: UP}


def thumbs(t: Translator, user_id: int, message: MessageView) -> None:
    """Thumbs up / down under a complete answer; clicking again takes it back."""
    if message.status != COMPLETE or not message.content:
        return
    key = f"thumbs-{message.id}"
    stored = state.svc().votes.thumb_of(user_id, message.id)
    st.feedback(
        "thumbs",
        key=key,
        default={UP: 1, DOWN: 0}.get(stored),
        on_change=_save_thumb,
        args=(t, user_id, message.id, key),
    )


def _save_thumb(t: Translator, user_id: int, message_id: int, key: str) -> None:
    try:
        state.svc().votes.set_thumb(user_id, message_id, _THUMB.get(st.session_state.get(key)))
    except AppError as error:
        st.toast(describe(t, error.kind, error.detail), icon=":material/error:")


def which_is_better(t: Translator, user_id: int, answers: tuple[MessageView | None, ...]) -> None:
    """Under a comparison whose latest answers are all complete: which is better."""
    if len(answers) < 2 or any(a is None or a.status != COMPLETE for a in answers):
        return
    ids = [a.id for a in answers]
    key = "better-" + "-".join(map(str, ids))
    options = [*range(len(ids)), TIE_CHOICE, BOTH_BAD_CHOICE]
    st.segmented_control(
        t("feedback.which_is_better"),
        options,
        default=state.svc().votes.better_of(user_id, ids),
        format_func=lambda o: (
            t(f"feedback.{o}") if isinstance(o, str) else t("feedback.column", n=o + 1)
        ),
        key=key,
        help=t("feedback.which_is_better_help"),
        on_change=_save_preference,
        args=(t, user_id, ids, key),
    )


def _save_preference(t: Translator, user_id: int, ids: list[int], key: str) -> None:
    try:
        state.svc().votes.choose_better(user_id, ids, st.session_state.get(key))
    except AppError as error:
        st.toast(describe(t, error.kind, error.detail), icon=":material/error:")


def non_blind_board(t: Translator, catalog, user_id: int) -> None:
    """The leaderboard's section for votes given in plain sight, apart from the blind board."""
    votes = state.svc().votes.board_votes()
    st.markdown(f"### {t('feedback.board.title')}")
    st.caption(t("feedback.board.intro"))
    if not votes:
        st.caption(t("feedback.board.empty"))
        return
    found = approvals(votes)
    if found:
        rows = [
            {
                "model": model_label(catalog, a.model_id),
                "approval": a.rate.value if a.rate else None,
                "interval": f"{a.rate.low:.0%} – {a.rate.high:.0%}" if a.rate else "–",
                "up": a.up,
                "down": a.down,
            }
            for a in found
        ]
        config = {key: t(f"feedback.board.col.{key}") for key in rows[0]}
        config["approval"] = st.column_config.NumberColumn(
            t("feedback.board.col.approval"), format="percent"
        )
        st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=config, width="stretch")
    board = preference_board(votes)
    if board.ratings:
        rows = [
            {
                "rank": r.rank_ub,
                "model": model_label(catalog, r.model_id),
                "rating": round(r.rating),
                "interval": f"{r.low:.0f} – {r.high:.0f}",
                "battles": r.battles,
                "wins": r.wins,
                "losses": r.losses,
                "ties": r.ties,
            }
            for r in board.ratings
        ]
        config = {key: t(f"feedback.board.col.{key}") for key in rows[0]}
        st.caption(t("feedback.board.preference_caption"))
        st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=config, width="stretch")
    st.download_button(
        t("feedback.board.export"),
        data=lambda: state.svc().votes.csv_of(user_id),  # own prompts only
        file_name="feedback.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="export-feedback",
    )
