"""Per-session view state: who is here, which language, which conversation.

`st.session_state` holds ids and view choices only; the database holds the
conversations and the worker holds the answers being written.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from core import access
from core.catalog import Catalog, localized
from core.i18n import Translator, locale_from
from core.services import Services, services
from core.store.views import UserView
from ui import auth
from ui.focus import MESSAGE_PARAM

LOCALE = "locale"
CONVERSATION = "conversation_id"
CONVERSATION_PARAM = "c"  # the open conversation's public id, in the URL
ALLOW_FALLBACK = "allow_fallback"


def svc() -> Services:
    return services()


def catalog() -> Catalog:
    """The model catalog in this session's language (labels, descriptions),
    with only the models the signed-in person may use (core/access.py).

    Core code keeps the catalog as written; pages show this one.
    """
    shown = localized(svc().catalog, t().locale)
    user = auth.signed_in_user()
    return shown if user is None else access.allowed_catalog(shown, user.id)


def t() -> Translator:
    """The translator for this session: the browser's language until the user picks one."""
    if LOCALE not in st.session_state:
        st.session_state[LOCALE] = locale_from(st.context.locale)
    return Translator(st.session_state[LOCALE])


def current_user() -> UserView:
    """The signed-in user (the single local user when no login is configured).

    app.py shows only the sign-in page until someone is signed in; a page
    that still finds nobody stops here rather than show anyone's data.
    """
    user = auth.signed_in_user()
    if user is None:
        st.stop()
    return user


def allow_fallback() -> bool:
    return st.session_state.get(ALLOW_FALLBACK, True)


def timezone() -> str | None:
    return st.context.timezone


def current_conversation_id() -> int | None:
    return st.session_state.get(CONVERSATION)


def open_conversation(conversation_id: int | None, public_id: str | None = None) -> None:
    """Show a conversation (None: a new chat) and keep it in the URL across reloads.

    The URL is written only when it changes: each change is a new entry in the
    browser's history (what Back returns to).
    """
    st.session_state[CONVERSATION] = conversation_id
    if public_id:
        if st.query_params.get(CONVERSATION_PARAM) != public_id:
            st.query_params[CONVERSATION_PARAM] = public_id
    elif CONVERSATION_PARAM in st.query_params:
        del st.query_params[CONVERSATION_PARAM]


def came_back_or_forward() -> bool:
    """Whether this run follows the browser's Back or Forward button.

    Then the URL names what to show, even when it names nothing (a new chat);
    after a click in the top navigation, which also drops the parameters, the
    session's open conversation stays. Streamlit 1.67 has no public API for
    this: the run context carries the flag the browser sends with the rerun.
    Should a later Streamlit drop it, this says False, and Back to a new chat
    shows the last one opened instead (docs/architecture.md).
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    return bool(getattr(get_script_run_ctx(), "is_history_navigation", False))


def show_conversation(
    chat_page: st.Page,
    conversation_id: int | None,
    public_id: str | None = None,
    *,
    message_public_id: str | None = None,
) -> NoReturn:
    """Go to the chat page showing this conversation (at that message), with its URL.

    `st.switch_page` clears every query parameter it is not given (Streamlit
    1.67), so the conversation's (and the found message's) go with the switch;
    otherwise a reload after opening a conversation would show an empty chat.
    """
    open_conversation(conversation_id, public_id)
    params = {CONVERSATION_PARAM: public_id} if public_id else {}
    if public_id and message_public_id:
        params[MESSAGE_PARAM] = message_public_id
    st.switch_page(chat_page, query_params=params)
