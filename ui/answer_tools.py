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


def copy_button(t: Translator, message: MessageView) -> None:
    """A popover with the answer's Markdown source; `st.code` adds the copy button.

    Lazy: the text is sent to the browser only when the popover is opened.
    """
    popover = st.popover(
        t("history.answer.copy"),
        icon=":material/content_copy:",
        key=f"copy-{message.id}",
        type="tertiary",
        help=t("history.answer.copy_help"),
        on_change="rerun",
    )
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
    popover = st.popover(
        t("history.answer.other_model"),
        icon=":material/swap_horiz:",
        key=f"regenerate-with-{message.id}",
        type="tertiary",
        help=t("history.answer.other_model_help"),
        on_change="rerun",
    )
    if not popover.open:
        return
    catalog = services.catalog
    others = [
        model
        for model in catalog.models.values()
        if model.id != same.model_id and catalog.is_available(model)
    ]
    if not others:
        popover.caption(t("history.answer.no_models"))
    for model in others:
        if popover.button(model.label, key=f"regenerate-{message.id}-{model.id}", width="stretch"):
            _regenerate(t, user_id, message, Choice(model.id, allow_fallback=same.allow_fallback))


def _regenerate(t: Translator, user_id: int, message: MessageView, choice: Choice) -> None:
    try:
        state.svc().chat.regenerate(user_id, message.id, choice)
    except AppError as error:
        st.error(describe(t, error.kind, error.detail), icon=":material/error:")
        return
    clear_focus()
    st.rerun()
