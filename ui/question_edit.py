"""Editing a question already sent, and sending it again as a new branch.

The edited question is a sibling of the old one (core/chat.py `edit`): the
old question and everything after it stay reachable with the pager.
"""

from __future__ import annotations

import streamlit as st

from core.chat import Choice
from core.errors import AppError
from core.i18n import Translator
from core.store.views import MessageView
from ui import state
from ui.errors import describe
from ui.focus import clear_focus
from ui.message import USER_AVATAR

_EDITING = "editing_question"


def is_editing(message_id: int) -> bool:
    return st.session_state.get(_EDITING) == message_id


def edit_button(t: Translator, message: MessageView, *, disabled: bool) -> None:
    if st.button(
        t("history.question.edit"),
        icon=":material/edit:",
        key=f"edit-{message.id}",
        type="tertiary",
        disabled=disabled,
    ):
        st.session_state[_EDITING] = message.id
        st.rerun()


def edit_form(t: Translator, user_id: int, message: MessageView, choice: Choice) -> None:
    """The question in a text box; Send asks it as a new version, Cancel leaves it."""
    with (
        st.chat_message("user", avatar=USER_AVATAR),
        st.form(f"edit-form-{message.id}", border=False),
    ):
        text = st.text_area(
            t("history.question.edit_label"),
            value=message.content,
            key=f"edit-text-{message.id}",
            label_visibility="collapsed",
        )
        with st.container(horizontal=True):
            send = st.form_submit_button(
                t("history.question.resend"),
                icon=":material/send:",
                type="primary",
                key=f"edit-send-{message.id}",
            )
            cancel = st.form_submit_button(
                t("history.question.cancel"), key=f"edit-cancel-{message.id}"
            )
    if cancel or (send and text.strip() == message.content.strip()):  # nothing changed
        st.session_state.pop(_EDITING, None)
        st.rerun()
    if send:
        try:
            state.svc().chat.edit(user_id, message.id, text, choice)
        except AppError as error:
            # The text stays in the box: nothing typed is lost.
            st.error(describe(t, error.kind, error.detail), icon=":material/error:")
            return
        st.session_state.pop(_EDITING, None)
        clear_focus()
        st.rerun()
