"""The sidebar's search: a box, and the matching snippets in place of the list.

A search runs only when the query (or the reasoning switch) changes; the
results are kept in the session until then, so the reruns caused by every
other click cost nothing. A result opens its conversation at that message.
"""

from __future__ import annotations

import streamlit as st

from core.errors import RecordNotFound
from core.i18n import Translator
from core.store.search import SearchHit
from ui import state
from ui.focus import clear_focus, focus_on
from ui.format import escape_markdown

_RESULTS = "search_results"  # ((user id, query, with reasoning), hits)
QUERY_KEY = "search-query"
TITLE_CHARS = 28


def search_box(t: Translator) -> str:
    """The query typed so far ("" when none)."""
    query = st.text_input(
        t("history.search.label"),
        key=QUERY_KEY,
        type="search",
        placeholder=t("history.search.placeholder"),
        label_visibility="collapsed",
    )
    return query.strip()


def search_results(t: Translator, user_id: int, query: str, chat_page: st.Page) -> None:
    """The hits grouped by conversation (in rank order): a caption, then its snippets."""
    include_reasoning = st.toggle(t("history.search.reasoning"), key="search-reasoning")
    hits = _cached_search(user_id, query, include_reasoning)
    if not hits:
        st.caption(t("history.search.none"))
    zone = state.timezone()
    for group in _by_conversation(hits):
        st.caption(_group_caption(t, group, zone))
        messages = [hit for hit in group if hit.message_id is not None] or group[:1]
        for hit in messages:
            key = f"hit-{hit.conversation_id}-{hit.message_id or 'title'}"
            label = snippet_label(hit)
            if hit.in_reasoning:
                label = f"{label} ({t('history.search.in_reasoning')})"
            if hit.in_file is not None:
                key = f"{key}-file"  # the same question may match in its text too
                # "in the attached file X": the name is untrusted, escaped like the snippet.
                note = t("history.search.in_file", name=escape_markdown(hit.in_file))
                label = f"{label} ({note})"
            if st.button(label, key=key, type="tertiary", width="stretch"):
                _open(t, user_id, hit, chat_page)


def forget_results() -> None:
    """Drop kept results (after a rename, a delete, an import): the next search is fresh."""
    st.session_state.pop(_RESULTS, None)


def snippet_label(hit: SearchHit) -> str:
    """The snippet as Markdown: the text escaped, the match in bold."""
    snippet = hit.snippet
    match = f"**{escape_markdown(snippet.match)}**" if snippet.match.strip() else ""
    return escape_markdown(snippet.before) + match + escape_markdown(snippet.after)


def _cached_search(user_id: int, query: str, include_reasoning: bool) -> list[SearchHit]:
    key = (user_id, query, include_reasoning)
    kept = st.session_state.get(_RESULTS)
    if kept is None or kept[0] != key:
        kept = st.session_state[_RESULTS] = (
            key,
            state.svc().history.search(user_id, query, include_reasoning=include_reasoning),
        )
    return kept[1]


def _by_conversation(hits: list[SearchHit]) -> list[list[SearchHit]]:
    groups: dict[int, list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault(hit.conversation_id, []).append(hit)
    return list(groups.values())


def _group_caption(t: Translator, group: list[SearchHit], zone: str | None) -> str:
    first = group[0]
    title = first.title or t("sidebar.untitled")
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    parts = [f"**{escape_markdown(title)}**"]
    if first.archived:
        parts.append(t("history.search.archived"))
    parts.append(t.datetime(max(hit.at for hit in group), zone))
    return " · ".join(parts)


def _open(t: Translator, user_id: int, hit: SearchHit, chat_page: st.Page) -> None:
    """Open the conversation showing the branch that holds the message, at that message."""
    found = None
    try:
        if hit.message_id is None:
            clear_focus()
        else:
            found = state.svc().history.reveal(user_id, hit.message_id)
            focus_on(hit.conversation_id, found.id, found.public_id)
    except RecordNotFound:
        forget_results()
        st.toast(t("history.search.gone"), icon=":material/search_off:")
        return
    state.show_conversation(
        chat_page,
        hit.conversation_id,
        hit.conversation_public_id,
        message_public_id=found.public_id if found else None,
    )
