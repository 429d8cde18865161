"""The leaderboard's judge–human agreement: may a team trust a judge model?

A person picks a judge and re-judges the newest blind battles; the table shows,
per judge, the share of human votes it agrees with and its 95 % interval
(core/judging/agreement.py). Refreshed while a re-judging runs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.catalog import Catalog
from core.errors import AppError
from core.i18n import Translator
from core.judging.agreement import (
    DEFAULT_SAMPLE,
    AgreementRunner,
    agreements_csv,
    all_agreements,
)
from ui.errors import describe
from ui.format import model_label
from ui.model_picker import model_option_label

REFRESH_S = 1.0


def agreement_section(
    t: Translator, catalog: Catalog, runner: AgreementRunner, user_id: int, *, is_admin: bool
) -> None:
    st.markdown(f"### {t('leaderboard.agreement.title')}")
    st.caption(t("leaderboard.agreement.intro"))
    bar = st.container(horizontal=True, vertical_alignment="bottom")
    judge = bar.selectbox(
        t("leaderboard.agreement.judge"),
        list(catalog.models),
        format_func=lambda mid: model_option_label(t, catalog, mid),
        key="agreement-judge",
    )
    sample = bar.number_input(
        t("leaderboard.agreement.sample"),
        min_value=1,
        max_value=1000,
        value=DEFAULT_SAMPLE,
        step=10,
        key="agreement-sample",
    )
    if not is_admin:
        st.caption(t("leaderboard.agreement.admins_only"))
    elif bar.button(t("leaderboard.agreement.run"), icon=":material/gavel:", key="agreement-run"):
        try:
            queued = runner.start(user_id, judge, sample=int(sample))
        except AppError as error:
            st.error(describe(t, error.kind, error.detail), icon=":material/error:")
        else:
            if not queued:
                st.info(t("leaderboard.agreement.nothing"), icon=":material/check:")
    running = any(runner.is_running(m) for m in catalog.models)
    st.fragment(_table, run_every=REFRESH_S if running else None)(t, catalog)


def _table(t: Translator, catalog: Catalog) -> None:
    found = all_agreements()
    if not found:
        st.caption(t("leaderboard.agreement.none_yet"))
        return
    rows = [
        {
            "judge": model_label(catalog, a.judge_model_id),
            "agreement": a.share.value if a.share else None,
            "interval": f"{a.share.low:.0%} – {a.share.high:.0%}" if a.share else "–",
            "compared": a.compared,
            "inconsistent": a.inconsistent,
            "unscored": a.unscored,
            "failed": a.failed,
            "waiting": a.waiting,
        }
        for a in found
    ]
    config = {key: t(f"leaderboard.agreement.col.{key}") for key in rows[0]}
    config["agreement"] = st.column_config.NumberColumn(
        t("leaderboard.agreement.col.agreement"), format="percent"
    )
    config["inconsistent"] = st.column_config.NumberColumn(
        t("leaderboard.agreement.col.inconsistent"),
        help=t("leaderboard.agreement.inconsistent_help"),
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config=config, width="stretch")
    st.download_button(
        t("leaderboard.agreement.export"),
        data=agreements_csv(found),
        file_name="judge-agreement.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="export-agreement",
    )
