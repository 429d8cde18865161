"""Choosing a model: a labelled list, a one-line description, a deep-thinking switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from core.catalog import Catalog, Model
from core.i18n import Translator
from ui.format import escape_markdown, model_summary


@dataclass(frozen=True)
class Picked:
    model: Model
    thinking: bool | None
    available: bool


def model_option_label(t: Translator, catalog: Catalog, model_id: str) -> str:
    model = catalog.models[model_id]
    if catalog.is_available(model):
        return model.label
    return f"{model.label} · {t('model.needs_key')}"


def pick_model(
    t: Translator,
    catalog: Catalog,
    *,
    key: str,
    model_id: str | None,
    thinking: bool | None,
    on_change: Callable[[], None] | None = None,
    label_visibility: str = "collapsed",
) -> Picked:
    options = list(catalog.models)
    if model_id not in catalog.models:
        model_id = catalog.default_model
    chosen = st.selectbox(
        t("model.pick"),
        options,
        index=options.index(model_id),
        format_func=lambda mid: model_option_label(t, catalog, mid),
        key=f"{key}-model",
        on_change=on_change,
        label_visibility=label_visibility,
    )
    model = catalog.models[chosen]
    if model.has_thinking_switch:
        thinking = st.toggle(
            t("model.deep_thinking"),
            value=model.reasoning if thinking is None else thinking,
            key=f"{key}-thinking-{chosen}",
            on_change=on_change,
            help=t("model.deep_thinking_help"),
        )
    else:
        thinking = None
    available = catalog.is_available(model)
    return Picked(model, thinking, available)


def describe_pick(t: Translator, catalog: Catalog, picked: Picked) -> None:
    """The line under the picker, and what to do when the model is not set up."""
    summary = model_summary(t, catalog, picked.model)
    if picked.model.description:
        summary = f"{summary}  \n{escape_markdown(picked.model.description)}"
    st.caption(summary)
    if not picked.available:
        keys = escape_markdown(" / ".join(catalog.missing_keys(picked.model)))
        st.warning(t("model.enable_hint", key_env=keys), icon=":material/key:")
