"""A judged batch on the Batch page: choosing the judge, and reading its results.

The numbers come from core/judging/report.py; this module only lays them out:
a summary per column (pass rate and mean score with their 95 % intervals,
the pairwise record), the judge's own Bradley–Terry board, and its cost.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.batch import JudgeSetting
from core.catalog import Catalog
from core.i18n import Translator
from core.judging.report import LABEL_PROMPT_CHARS, BatchReport
from core.judging.stats import Estimate
from core.judging.verdicts import PAIRWISE, POINTWISE
from core.model_settings import ModelSettings
from core.store.batches import BatchColumnView
from ui.format import model_label, model_name
from ui.model_picker import model_option_label

NO_JUDGE = ""


def judge_picker(
    t: Translator, catalog: Catalog, settings: list[ModelSettings]
) -> JudgeSetting | None:
    """The judge's model, its mode and (pairwise) the baseline column; None: no judge."""
    judge = st.selectbox(
        t("batch.judge.model"),
        [NO_JUDGE, *catalog.models],
        format_func=lambda mid: (
            t("batch.judge.none") if mid == NO_JUDGE else model_option_label(t, catalog, mid)
        ),
        help=t("batch.judge.help"),
        key="batch-judge",
    )
    if judge == NO_JUDGE:
        return None
    mode = st.radio(
        t("batch.judge.mode"),
        [POINTWISE, PAIRWISE],
        format_func=lambda m: t(f"batch.judge.mode_{m}"),
        horizontal=True,
        key="batch-judge-mode",
    )
    if mode == POINTWISE:
        return JudgeSetting(judge, POINTWISE)
    if len(settings) < 2:
        st.info(t("batch.judge.pairwise_needs_two"), icon=":material/info:")
        return JudgeSetting(judge, PAIRWISE, None)
    baseline = st.selectbox(
        t("batch.judge.baseline"),
        range(len(settings)),
        format_func=lambda i: f"{i + 1}. {model_option_label(t, catalog, settings[i].model_id)}",
        key="batch-judge-baseline",
    )
    return JudgeSetting(judge, PAIRWISE, baseline)


def column_names(catalog: Catalog, columns: list[BatchColumnView]) -> dict[int, str]:
    """Each column's name in the reader's language, numbered when a model repeats."""
    names = {}
    for position, column in enumerate(columns, start=1):
        name = model_label(catalog, column.model_id)
        if column.temperature is not None:
            name += f" · t={column.temperature:g}"
        if column.system_prompt:  # a prompt variant; names are escaped where shown
            flat = " ".join(column.system_prompt.split())
            cut = flat[:LABEL_PROMPT_CHARS] + ("…" if len(flat) > LABEL_PROMPT_CHARS else "")
            name += f" · “{cut}”"
        names[column.id] = f"{position}. {name}"
    return names


def _interval(est: Estimate | None, percent: bool) -> str:
    if est is None:
        return "–"
    if percent:
        return f"{est.value:.0%} [{est.low:.0%}, {est.high:.0%}] n={est.n}"
    return f"{est.value:.2f} [{est.low:.2f}, {est.high:.2f}] n={est.n}"


def summary(t: Translator, catalog: Catalog, report: BatchReport, names: dict[int, str]) -> None:
    """Pass rate and mean score per column with 95 % intervals, then the judge's board."""
    pairwise = report.judge is not None and report.judge.mode == PAIRWISE
    rows = []
    for col in report.columns:
        row = {
            "column": names[col.column_id]
            + (f" ({t('batch.judge.baseline_mark')})" if col.is_baseline else ""),
            "pass_rate": _interval(col.pass_rate, percent=True),
            "score": _interval(col.score, percent=False),
            "unscored": col.malformed + col.refused,
            "judge_failed": col.judge_failed,
        }
        if pairwise:
            row["record"] = "" if col.is_baseline else f"{col.wins} / {col.ties} / {col.losses}"
        rows.append(row)
    config = {key: t(f"batch.summary.{key}") for key in rows[0]}
    config["pass_rate"] = st.column_config.TextColumn(
        t("batch.summary.pass_rate"), help=t("batch.summary.pass_rate_help")
    )
    config["score"] = st.column_config.TextColumn(
        t("batch.summary.score"), help=t("batch.summary.score_help")
    )
    config["unscored"] = st.column_config.NumberColumn(
        t("batch.summary.unscored"), help=t("batch.summary.unscored_help")
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=config, width="stretch")
    if report.judge is None:
        return
    cost = report.cost
    st.caption(
        t(
            "batch.judge.cost" if cost.cost_usd is not None else "batch.judge.cost_unpriced",
            judge=model_name(catalog, report.judge.model_id),
            done=t.number(cost.complete),
            total=t.number(cost.requests),
            cost=round(cost.cost_usd or 0.0, 4),
            tokens=t.number(cost.prompt_tokens + cost.completion_tokens),
        )
    )
    board(t, report, names)


def board(t: Translator, report: BatchReport, names: dict[int, str]) -> None:
    """The judge's Bradley–Terry board: its own, never mixed with human votes."""
    if report.board is None or not report.board.ratings:
        return
    st.caption(t("batch.judge.board_caption"))
    rows = [
        {
            "rank": r.rank_ub,
            "column": names.get(report.by_label.get(r.model_id), r.model_id),
            "rating": round(r.rating),
            "interval": f"{r.low:.0f} – {r.high:.0f}",
            "battles": r.battles,
        }
        for r in report.board.ratings
    ]
    config = {key: t(f"batch.board.{key}") for key in rows[0]}
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=config, width="stretch")
