"""The record a page has open (a comparison, a battle, a batch), and its history list.

The open record's id lives in the session; its public id goes in the URL, so a
reload, which starts a new session, opens the same record again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import streamlit as st

from core.errors import AppError
from core.i18n import Translator
from ui.format import escape_markdown
from ui.state import came_back_or_forward

T = TypeVar("T")


class Record(Protocol):
    id: int
    public_id: str


@dataclass(frozen=True)
class OpenRecord:
    session_key: str  # holds the open record's id
    query_key: str  # holds its public id in the URL

    @property
    def _public_key(self) -> str:
        return f"{self.session_key}-public"

    def open(self, record: Record | None) -> None:
        """Show `record` (None: start a new one) and keep it in the URL.

        The URL is written only when it changes: each change is a new entry in
        the browser's history (what Back returns to).
        """
        st.session_state[self.session_key] = record.id if record else None
        st.session_state[self._public_key] = record.public_id if record else None
        if record is not None:
            if st.query_params.get(self.query_key) != record.public_id:
                st.query_params[self.query_key] = record.public_id
        elif self.query_key in st.query_params:
            del st.query_params[self.query_key]

    def current(
        self, get: Callable[[int], T], find: Callable[[str], Record], not_found: str
    ) -> T | None:
        """The open record.

        The URL wins when it names another record than the session (a reload,
        a link, a new tab, the browser's Back), and after Back or Forward even
        when it names none; otherwise it is the session's, and its id goes back
        into the URL (the top navigation drops it).
        """
        record_id = st.session_state.get(self.session_key)
        linked = st.query_params.get(self.query_key)
        if not linked and record_id is not None and came_back_or_forward():
            self.open(None)  # Back to a new one
            return None
        try:
            if linked and linked != st.session_state.get(self._public_key):
                found = find(linked)
                self.open(found)
                record_id = found.id
            elif record_id is not None:
                public_id = st.session_state.get(self._public_key)
                if public_id and linked != public_id:
                    st.query_params[self.query_key] = public_id
            if record_id is not None:
                return get(record_id)
        except AppError:  # deleted, another user's, or not of this page's kind
            self.open(None)
            st.toast(escape_markdown(not_found), icon=":material/search_off:")
        return None


def page_header(
    t: Translator,
    opened: OpenRecord,
    *,
    prefix: str,
    showing: bool,
    history: Sequence[tuple[Any, str]],
) -> None:
    """The page title, a New button while a record is open, and the history list.

    Labels come from `<prefix>.title`, `.new`, `.history` and `.history_empty`;
    `history` pairs each record with its label, newest first.
    """
    title, new, past = st.columns([6, 1, 1], vertical_alignment="center")
    title.markdown(f"## {t(f'{prefix}.title')}")
    if showing and new.button(
        t(f"{prefix}.new"), icon=":material/add:", key=f"{prefix}-new", width="stretch"
    ):
        opened.open(None)
        st.rerun()
    with past.popover(t(f"{prefix}.history"), icon=":material/history:", width="stretch"):
        if not history:
            st.caption(t(f"{prefix}.history_empty"))
        for record, label in history:
            if st.button(escape_markdown(label), key=f"{prefix}-open-{record.id}", width="stretch"):
                opened.open(record)
                st.rerun()
