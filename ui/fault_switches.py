"""The Status page's fault switches for one offline demo provider.

The switches are shared: by every session of the process, and on PostgreSQL
by every replica (core/demo/shared_faults.py). So a page must not write back
what it drew a while ago: it writes only when its own widget changes
(`on_change`), and before drawing it refreshes widgets whose switches were
changed elsewhere since it last drew them.
"""

from __future__ import annotations

import streamlit as st

from core.catalog import Provider
from core.demo.faults import Faults, faults_for, set_faults
from core.errors import StorageError
from core.i18n import Translator
from ui.errors import describe
from ui.format import escape_markdown


def _keys(provider_id: str) -> dict[str, str]:
    return {
        "busy": f"busy-{provider_id}",
        "retry_after": f"ra-{provider_id}",
        "down": f"down-{provider_id}",
        "shown": f"faults-shown-{provider_id}",
        "error": f"faults-error-{provider_id}",
    }


def _draw_from(faults: Faults, keys: dict[str, str]) -> None:
    st.session_state[keys["busy"]] = round(faults.busy_rate * 100)
    st.session_state[keys["retry_after"]] = round(faults.retry_after)
    st.session_state[keys["down"]] = faults.down
    st.session_state[keys["shown"]] = faults


def _switch(provider_id: str) -> None:
    """A widget changed: write all three switches (the others as drawn with it)."""
    keys = _keys(provider_id)
    state = st.session_state
    try:
        updated = set_faults(
            provider_id,
            busy_rate=state[keys["busy"]] / 100,
            retry_after=float(state[keys["retry_after"]]),
            down=bool(state[keys["down"]]),
        )
    except StorageError as error:  # not switched anywhere: the widgets go back
        state[keys["error"]] = error.kind
        return
    state[keys["shown"]] = updated
    state.pop(keys["error"], None)


def show_fault_switches(t: Translator, provider: Provider) -> None:
    keys = _keys(provider.id)
    faults = faults_for(provider.id)
    if st.session_state.get(keys["shown"]) != faults:
        _draw_from(faults, keys)  # switched in another session or replica meanwhile
    with st.container(border=True, key=f"faults-{provider.id}"):
        st.markdown(f"**{escape_markdown(provider.label)}**")
        error = st.session_state.pop(keys["error"], None)
        if error:
            st.error(describe(t, error), icon=":material/error:")
        st.slider(
            t("health.demo_busy"),
            0,
            100,
            step=10,
            key=keys["busy"],
            format="%d%%",
            on_change=_switch,
            args=(provider.id,),
        )
        st.number_input(
            t("health.demo_retry_after"),
            0,
            30,
            key=keys["retry_after"],
            on_change=_switch,
            args=(provider.id,),
        )
        st.toggle(t("health.demo_down"), key=keys["down"], on_change=_switch, args=(provider.id,))
