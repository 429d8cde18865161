"""Usage: your tokens and cost by day and model, and what your limits leave you.

Admins of a multi-user app also see everyone's usage (with totals per person
and per provider), export it as CSV, and manage groups, the models each may
use and the limits (ui/team_admin.py). With AUTH_MODE=none the single local
user sees their own usage only.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from core import quotas, usage_report
from ui import auth, state
from ui.bootstrap import ensure_run_through_app
from ui.charts import described_chart
from ui.format import model_label
from ui.team_admin import render_team_admin

ensure_run_through_app()
t = state.t()
user = state.current_user()
services = state.svc()
catalog = state.catalog()
now = time.time()
DAYS = 30  # the period shown

st.markdown(f"## {t('usage.title')}")


def render_allowances() -> None:
    """What each limit leaves, in words a person can act on."""
    allowances = quotas.allowances(services.catalog, user.id, now)
    st.markdown(f"#### {t('usage.left_title')}")
    columns = st.columns(2)
    for column, window in zip(columns, (quotas.DAY, quotas.MONTH), strict=True):
        with column:
            st.caption(t(f"usage.window.{window}"))
            for allowance in (a for a in allowances if a.window == window):
                st.markdown(allowance_sentence(allowance))


def allowance_sentence(allowance: quotas.Allowance) -> str:
    used = amount(allowance.measure, allowance.used)
    if not allowance.limited:
        return t(f"usage.no_limit.{allowance.measure}", used=used)
    key = "usage.reached" if allowance.reached else "usage.left"
    return t(
        f"{key}.{allowance.measure}",
        left=amount(allowance.measure, allowance.left),
        limit=amount(allowance.measure, allowance.limit),
        used=used,
    )


def amount(measure: str, value: float) -> str:
    return f"{int(value):,}" if measure == quotas.TOKENS else f"${value:,.2f}"


def render_own_usage() -> None:
    lines = usage_report.own_usage(services.catalog, user.id, now, DAYS)
    st.markdown(f"#### {t('usage.mine_title', days=DAYS)}")
    if not lines:
        st.caption(t("usage.none_yet"))
        return
    render_charts(lines, series=lambda line: model_label(catalog, line.model_id))
    render_totals(lines, lambda line: model_label(catalog, line.model_id), "usage.col.model")


def render_charts(lines, *, series) -> None:
    """Tokens per day (stacked by `series`), then cost per day, with the numbers in words."""
    tokens = pivot(lines, series, lambda line: line.tokens)
    described_chart(
        tokens,
        kind="bar",
        description=t("usage.chart_tokens_described", total=f"{int(tokens.to_numpy().sum()):,}"),
        x_title=t("usage.col.day"),
        y_title=t("usage.col.tokens"),
        series_title=t("usage.col.series"),
    )
    cost = pivot(lines, series, lambda line: line.cost_usd or 0.0)
    if cost.to_numpy().sum() > 0:
        described_chart(
            cost,
            kind="line",
            description=t("usage.chart_cost_described", total=f"${cost.to_numpy().sum():,.2f}"),
            x_title=t("usage.col.day"),
            y_title=t("usage.col.cost"),
            series_title=t("usage.col.series"),
        )


def pivot(lines, series, value) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "day": [pd.Timestamp(line.day) for line in lines],
            "series": [series(line) for line in lines],
            "value": [value(line) for line in lines],
        }
    )
    wide = frame.pivot_table(index="day", columns="series", values="value", aggfunc="sum")
    # Every day of the period, used or not: the time axis spans it, and one
    # day's bar is not a sliver across the whole chart.
    today = pd.Timestamp(time.strftime("%Y-%m-%d", time.gmtime(now)))
    wide = wide.reindex(pd.date_range(end=today, periods=DAYS, freq="D"))
    wide.index.name = "day"
    return wide.fillna(0)


def render_totals(lines, key, key_title: str) -> None:
    totals = usage_report.totals(lines, key)
    frame = pd.DataFrame(
        {
            "key": [total.key for total in totals],
            "answers": [total.answers for total in totals],
            "tokens": [total.tokens for total in totals],
            "cost": [total.cost_usd for total in totals],
        }
    )
    config = {
        "key": st.column_config.TextColumn(t(key_title)),
        "answers": st.column_config.NumberColumn(t("usage.col.answers")),
        "tokens": st.column_config.NumberColumn(t("usage.col.tokens"), format="localized"),
        "cost": st.column_config.NumberColumn(t("usage.col.cost"), format="$%.4f"),
    }
    st.dataframe(frame, hide_index=True, column_config=config, width="stretch")


def render_everyone() -> None:
    lines = usage_report.everyone_usage(services.catalog, user.id, now, DAYS)
    st.markdown(f"#### {t('usage.everyone_title', days=DAYS)}")
    st.download_button(
        t("usage.export"),
        data=lambda: usage_report.usage_csv(services.catalog, user.id, time.time(), DAYS),
        file_name="usage.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="export-usage",
    )
    if not lines:
        st.caption(t("usage.none_yet"))
        return
    render_charts(lines, series=lambda line: line.username)
    st.markdown(f"##### {t('usage.by_provider')}")
    render_totals(
        lines,
        lambda line: (
            catalog.providers[line.provider_id].label
            if line.provider_id in catalog.providers
            else line.provider_id
        ),
        "usage.col.provider",
    )
    st.markdown(f"##### {t('usage.by_person')}")
    render_totals(lines, lambda line: line.username, "usage.col.person")
    st.markdown(f"##### {t('usage.by_model')}")
    render_totals(lines, lambda line: model_label(catalog, line.model_id), "usage.col.model")


render_allowances()
render_own_usage()
if user.is_admin and auth.settings().multi_user:
    st.divider()
    render_everyone()
    st.divider()
    render_team_admin(t, user, services.catalog)
