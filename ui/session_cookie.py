"""The browser's copy of the sign-in session token: a cookie (docs/security.md).

Streamlit 1.67 lets a script read the cookies a browser sent when it opened
the page (`st.context.cookies`) but not set one, and the only HttpOnly
cookie it sets is its own for `st.login`. So a tiny component
(ui/session_cookie_frontend/index.html) writes it from the page: SameSite=
Strict, Path=/, Secure and with the `__Host-` prefix on https, expiring
with the session. Not HttpOnly (script-written cookies cannot be); every
text of a user or a model is rendered inert, so no script of theirs runs on
the page to read it.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

NAMES = ("__Host-duet_session", "duet_session")  # https first, then plain http
_writer = components.declare_component(
    "session_cookie", path=str(Path(__file__).parent / "session_cookie_frontend")
)


def read() -> str | None:
    """The session token this browser sent when the page was opened, if any."""
    cookies = st.context.cookies
    for name in NAMES:
        value = cookies.get(name)
        if isinstance(value, str) and value:  # AppTest has no real cookies
            return value
    return None


def write(token: str, max_age_s: float, *, key: str) -> bool:
    """Ask the browser to keep `token`; True once it reports the cookie written."""
    return bool(_writer(token=token, max_age=int(max_age_s), key=key, default=False))


def clear(dead_token: str, *, key: str) -> bool:
    """Ask the browser to drop its cookie if it still holds `dead_token` (not a newer
    one that another tab wrote since); True once done."""
    return bool(_writer(token="", max_age=0, dead=dead_token, key=key, default=False))
