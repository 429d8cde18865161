"""Web search on the chat page: the switch, the live status, the Sources panel.

Everything shown here that came from the web or from the user is made inert
(core/markdown.py): a one-line text (the query, a reason) is escaped whole with
`escape_text`; the Sources list goes through `prepare_markdown` after its
titles' markers are written as character references, so a page title can
never become a link, an image or a heading. Stored sources are shown as they were saved:
nothing is fetched again when a conversation is reopened.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.catalog import Catalog
from core.events import Phase
from core.i18n import Translator
from core.markdown import escape_text, prepare_markdown
from core.progress import Snapshot
from core.store.views import ConversationView, MessageView
from core.websearch.citations import escape, link_citations, source_line
from core.websearch.results import WebSources
from ui import state
from ui.live import status_text

NEW_CHAT = "new-chat-web-search"  # the switch for a conversation not yet started
MAX_QUERY_SHOWN = 80


def switch_key(conversation: ConversationView | None) -> str:
    return f"web-search-{conversation.id if conversation else 'new'}"


def web_search_wanted(user_id: int, conversation: ConversationView | None) -> bool:
    """The switch's value: as set on this page, else as the conversation remembers it."""
    key = switch_key(conversation)
    if key in st.session_state:
        return bool(st.session_state[key])
    if conversation is None:
        return bool(st.session_state.get(NEW_CHAT, False))
    return state.svc().web_search.switch_of(user_id, conversation.id)


def web_search_switch(t: Translator, user_id: int, conversation: ConversationView | None) -> bool:
    """The 联网搜索 / Web search toggle, remembered per conversation."""
    key = switch_key(conversation)

    def remember() -> None:
        value = bool(st.session_state[key])
        st.session_state[NEW_CHAT] = value
        if conversation is not None:
            state.svc().web_search.set_switch(user_id, conversation.id, value)

    return st.toggle(
        t("websearch.switch"),
        value=web_search_wanted(user_id, conversation),
        key=key,
        on_change=remember,
        help=t("websearch.switch_help"),
    )


def web_status_text(t: Translator, catalog: Catalog, snapshot: Snapshot) -> str:
    """The live line: "Searching the web for …", "Reading 5 pages…", else the usual."""
    status = snapshot.status
    if status is not None and not snapshot.done:
        if status.phase is Phase.SEARCHING:
            query = escape_text(_short(status.detail))
            return ":material/travel_explore: " + t("websearch.searching", query=query)
        if status.phase is Phase.READING:
            pages = int(status.extra.get("pages", 0))
            return ":material/chrome_reader_mode: " + t("websearch.reading", n=pages)
    return status_text(t, catalog, snapshot)


def stored_sources(user_id: int, message: MessageView) -> WebSources | None:
    """What web search read for this answer, as stored with it (None: no search)."""
    if message.role != "assistant":
        return None
    return state.svc().web_search.sources_of(user_id, message.id)


def with_linked_citations(message: MessageView, record: WebSources | None) -> MessageView:
    """The answer as shown: its [citation:X] marks as numbered links to the sources."""
    if record is None or not message.content:
        return message
    return replace(message, content=link_citations(message.content, record))


def render_sources(t: Translator, message: MessageView, record: WebSources | None) -> None:
    """The Sources panel under an answer that searched (title, site, link)."""
    if record is None:
        return
    query = escape_text(_short(record.query))
    if record.unavailable:
        why_key = f"websearch.why.{record.unavailable}"
        reason = t(why_key) if t.has(why_key) else record.unavailable
        st.caption(":material/cloud_off: " + t("websearch.unavailable", reason=escape_text(reason)))
        return
    if not record.sources:
        st.caption(":material/search_off: " + t("websearch.no_results", query=query))
        _skipped(t, record)
        return
    label = t("websearch.sources", n=len(record.sources))
    with st.expander(label, icon=":material/travel_explore:", key=f"sources-{message.id}"):
        st.caption(t("websearch.searched_for", query=query))
        lines = [
            source_line(s) + (f" {t('websearch.cut')}" if s.cut else "") for s in record.sources
        ]
        st.markdown(prepare_markdown("\n".join(lines)))
        _skipped(t, record)


def _skipped(t: Translator, record: WebSources) -> None:
    if not record.skipped:
        return
    reasons = []
    for page in record.skipped:
        key = f"websearch.skip.{page.reason}"
        reasons.append(f"{escape(page.url[:120])}: {t(key) if t.has(key) else page.reason}")
    st.caption(
        prepare_markdown(
            t("websearch.skipped", n=len(record.skipped)) + "  \n" + "  \n".join(reasons)
        )
    )


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_QUERY_SHOWN else flat[: MAX_QUERY_SHOWN - 1] + "…"
