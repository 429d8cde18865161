"""Leaderboard: ratings from arena votes (raw or style-controlled, by category, de-blinded
battles left out), and how each model measured up in use."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core.arena_board import (
    AnnotatedVote,
    ArenaBoard,
    BoardOptions,
    VoteAnnotations,
    category_counts,
    fit_board,
)
from core.battle_categories import CATEGORIES
from core.deblinding import names_in_catalog
from core.leaderboard import BoardStamp, ModelPerformance, PerformanceStamp
from core.ratings import Leaderboard
from ui import feedback, state
from ui.bootstrap import ensure_run_through_app
from ui.format import model_label
from ui.judge_agreement import agreement_section

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = state.catalog()  # in the reader's language
user = state.current_user()
board = services.leaderboard


# Annotating a vote (style, categories, de-blinding) reads its battle's text:
# the annotations are kept per database for the process, so a new vote costs
# one battle's reading; a process that switches databases, as the tests do,
# never mixes them. The boards (the bootstrap is not free) are kept until a
# vote is added or removed or a battle is deleted.
@st.cache_resource(max_entries=4, show_spinner=False)
def annotations(database: str) -> VoteAnnotations:
    return VoteAnnotations(names_in_catalog(catalog))


@st.cache_resource(max_entries=2, show_spinner=False)
def votes(stamp: BoardStamp) -> tuple[AnnotatedVote, ...]:
    return annotations(stamp.database).refresh()


@st.cache_data(max_entries=16, show_spinner=False)
def ratings(stamp: BoardStamp, options: BoardOptions) -> ArenaBoard:
    return fit_board(votes(stamp), options)


@st.cache_data(max_entries=4, show_spinner=False, ttl=600)
def performance(stamp: PerformanceStamp) -> list[ModelPerformance]:
    return board.performance(catalog)


ALL_BATTLES = "all"  # a real option, not None: a None value makes the box look clearable


def board_options(annotated: tuple[AnnotatedVote, ...]) -> BoardOptions:
    """The switches above the table: category, style control, de-blinded battles."""
    bar = st.container(horizontal=True, vertical_alignment="bottom")
    include_deblinded = st.session_state.get("lb-deblinded", False)
    counts = category_counts(annotated, include_deblinded)
    category = bar.selectbox(
        t("leaderboard.category"),
        [ALL_BATTLES, *CATEGORIES],
        format_func=lambda c: (
            t("leaderboard.all_battles")
            if c == ALL_BATTLES
            else t(f"leaderboard.categories.{c}", n=t.number(counts[c]))
        ),
        key="lb-category",
        help=t("leaderboard.category_help"),
    )
    style_control = bar.toggle(
        t("leaderboard.style_control"), key="lb-style", help=t("leaderboard.style_control_help")
    )
    bar.toggle(
        t("leaderboard.include_deblinded"), key="lb-deblinded", help=t("leaderboard.deblinded_help")
    )
    return BoardOptions(
        style_control, None if category == ALL_BATTLES else category, include_deblinded
    )


def selection_caption(fitted: ArenaBoard) -> None:
    parts = [t("leaderboard.votes", n=t.number(fitted.used))]
    if fitted.deblinded_left_out:
        parts.append(t("leaderboard.deblinded_left_out", n=t.number(fitted.deblinded_left_out)))
    if fitted.without_text:
        parts.append(t("leaderboard.without_text", n=t.number(fitted.without_text)))
    st.caption(" · ".join(parts))


def ratings_table(board: Leaderboard) -> None:
    rows = [
        {
            "rank": r.rank_ub,
            "model": model_label(catalog, r.model_id),
            "rating": round(r.rating),
            "interval": t("leaderboard.provisional")
            if r.provisional
            else f"−{r.rating - r.low:.0f} / +{r.high - r.rating:.0f}",
            "battles": r.battles,
            "wins": r.wins,
            "losses": r.losses,
            "ties": r.ties,
            "both_bad": r.both_bad_rate,
        }
        for r in board.ratings
    ]
    config = {name: t(f"leaderboard.col.{name}") for name in rows[0]}
    config["rank"] = st.column_config.NumberColumn(
        t("leaderboard.col.rank"), help=t("leaderboard.rank_help")
    )
    config["both_bad"] = st.column_config.NumberColumn(
        t("leaderboard.col.both_bad"), format="percent", help=t("leaderboard.both_bad_help")
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=config, width="stretch")


def style_effects(board: Leaderboard) -> None:
    """What each style feature was worth to the voters, in rating points."""
    st.caption(t("leaderboard.style_effects_caption"))
    frame = pd.DataFrame(
        [
            {
                "feature": t(f"leaderboard.feature.{e.feature}"),
                "points": round(e.points),
                "interval": f"{e.low:+.0f} … {e.high:+.0f}",
            }
            for e in board.style_effects
        ]
    )
    config = {name: t(f"leaderboard.col.{name}") for name in frame.columns}
    st.dataframe(frame, hide_index=True, column_config=config)


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


# Two matrices side by side fit about six models when the columns are numbered
# (the rows say which model each number is); beyond that they are stacked.
SIDE_BY_SIDE_MODELS = 6


def matrices(board: Leaderboard) -> None:
    """Observed and predicted win rates between every pair, best model first."""
    index = {model: i for i, model in enumerate(board.models)}
    order = [index[r.model_id] for r in board.ratings]
    rows = [f"{k}. {model_label(catalog, board.models[i])}" for k, i in enumerate(order, 1)]
    columns = [str(k) for k in range(1, len(order) + 1)]
    pick = np.ix_(order, order)
    observed = pd.DataFrame(board.win_rate[pick], index=rows, columns=columns)
    predicted = pd.DataFrame(board.predicted[pick], index=rows, columns=columns)
    battles = pd.DataFrame(board.battles[pick].astype(int), index=rows, columns=columns)
    side_by_side = len(order) <= SIDE_BY_SIDE_MODELS
    left, right = st.columns(2) if side_by_side else (st.container(), st.container())
    left.markdown(f"#### {t('leaderboard.win_rate_title')}")
    left.caption(t("leaderboard.win_rate_caption"))
    left.dataframe(observed.style.format("{:.0%}", na_rep="–"), width="stretch", placeholder="–")
    right.markdown(f"#### {t('leaderboard.predicted_title')}")
    caption = "predicted_caption_style" if board.style_effects else "predicted_caption"
    right.caption(t(f"leaderboard.{caption}"))
    right.dataframe(predicted.style.format("{:.0%}", na_rep="–"), width="stretch", placeholder="–")
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
        data=board.votes_csv,
        file_name="votes.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="export-votes",
    )
    bar.download_button(
        t("leaderboard.export_battles"),
        data=lambda: board.battles_csv(user.id),
        file_name="battles.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="export-battles",
        help=t("leaderboard.export_battles_help"),
    )


st.markdown(f"## {t('leaderboard.title')}")
st.caption(t("leaderboard.intro"))
stamp = board.board_stamp()  # a vote added or removed, or a battle deleted
with st.spinner(t("leaderboard.reading"), show_time=True):  # after a restart: ~1 ms a vote
    annotated = votes(stamp)
if annotated:
    options = board_options(annotated)
    with st.spinner(t("leaderboard.fitting"), show_time=True):  # seconds with 100,000 votes
        fitted = ratings(stamp, options)
    selection_caption(fitted)
    if fitted.board.ratings:
        ratings_table(fitted.board)
        if options.style_control:
            style_effects(fitted.board)
        ratings_chart(fitted.board)
        matrices(fitted.board)
    else:
        st.info(t("leaderboard.no_votes_selected"), icon=":material/filter_alt_off:")
else:
    st.info(t("leaderboard.no_votes"), icon=":material/how_to_vote:")
agreement_section(t, catalog, services.agreement, user.id, is_admin=user.is_admin)
feedback.non_blind_board(t, catalog, user.id)
performance_table(performance(board.performance_stamp()))
exports()
