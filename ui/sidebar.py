"""The sidebar every page shares: new chat, search, the conversation list, settings.

It runs on every rerun of every page, so it stays cheap: one indexed query
for the list (pinned first, then by day), a search only when the query
changes, and the archived list and the data tools only while opened.
"""

from __future__ import annotations

import streamlit as st

from core.i18n import LOCALE_NAMES, day_group
from core.store.views import ConversationView
from ui import state
from ui.focus import clear_focus
from ui.format import escape_markdown
from ui.search import search_box, search_results
from ui.your_data import your_data

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
            clear_focus()
            state.show_conversation(chat_page, None)
        query = search_box(t)
        if query:
            search_results(t, user.id, query, chat_page)
        else:
            _conversation_list(user.id, chat_page)
            _archived_list(user.id, chat_page)
        your_data(t, user.id)
        _settings()


def _conversation_list(user_id: int, chat_page: st.Page) -> None:
    t = state.t()
    limit = st.session_state.get("sidebar_limit", PAGE_SIZE)
    conversations = state.svc().history.conversations(user_id, limit=limit + 1)
    if not conversations:
        st.caption(t("sidebar.empty"))
        return
    zone = state.timezone()
    shown_group = None
    for conversation in conversations[:limit]:
        group = "pinned" if conversation.pinned else day_group(conversation.updated_at, zone)
        if group != shown_group:
            st.caption(t(f"sidebar.group.{group}"))
            shown_group = group
        _conversation_button(conversation, chat_page, key=f"conv-{conversation.id}")
    more = len(conversations) > limit
    if more and st.button(t("sidebar.more"), key="sidebar-more", type="tertiary"):
        st.session_state["sidebar_limit"] = limit + PAGE_SIZE
        st.rerun()


def _archived_list(user_id: int, chat_page: st.Page) -> None:
    """Archived conversations, in a panel that loads them only while it is open."""
    t = state.t()
    panel = st.expander(
        t("history.archive.title"), icon=":material/archive:", key="archived", on_change="rerun"
    )
    if not panel.open:
        return
    archived = state.svc().history.conversations(user_id, archived=True, limit=PAGE_SIZE)
    with panel:
        if not archived:
            st.caption(t("history.archive.empty"))
        for conversation in archived:
            _conversation_button(conversation, chat_page, key=f"archived-{conversation.id}")


def _conversation_button(conversation: ConversationView, chat_page: st.Page, *, key: str) -> None:
    t = state.t()
    current = state.current_conversation_id()
    if st.button(
        escape_markdown(conversation.title or t("sidebar.untitled")),
        key=key,
        type="primary" if conversation.id == current else "secondary",
        width="stretch",
    ):
        clear_focus()
        state.show_conversation(chat_page, conversation.id, conversation.public_id)


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
