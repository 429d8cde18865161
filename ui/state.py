"""Per-session view state: who is here, which language, which conversation.

`st.session_state` holds ids and view choices only; the database holds the
conversations and the worker holds the answers being written.
"""

from __future__ import annotations

import streamlit as st

from core.i18n import Translator, locale_from
from core.services import Services, services
from core.store.views import UserView
from ui import auth

LOCALE = "locale"
CONVERSATION = "conversation_id"
ALLOW_FALLBACK = "allow_fallback"


def svc() -> Services:
    return services()


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
    """Show a conversation (None: a new chat) and keep it in the URL across reloads."""
    st.session_state[CONVERSATION] = conversation_id
    if public_id:
        st.query_params["c"] = public_id
    else:
        st.query_params.pop("c", None)
