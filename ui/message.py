"""A stored message, rendered: question, or answer with its reasoning panel.

Everything a person or a model wrote goes through `render_text`: Markdown
with HTML disabled (Streamlit's default; `unsafe_allow_html` is never used
on it) after `prepare_markdown` defused unsafe links, so `<script>`, event
handlers and `javascript:` links show as text, never run; or plain text
when it is too heavy for the browser to lay out as Markdown.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.catalog import Catalog
from core.i18n import Translator
from core.markdown import prepare_markdown, too_heavy_for_markdown
from core.store.views import ERROR, INTERRUPTED, STOPPED, MessageView
from ui import state
from ui.errors import describe, provider_context
from ui.format import answer_caption, model_name

ASSISTANT_AVATAR = ":material/auto_awesome:"
USER_AVATAR = ":material/person:"


PREVIEW_CHARS = 5_000  # of a text shown as plain text; the rest loads when asked for


def render_text(t: Translator, text: str, *, key: str) -> None:
    """What a person or a model wrote: Markdown, or plain text if it is too heavy.

    A heavy text (a megabyte paste, thousands of markers) shows its start,
    and the rest only when its expander is opened, so reruns stay cheap.
    """
    if not too_heavy_for_markdown(text):
        st.markdown(prepare_markdown(text))
        return
    st.caption(f":material/notes: {t('message.plain_text')}")
    st.text(text[:PREVIEW_CHARS])
    rest = text[PREVIEW_CHARS:]
    if rest:
        panel = st.expander(
            t("message.show_rest", n=t.number(len(rest))), key=f"rest-{key}", on_change="rerun"
        )
        if panel.open:
            panel.text(rest)


def render_kept_text(text: str) -> None:
    """Text kept for the user to copy (a message that could not be sent)."""
    if too_heavy_for_markdown(text):
        st.text(text)  # a code block of a megabyte takes the browser most of a minute
    else:
        st.code(text, language=None, wrap_lines=True)


def render_question(message: MessageView, footer: Callable[[], None] | None = None) -> None:
    with st.chat_message("user", avatar=USER_AVATAR):
        render_text(state.t(), message.content, key=f"q-{message.id}")
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
            with panel:
                render_text(t, message.reasoning, key=f"reasoning-{message.id}")


def degraded_note(t: Translator, catalog: Catalog, message: MessageView) -> str | None:
    if not message.degraded:
        return None
    return t(
        "answer.degraded",
        model=model_name(catalog, message.model_id),
        requested=model_name(catalog, message.requested_model_id),
    )


def render_answer_body(
    t: Translator, catalog: Catalog, message: MessageView, *, lazy: bool
) -> None:
    note = degraded_note(t, catalog, message)
    if note:
        st.caption(f":material/swap_horiz: {note}")
    render_reasoning(t, message, lazy=lazy)
    if message.content:
        render_text(t, message.content, key=f"a-{message.id}")
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
        st.caption(t("answer.trimmed", n=t.number(message.context_dropped)))
