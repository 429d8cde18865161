"""The temporary chat: a switch on the new-chat screen, and the chat it opens.

The chat itself lives in the process (core/temporary.py); this page keeps only
its id, in the URL (`?tmp=`), so a reload of the tab opens it again and follows
an answer still being written. Turning the switch off forgets it; New chat or a
conversation in the sidebar leaves it (it is then forgotten within the hour).
"""

from __future__ import annotations

import streamlit as st

from core.catalog import Catalog
from core.chat import Choice
from core.errors import AppError
from core.i18n import Translator
from core.services import Services
from core.store.views import MessageView, UserView
from ui import state
from ui.errors import describe
from ui.live import LiveAnswer, follow
from ui.message import ASSISTANT_AVATAR, render_answer_body, render_kept_text, render_question
from ui.model_picker import Picked, describe_pick, pick_model

TEMPORARY_PARAM = "tmp"  # the open temporary chat's id, in the URL
UNSENT = "temporary-unsent"  # (text, error kind, detail) of a send that was refused


def requested() -> str | None:
    return st.query_params.get(TEMPORARY_PARAM)


def temporary_switch(t: Translator, services: Services, user_id: int) -> None:
    """On the new-chat screen: turning it on opens a new temporary chat."""
    st.toggle(
        t("temporary.switch"),
        value=False,
        key="temporary-off",
        help=t("temporary.help"),
        on_change=_turn_on,
        args=(services, user_id),
    )


def _turn_on(services: Services, user_id: int) -> None:
    st.query_params[TEMPORARY_PARAM] = services.temporary.start(user_id)
    st.session_state.pop("temporary-off", None)  # off again when the chat is left


def _turn_off(services: Services, user_id: int) -> None:
    services.temporary.forget(user_id, requested())
    st.session_state.pop(UNSENT, None)
    st.session_state.pop("temporary-on", None)  # on again in the next temporary chat
    st.query_params.pop(TEMPORARY_PARAM, None)


def show(t: Translator, services: Services, catalog: Catalog, user: UserView) -> bool:
    """Draw the temporary chat the URL names; False (and a note) when it is gone:
    turned off in another tab, forgotten after an hour, or the app restarted."""
    chat_id = requested()
    if not services.temporary.exists(user.id, chat_id):
        st.query_params.pop(TEMPORARY_PARAM, None)
        st.info(t("temporary.gone"), icon=":material/visibility_off:")
        return False
    picked = _header(t, services, catalog, user)
    messages = services.temporary.messages(user.id, chat_id)
    live = [answer for m in messages if (answer := _message(t, services, catalog, user, m))]
    _unsent(t)
    busy = bool(live)
    placeholder = t("chat.answering") if busy else t("chat.placeholder", model=picked.model.label)
    st.chat_input(
        placeholder,
        disabled=busy or not picked.available,
        key="temporary-input",
        on_submit=_send,
        args=(services, user.id, picked),
    )
    if live:
        follow(live)
    return True


def _header(t: Translator, services: Services, catalog: Catalog, user: UserView) -> Picked:
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        picked = pick_model(
            t,
            catalog,
            key="picker-temporary",
            model_id=st.session_state.get("new-chat-model"),
            thinking=None,
        )
    with right:
        st.toggle(
            t("temporary.switch"),
            value=True,
            key="temporary-on",
            help=t("temporary.help"),
            on_change=_turn_off,
            args=(services, user.id),
        )
    describe_pick(t, catalog, picked)
    st.caption(f":material/visibility_off: {t('temporary.banner')}")
    return picked


def _message(
    t: Translator, services: Services, catalog: Catalog, user: UserView, message: MessageView
) -> LiveAnswer | None:
    """Draw one message; an answer still being written is returned, to follow."""
    if message.role == "user":
        render_question(message)
        return None
    progress = services.temporary.progress_of(user.id, requested(), message.id)
    with st.chat_message("assistant", avatar=ASSISTANT_AVATAR):
        if progress is not None:
            if st.button(t("answer.stop"), key=f"stop-{message.id}", icon=":material/stop:"):
                services.temporary.stop(user.id, requested(), message.id)
                st.rerun()
            return LiveAnswer(t, catalog, progress, st.container(), side_channel=True)
        render_answer_body(t, catalog, message, lazy=False)
    return None


def _send(services: Services, user_id: int, picked: Picked) -> None:
    """The chat input's callback: ask, or keep the text on screen with why not."""
    text = st.session_state.get("temporary-input")
    if not text or not picked.available:
        return
    choice = Choice(picked.model.id, picked.thinking, allow_fallback=state.allow_fallback())
    try:
        services.temporary.send(user_id, requested(), text, choice)
    except AppError as error:
        st.session_state[UNSENT] = (text, error.kind, error.detail)
        return
    st.session_state.pop(UNSENT, None)


def _unsent(t: Translator) -> None:
    unsent = st.session_state.get(UNSENT)
    if unsent:
        text, kind, detail = unsent
        st.error(describe(t, kind, detail), icon=":material/error:")
        st.caption(t("chat.unsent"))
        render_kept_text(text)
