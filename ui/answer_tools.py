"""The row under an answer: copy as Markdown, regenerate (same or another model)."""

from __future__ import annotations

import streamlit as st

from core.chat import Choice
from core.errors import AppError
from core.i18n import Translator
from core.store.views import MessageView
from ui import state
from ui.errors import describe
from ui.focus import clear_focus
from ui.format import escape_markdown


def copy_button(t: Translator, message: MessageView) -> None:
    """A popover with the answer's Markdown source; `st.code` adds the copy button.

    Lazy: the text is sent to the browser only when the popover is opened.
    """
    popover = _lazy_popover(t, "copy", ":material/content_copy:", f"copy-{message.id}")
    if popover.open:
        popover.code(message.content, language="markdown", wrap_lines=True)


def regenerate_buttons(t: Translator, user_id: int, message: MessageView) -> None:
    """Regenerate with the same model, or pick another one; the old answer stays."""
    services = state.svc()
    same = services.chat.choice_of(message, allow_fallback=state.allow_fallback())
    if st.button(
        t("history.answer.regenerate"),
        icon=":material/refresh:",
        key=f"regenerate-{message.id}",
        type="tertiary",
        help=t("history.answer.regenerate_help"),
    ):
        _regenerate(t, user_id, message, same)
    popover = _lazy_popover(
        t, "other_model", ":material/swap_horiz:", f"regenerate-with-{message.id}"
    )
    if not popover.open:
        return
    catalog = state.catalog()  # in the reader's language
    others = [
        model
        for model in catalog.models.values()
        if model.id != same.model_id and catalog.is_available(model)
    ]
    if not others:
        popover.caption(t("history.answer.no_models"))
    for model in others:
        if popover.button(
            escape_markdown(model.label), key=f"regenerate-{message.id}-{model.id}", width="stretch"
        ):
            _regenerate(t, user_id, message, Choice(model.id, allow_fallback=same.allow_fallback))


def _lazy_popover(t: Translator, name: str, icon: str, key: str):
    """A small popover whose content is built (and sent) only while it is open."""
    return st.popover(
        t(f"history.answer.{name}"),
        icon=icon,
        key=key,
        type="tertiary",
        help=t(f"history.answer.{name}_help"),
        on_change="rerun",
    )


def _regenerate(t: Translator, user_id: int, message: MessageView, choice: Choice) -> None:
    try:
        state.svc().chat.regenerate(user_id, message.id, choice)
    except AppError as error:
        st.error(describe(t, error.kind, error.detail), icon=":material/error:")
        return
    clear_focus()
    st.rerun()
