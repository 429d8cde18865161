"""Status: every route's health, its queue and breaker, and the demo's fault switches."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import state
from ui.bootstrap import ensure_run_through_app
from ui.fault_switches import show_fault_switches
from ui.status_charts import show_latency_chart, show_requests_chart

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = state.catalog()  # in the reader's language
user = state.current_user()

st.markdown(f"## {t('health.title')}")
if not user.is_admin:
    st.info(t("health.admins_only"), icon=":material/lock:")
    st.stop()

report = services.health.report(catalog)  # typed rows, labelled in the reader's language


def seconds_or_dash(value: float | None) -> str:
    return t.seconds(value) if value else "–"


rows = [
    {
        t("health.col.model"): route.model_label,
        t("health.col.route"): route.route_label,
        t("health.col.available"): "✓" if route.available else t("model.needs_key"),
        t("health.col.key"): route.key_hint,
        t("health.col.breaker"): t(f"health.breaker.{route.breaker.state}")
        + (f" ({route.breaker.retry_in_s:.0f} s)" if route.breaker.retry_in_s else ""),
        t("health.col.in_flight"): f"{route.line.active}/{route.line.capacity}"
        if route.line
        else "–",
        t("health.col.waiting"): route.line.waiting if route.line else 0,
        t("health.col.requests"): route.requests,
        t("health.col.busy_rate"): f"{route.busy_rate:.0%}" if route.busy_rate is not None else "–",
        t("health.col.p50"): seconds_or_dash(route.latency_p50_s),
        t("health.col.p95"): seconds_or_dash(route.latency_p95_s),
        t("health.col.ttft"): seconds_or_dash(route.ttft_p50_s),
    }
    for route in report.routes
]
st.caption(t("health.routes_caption"))
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
if report.any_paused and st.button(
    t("health.reset_breakers"), icon=":material/restart_alt:", key="reset-breakers"
):
    services.health.close_breakers()
    st.rerun()

if not report.requests_per_minute.empty:
    st.markdown(f"#### {t('health.chart_title')}")
    show_requests_chart(t, report.requests_per_minute)
    if not report.latency_per_minute_s.empty:
        st.caption(t("health.latency_caption"))
        medians = {
            route.route_label: route.latency_p50_s
            for route in report.routes
            if route.latency_p50_s is not None
        }
        show_latency_chart(t, report.latency_per_minute_s, medians)
else:
    st.caption(t("health.no_requests"))

demo_providers = [p for p in catalog.providers.values() if p.is_demo]
if demo_providers:
    st.markdown(f"#### {t('health.demo_title')}")
    st.caption(t("health.demo_caption"))
    columns = st.columns(len(demo_providers))
    for column, provider in zip(columns, demo_providers, strict=True):
        with column:
            show_fault_switches(t, provider)
