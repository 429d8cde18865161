"""A stored message, rendered: question, or answer with its reasoning panel.

Everything a person or a model wrote goes through `st.markdown` with HTML
disabled (Streamlit's default; `unsafe_allow_html` is never used on it), so
`<script>`, event handlers and `javascript:` links show as text or are
dropped by the renderer, never run.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.catalog import Catalog
from core.i18n import Translator
from core.markdown import prepare_markdown
from core.store.views import ERROR, INTERRUPTED, STOPPED, MessageView
from ui.errors import describe, provider_context
from ui.format import answer_caption, model_label

ASSISTANT_AVATAR = ":material/auto_awesome:"
USER_AVATAR = ":material/person:"


def render_question(message: MessageView, footer: Callable[[], None] | None = None) -> None:
    with st.chat_message("user", avatar=USER_AVATAR):
        st.markdown(prepare_markdown(message.content))
        if footer is not None:
            footer()


def reasoning_label(t: Translator, message: MessageView) -> str:
    if message.reasoning_ms:
        return t("reasoning.thought_for", s=t.seconds(message.reasoning_ms / 1000))
    return t("reasoning.title")


def render_reasoning(t: Translator, message: MessageView, *, lazy: bool) -> None:
    """The collapsed reasoning panel; with `lazy`, its text is sent only once opened."""
    if not message.reasoning:
        return
    with st.container(key=f"reasoning-{message.id}"):
        panel = st.expander(
            reasoning_label(t, message),
            icon=":material/psychology:",
            key=f"reasoning-open-{message.id}" if lazy else None,
            on_change="rerun" if lazy else "ignore",
        )
        if not lazy or panel.open:
            panel.markdown(prepare_markdown(message.reasoning))


def degraded_note(t: Translator, catalog: Catalog, message: MessageView) -> str | None:
    if not message.degraded:
        return None
    return t(
        "answer.degraded",
        model=model_label(catalog, message.model_id),
        requested=model_label(catalog, message.requested_model_id),
    )


def render_answer_body(
    t: Translator, catalog: Catalog, message: MessageView, *, lazy: bool
) -> None:
    note = degraded_note(t, catalog, message)
    if note:
        st.caption(f":material/swap_horiz: {note}")
    render_reasoning(t, message, lazy=lazy)
    if message.content:
        st.markdown(prepare_markdown(message.content))
    render_outcome(t, catalog, message)
    if message.status not in (ERROR,) and (message.content or message.reasoning):
        st.caption(answer_caption(t, catalog, message))


def render_outcome(t: Translator, catalog: Catalog, message: MessageView) -> None:
    """Say plainly when an answer is not complete, and why."""
    context = provider_context(
        catalog, message.requested_model_id or message.model_id, message.provider_id
    )
    if message.status == STOPPED:
        st.caption(f":material/stop_circle: {t('answer.stopped')}")
    elif message.status == INTERRUPTED:
        reason = describe(t, message.error_kind or "interrupted", message.error_detail, **context)
        st.warning(f"{t('answer.interrupted')} {reason}", icon=":material/warning:")
    elif message.status == ERROR:
        st.error(
            describe(t, message.error_kind, message.error_detail, **context),
            icon=":material/error:",
        )
    if message.context_dropped:
        st.caption(t("answer.trimmed", n=message.context_dropped))
