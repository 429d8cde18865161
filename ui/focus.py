"""Opening a conversation at one message (a search result): which, and scrolling to it.

The page shows the branch from just before that message, marks it, and
scrolls it into view once. The focus lasts until the user moves on (sends,
pages to another version, asks for newer messages) or opens another
conversation. While it lasts, the message's public id is in the URL (`?m=`),
so a reload or a new tab opens the conversation at the same message.
"""

from __future__ import annotations

import streamlit as st

_FOCUS = "focus_message"  # (conversation id, message id)
_FOCUS_PUBLIC = "focus_public_id"  # the message's public id, as in the URL
_SCROLL = "focus_scroll"  # the message id to scroll to on the next run
MESSAGE_PARAM = "m"


def focus_on(conversation_id: int, message_id: int, public_id: str) -> None:
    st.session_state[_FOCUS] = (conversation_id, message_id)
    st.session_state[_FOCUS_PUBLIC] = public_id
    st.session_state[_SCROLL] = message_id
    if st.query_params.get(MESSAGE_PARAM) != public_id:
        st.query_params[MESSAGE_PARAM] = public_id


def focused_public_id(conversation_id: int) -> str | None:
    """The public id of the message in focus in this conversation (None: none)."""
    if focused_message(conversation_id) is None:
        return None
    return st.session_state.get(_FOCUS_PUBLIC)


def focused_message(conversation_id: int) -> int | None:
    focus = st.session_state.get(_FOCUS)
    if focus and focus[0] == conversation_id:
        return focus[1]
    return None


def clear_focus() -> None:
    st.session_state.pop(_FOCUS, None)
    st.session_state.pop(_FOCUS_PUBLIC, None)
    st.session_state.pop(_SCROLL, None)
    if MESSAGE_PARAM in st.query_params:
        del st.query_params[MESSAGE_PARAM]


def marker_key(message_id: int) -> str:
    """The key of the container that holds the focused message (styled in ui/theme.py)."""
    return f"found-{message_id}"


def scroll_once(message_id: int) -> None:
    """Bring the focused message into view, once, after it is on the page.

    Streamlit has no scrolling API. This script is ours and holds nothing a
    person wrote: only the integer key of the marked container.
    """
    if st.session_state.get(_SCROLL) != message_id:
        return
    del st.session_state[_SCROLL]
    selector = f".st-key-{marker_key(int(message_id))}"
    # Focus moves to the message too when it is still on the result that was
    # chosen (or fell to the page), so Tab and a screen reader go on from the
    # message rather than from the sidebar; focus put elsewhere stays there.
    st.html(
        "<script>setTimeout(() => {"
        f"const found = document.querySelector('{selector}');"
        "if (!found) return;"
        "found.scrollIntoView({block: 'center', behavior: "
        # No smooth scrolling for those who asked for less motion (docs/accessibility.md).
        "matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth'});"
        "const now = document.activeElement;"
        "if (now && now !== document.body && !now.closest('[class*=\"st-key-hit-\"]')) return;"
        "found.tabIndex = -1; found.focus({preventScroll: true});"
        "}, 300)</script>",
        unsafe_allow_javascript=True,
        width="content",
    )
