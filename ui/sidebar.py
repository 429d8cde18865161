"""The sidebar every page shares: new chat, the conversation list, settings."""

from __future__ import annotations

import streamlit as st

from core.i18n import LOCALE_NAMES, day_group
from core.store import conversations as conversation_store
from ui import state

PAGE_SIZE = 30
GROUPS = ("today", "yesterday", "week", "older")


def render_sidebar(chat_page: st.Page) -> None:
    t = state.t()
    user = state.current_user()
    with st.sidebar:
        if st.button(
            t("sidebar.new_chat"),
            icon=":material/edit_square:",
            type="primary",
            width="stretch",
            key="new-chat",
        ):
            state.open_conversation(None)
            st.switch_page(chat_page)
        _conversation_list(user.id, chat_page)
        _settings()


def _conversation_list(user_id: int, chat_page: st.Page) -> None:
    t = state.t()
    limit = st.session_state.get("sidebar_limit", PAGE_SIZE)
    conversations = conversation_store.list_conversations(user_id, limit=limit + 1)
    if not conversations:
        st.caption(t("sidebar.empty"))
        return
    current = state.current_conversation_id()
    zone = state.timezone()
    shown_group = None
    for conversation in conversations[:limit]:
        group = "pinned" if conversation.pinned else day_group(conversation.updated_at, zone)
        if group != shown_group:
            st.caption(t(f"sidebar.group.{group}"))
            shown_group = group
        title = conversation.title or t("sidebar.untitled")
        if st.button(
            title,
            key=f"conv-{conversation.id}",
            type="secondary" if conversation.id != current else "primary",
            width="stretch",
        ):
            state.open_conversation(conversation.id, conversation.public_id)
            st.switch_page(chat_page)
    more = len(conversations) > limit
    if more and st.button(t("sidebar.more"), key="sidebar-more", type="tertiary"):
        st.session_state["sidebar_limit"] = limit + PAGE_SIZE
        st.rerun()


def _settings() -> None:
    t = state.t()
    with st.expander(t("sidebar.settings"), icon=":material/settings:"):
        locale = st.session_state.get(state.LOCALE, "en")
        choice = st.radio(
            t("sidebar.language"),
            list(LOCALE_NAMES),
            index=list(LOCALE_NAMES).index(locale),
            format_func=LOCALE_NAMES.get,
            horizontal=True,
            key="language-choice",
        )
        if choice != locale:
            st.session_state[state.LOCALE] = choice
            st.rerun()
        st.session_state[state.ALLOW_FALLBACK] = st.toggle(
            t("sidebar.allow_fallback"),
            value=state.allow_fallback(),
            help=t("sidebar.allow_fallback_help"),
            key="allow-fallback-toggle",
        )
