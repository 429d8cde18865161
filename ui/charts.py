"""Charts a screen reader can follow: a described picture plus the numbers in words.

Streamlit's st.bar_chart / st.line_chart draw Vega-Lite SVGs whose marks carry
role="graphics-symbol" with no name (axe: svg-img-alt, serious). Here the chart
is drawn with the marks' ARIA switched off, the picture as a whole gets a
description (its aria-label), and the caller shows the same facts as text
(WCAG 1.1.1: a text alternative that says what the chart shows).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st


def described_chart(
    frame: pd.DataFrame,
    *,
    kind: str,
    description: str,
    x_title: str,
    y_title: str,
    series_title: str,
    height: int = 220,
) -> None:
    """A bar ("bar") or line ("line") chart of a wide frame: index on x, one series a column."""
    x_name = frame.index.name or "x"
    long = frame.reset_index(names=x_name).melt(
        id_vars=x_name, var_name="series", value_name="value"
    )
    mark = (
        alt.Chart(long).mark_bar(aria=False)
        if kind == "bar"
        else alt.Chart(long).mark_line(aria=False, point=False)
    )
    chart = mark.encode(
        x=alt.X(f"{x_name}:T", title=x_title, axis=alt.Axis(aria=False)),
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(aria=False), stack=kind == "bar"),
        color=alt.Color("series:N", title=series_title, legend=alt.Legend(aria=False)),
        tooltip=[f"{x_name}:T", "series:N", "value:Q"],
    ).properties(description=description, height=height)
    st.altair_chart(chart, width="stretch")
