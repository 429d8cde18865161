"""Status: every route's health, its queue and breaker, and the demo's fault switches."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from core.demo.faults import faults_for, set_faults
from core.resilience.breaker import BreakerState
from core.secrets import mask
from core.store.attempts import recent_attempts, route_stats
from ui import state
from ui.bootstrap import ensure_run_through_app
from ui.status_charts import show_latency_chart, show_requests_chart

WINDOW_S = 3600

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = services.catalog
user = state.current_user()

st.markdown(f"## {t('health.title')}")
if not user.is_admin:
    st.info(t("health.admins_only"), icon=":material/lock:")
    st.stop()

since = time.time() - WINDOW_S
stats = {(s.provider_id, s.upstream_model): s for s in route_stats(since)}
breakers = {view.route_key: view for view in services.worker.runtime.breakers.views()}
gates = {view.key: view for view in services.worker.runtime.admission.views()}

rows = []
for model in catalog.models.values():
    for route in model.routes:
        provider = catalog.providers[route.provider]
        stat = stats.get((route.provider, route.model))
        breaker = breakers.get(route.key)
        gate = gates.get(f"route:{route.key}") or gates.get(f"provider:{provider.id}")
        breaker_state = breaker.state if breaker else BreakerState.CLOSED
        rows.append(
            {
                t("health.col.model"): model.label,
                t("health.col.route"): f"{provider.label} · {route.model}",
                t("health.col.available"): "✓" if provider.available else t("model.needs_key"),
                t("health.col.key"): mask(provider.api_key()),  # at most the last 4 characters
                t("health.col.breaker"): t(f"health.breaker.{breaker_state}")
                + (f" ({breaker.retry_in_s:.0f} s)" if breaker and breaker.retry_in_s else ""),
                t("health.col.in_flight"): f"{gate.active}/{gate.capacity}" if gate else "–",
                t("health.col.waiting"): gate.waiting if gate else 0,
                t("health.col.requests"): stat.requests if stat else 0,
                t("health.col.busy_rate"): f"{stat.busy_rate:.0%}" if stat else "–",
                t("health.col.p50"): t.seconds(stat.p50_ms / 1000) if stat and stat.p50_ms else "–",
                t("health.col.p95"): t.seconds(stat.p95_ms / 1000) if stat and stat.p95_ms else "–",
                t("health.col.ttft"): t.seconds(stat.ttft_p50_ms / 1000)
                if stat and stat.ttft_p50_ms
                else "–",
            }
        )
st.caption(t("health.routes_caption"))
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
if any(view.state != BreakerState.CLOSED for view in breakers.values()) and st.button(
    t("health.reset_breakers"), icon=":material/restart_alt:", key="reset-breakers"
):
    services.worker.runtime.breakers.reset()
    st.rerun()

attempts = recent_attempts(since)
if attempts:
    frame = pd.DataFrame(attempts)
    frame["minute"] = pd.to_datetime(frame["started_at"], unit="s").dt.floor("min")
    frame["route"] = frame["provider_id"] + " · " + frame["upstream_model"]
    st.markdown(f"#### {t('health.chart_title')}")
    counts = frame.pivot_table(
        index="minute", columns="outcome", values="route", aggfunc="count", fill_value=0
    )
    show_requests_chart(t, counts)
    latency = frame[frame["outcome"] == "ok"].pivot_table(
        index="minute", columns="route", values="duration_ms", aggfunc="median"
    )
    if not latency.empty:
        st.caption(t("health.latency_caption"))
        show_latency_chart(t, latency / 1000, frame)
else:
    st.caption(t("health.no_requests"))

demo_providers = [p for p in catalog.providers.values() if p.is_demo]
if demo_providers:
    st.markdown(f"#### {t('health.demo_title')}")
    st.caption(t("health.demo_caption"))
    columns = st.columns(len(demo_providers))
    for column, provider in zip(columns, demo_providers, strict=True):
        faults = faults_for(provider.id)
        with column.container(border=True, key=f"faults-{provider.id}"):
            st.markdown(f"**{provider.label}**")
            busy = st.slider(
                t("health.demo_busy"),
                0,
                100,
                int(faults.busy_rate * 100),
                10,
                key=f"busy-{provider.id}",
                format="%d%%",
            )
            retry_after = st.number_input(
                t("health.demo_retry_after"),
                0,
                30,
                int(faults.retry_after),
                key=f"ra-{provider.id}",
            )
            down = st.toggle(t("health.demo_down"), faults.down, key=f"down-{provider.id}")
            set_faults(provider.id, busy_rate=busy / 100, retry_after=float(retry_after), down=down)
