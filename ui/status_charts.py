"""The Status page's two charts, each with its text alternative (docs/accessibility.md).

A chart alone says nothing to a screen reader or to someone who cannot make
out the colours: each gets a description on the picture and a caption with
the same facts in a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.i18n import Translator
from ui.charts import described_chart
from ui.format import escape_markdown


def show_requests_chart(t: Translator, counts: pd.DataFrame) -> None:
    """Requests per minute (rows) and outcome (columns)."""
    described_chart(
        counts,
        kind="bar",
        description=t("a11y.requests_chart"),
        x_title=t("a11y.minute"),
        y_title=t("a11y.requests"),
        series_title=t("a11y.outcome"),
    )
    per_minute = counts.sum(axis=1)
    outcomes = ", ".join(f"{name} {int(total)}" for name, total in counts.sum().items())
    st.caption(
        t(
            "a11y.requests_summary",
            total=int(per_minute.sum()),
            outcomes=escape_markdown(outcomes),
            minute=escape_markdown(per_minute.idxmax().strftime("%H:%M UTC")),
            peak=int(per_minute.max()),
        )
    )


def show_latency_chart(t: Translator, seconds: pd.DataFrame, medians: Mapping[str, float]) -> None:
    """Median seconds per minute (rows) and route (columns); `medians`: each route's hour."""
    described_chart(
        seconds,
        kind="line",
        description=t("a11y.latency_chart"),
        x_title=t("a11y.minute"),
        y_title=t("a11y.seconds"),
        series_title=t("a11y.route"),
    )
    routes = ", ".join(f"{route} {t.seconds(value)}" for route, value in medians.items())
    st.caption(t("a11y.latency_summary", routes=escape_markdown(routes)))
