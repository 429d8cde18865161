"""The look: our own CSS only (never text a person or a model wrote)."""

from __future__ import annotations

import streamlit as st

_CSS = """
<style>
/* The reasoning panel is quieter than the answer: smaller, softer text. */
[class*="st-key-reasoning-"] [data-testid="stExpanderDetails"] p,
[class*="st-key-reasoning-"] [data-testid="stExpanderDetails"] li,
[data-testid="stChatMessage"] [data-testid="stExpander"] [data-testid="stExpanderDetails"] p {
  font-size: 0.9rem;
  opacity: 0.78;
}
/* Conversation titles in the sidebar: one line each, left aligned. */
section[data-testid="stSidebar"] [class*="st-key-conv-"] button p {
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; text-align: left;
}
section[data-testid="stSidebar"] [class*="st-key-conv-"] button {
  justify-content: flex-start;
}
</style>
"""


def apply_theme() -> None:
    st.html(_CSS)
