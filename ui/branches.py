"""The "‹ 2 / 3 ›" pager under a message that has other versions.

Regenerated answers and edited questions are siblings in the message tree;
paging to one shows the branch that continues from it (its newest message
becomes the conversation's current leaf), and the conversation goes on from
there.
"""

from __future__ import annotations

import streamlit as st

from core.i18n import Translator
from core.store.views import MessageView
from ui import state
from ui.focus import clear_focus


def pager(
    t: Translator, user_id: int, message: MessageView, versions: list[int], *, disabled: bool
) -> None:
    """Arrows and "n / total"; a click switches the conversation to that version."""
    position = versions.index(message.id)
    with st.container(horizontal=True, gap=None, width="content", vertical_alignment="center"):
        earlier = _arrow(t, message, "prev", disabled=disabled or position == 0)
        st.caption(f"{position + 1} / {len(versions)}")
        later = _arrow(t, message, "next", disabled=disabled or position == len(versions) - 1)
    if earlier or later:
        state.svc().history.choose_version(
            user_id, versions[position - 1 if earlier else position + 1]
        )
        clear_focus()
        st.rerun()


_ARROWS = {
    "prev": (":material/chevron_left:", "history.branch.previous"),
    "next": (":material/chevron_right:", "history.branch.next"),
}


def _arrow(t: Translator, message: MessageView, direction: str, *, disabled: bool) -> bool:
    """An arrow whose name ("Previous version") is read out but not shown.

    Without a label Streamlit names an icon-only button after its icon's
    ligature ("chevron_left icon"); ui/theme.py hides the label's text.
    """
    icon, help_key = _ARROWS[direction]
    return st.button(
        t(help_key),
        icon=icon,
        key=f"{direction}-{message.id}",
        type="tertiary",
        help=t(help_key),
        disabled=disabled,
    )
