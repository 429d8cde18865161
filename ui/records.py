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

T = TypeVar("T")


class Record(Protocol):
    id: int
    public_id: str


@dataclass(frozen=True)
class OpenRecord:
    session_key: str  # holds the open record's id
    query_key: str  # holds its public id in the URL

    def open(self, record: Record | None) -> None:
        """Show `record` (None: start a new one) and keep it in the URL."""
        st.session_state[self.session_key] = record.id if record else None
        if record is not None:
            st.query_params[self.query_key] = record.public_id
        else:
            st.query_params.pop(self.query_key, None)

    def current(
        self, get: Callable[[int], T], find: Callable[[str], Record], not_found: str
    ) -> T | None:
        """The open record, from this session or from the URL after a reload."""
        record_id = st.session_state.get(self.session_key)
        public_id = st.query_params.get(self.query_key)
        try:
            if record_id is None and public_id:
                found = find(public_id)
                self.open(found)
                record_id = found.id
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
