"""Leaderboard: ratings from every arena vote, and how each model measured up in use."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core.arena import Arena, battles_csv
from core.leaderboard import (
    ModelPerformance,
    current_leaderboard,
    current_performance,
    votes_csv,
)
from core.ratings import Leaderboard
from core.store.db import database_url
from core.store.measurements import measurement_stamp
from core.store.votes import vote_stamp
from ui import state
from ui.bootstrap import ensure_run_through_app
from ui.format import model_label

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = state.catalog()  # in the reader's language
user = state.current_user()


# Fitting is cheap (the votes are tallied first), but the bootstrap is not free:
# the result is kept until a vote is added or removed (keyed by the database
# too, so a process that switches databases, as the tests do, never mixes them).
@st.cache_data(max_entries=4, show_spinner=False)
def ratings(database: str, vote_count: int, last_vote_id: int) -> Leaderboard:
    return current_leaderboard()


@st.cache_data(max_entries=4, show_spinner=False, ttl=600)
def performance(
    database: str, last_attempt_id: int, last_message_id: int
) -> list[ModelPerformance]:
    return current_performance(catalog)


def ratings_table(board: Leaderboard) -> None:
    rows = [
        {
            "rank": rank,
            "model": model_label(catalog, r.model_id),
            "rating": round(r.rating),
            "interval": t("leaderboard.provisional")
            if r.provisional
            else f"−{r.rating - r.low:.0f} / +{r.high - r.rating:.0f}",
            "battles": r.battles,
            "wins": r.wins,
            "losses": r.losses,
            "ties": r.ties,
        }
        for rank, r in enumerate(board.ratings, start=1)
    ]
    config = {name: t(f"leaderboard.col.{name}") for name in rows[0]}
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=config, width="stretch")


def ratings_chart(board: Leaderboard) -> None:
    frame = pd.DataFrame(
        {
            "model": [model_label(catalog, r.model_id) for r in board.ratings],
            "rating": [r.rating for r in board.ratings],
            "low": [r.low for r in board.ratings],
            "high": [r.high for r in board.ratings],
        }
    )
    order = list(frame["model"])
    axis_y = alt.Y("model:N", sort=order, title=None)
    axis_x = alt.X("low:Q", scale=alt.Scale(zero=False), title=t("leaderboard.chart_axis"))
    interval = alt.Chart(frame).mark_rule(strokeWidth=2).encode(y=axis_y, x=axis_x, x2="high:Q")
    point = (
        alt.Chart(frame)
        .mark_point(filled=True, size=80)
        .encode(
            y=axis_y,
            x="rating:Q",
            tooltip=[
                alt.Tooltip("model:N", title=t("leaderboard.col.model")),
                alt.Tooltip("rating:Q", format=".0f", title=t("leaderboard.col.rating")),
                alt.Tooltip("low:Q", format=".0f", title="2.5 %"),
                alt.Tooltip("high:Q", format=".0f", title="97.5 %"),
            ],
        )
    )
    st.altair_chart(interval + point, width="stretch", height=max(140, 36 * len(frame)))


def matrices(board: Leaderboard) -> None:
    """Win rates and battle counts between every pair, best model first."""
    index = {model: i for i, model in enumerate(board.models)}
    order = [index[r.model_id] for r in board.ratings]
    labels = [model_label(catalog, board.models[i]) for i in order]
    pick = np.ix_(order, order)
    win_rate = pd.DataFrame(board.win_rate[pick], index=labels, columns=labels)
    battles = pd.DataFrame(board.battles[pick].astype(int), index=labels, columns=labels)
    st.markdown(f"#### {t('leaderboard.win_rate_title')}")
    st.caption(t("leaderboard.win_rate_caption"))
    st.dataframe(win_rate.style.format("{:.0%}", na_rep="–"), width="stretch", placeholder="–")
    with st.expander(t("leaderboard.battles_title"), icon=":material/grid_on:"):
        st.dataframe(battles, width="stretch")


def performance_table(rows: list[ModelPerformance]) -> None:
    st.markdown(f"#### {t('leaderboard.performance_title')}")
    st.caption(t("leaderboard.performance_caption"))
    if not rows:
        st.caption(t("leaderboard.no_requests"))
        return
    frame = pd.DataFrame(
        [
            {
                "model": model_label(catalog, p.model_id),
                "requests": p.requests,
                "busy": p.busy_share,
                "latency": p.latency_p50_s,
                "ttft": p.ttft_p50_s,
                "answers": p.answers,
                "speed": p.tokens_per_s_p50,
                "cost": p.cost_per_answer_usd,
            }
            for p in rows
        ]
    )
    config = {
        "model": t("leaderboard.col.model"),
        "requests": st.column_config.NumberColumn(t("leaderboard.col.requests")),
        "busy": st.column_config.NumberColumn(t("leaderboard.col.busy"), format="percent"),
        "latency": st.column_config.NumberColumn(t("leaderboard.col.latency"), format="%.1f s"),
        "ttft": st.column_config.NumberColumn(t("leaderboard.col.ttft"), format="%.2f s"),
        "answers": st.column_config.NumberColumn(t("leaderboard.col.answers")),
        "speed": st.column_config.NumberColumn(t("leaderboard.col.speed"), format="%.1f"),
        "cost": st.column_config.NumberColumn(t("leaderboard.col.cost"), format="$%.5f"),
    }
    st.dataframe(frame, hide_index=True, column_config=config, width="stretch")


def exports() -> None:
    bar = st.container(horizontal=True)
    bar.download_button(
        t("leaderboard.export_votes"),
        data=votes_csv,
        file_name="votes.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="export-votes",
    )
    bar.download_button(
        t("leaderboard.export_battles"),
        data=lambda: battles_csv(Arena(services.chat).history(user.id, limit=100_000)),
        file_name="battles.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="export-battles",
        help=t("leaderboard.export_battles_help"),
    )


st.markdown(f"## {t('leaderboard.title')}")
st.caption(t("leaderboard.intro"))
stamp = vote_stamp()
board = ratings(database_url(), stamp.count, stamp.last_id)
if board.ratings:
    st.caption(t("leaderboard.votes", n=t.number(board.votes)))
    ratings_table(board)
    ratings_chart(board)
    matrices(board)
else:
    st.info(t("leaderboard.no_votes"), icon=":material/how_to_vote:")
measured = measurement_stamp()
performance_table(performance(database_url(), measured.last_attempt_id, measured.last_message_id))
exports()
