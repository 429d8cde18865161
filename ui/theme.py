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
section[data-testid="stSidebar"] [class*="st-key-conv-"] button p,
section[data-testid="stSidebar"] [class*="st-key-archived-"] button p {
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; text-align: left;
}
section[data-testid="stSidebar"] [class*="st-key-conv-"] button,
section[data-testid="stSidebar"] [class*="st-key-archived-"] button,
section[data-testid="stSidebar"] [class*="st-key-hit-"] button {
  justify-content: flex-start;
}
/* Search results: the snippet, up to two lines, left aligned. */
section[data-testid="stSidebar"] [class*="st-key-hit-"] button div {
  justify-content: flex-start; text-align: left; width: 100%;
}
section[data-testid="stSidebar"] [class*="st-key-hit-"] button p {
  text-align: left; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; overflow: hidden; font-size: 0.9rem;
}
/* The message a search result opened the conversation at. */
[class*="st-key-found-"] {
  border-left: 3px solid var(--primary-color, #ff4b4b);
  padding-left: 0.5rem;
  border-radius: 0.25rem;
}
/* A paragraph being written arrives in pieces (ui/live.py): show them as one. */
[class*="st-key-flow-"] { display: block !important; }
[class*="st-key-flow-"] div, [class*="st-key-flow-"] p { display: inline !important; }
/* A table's own "Download as CSV" writes cells raw: a model's answer starting with
   "=" would run as a formula in a spreadsheet. Our download buttons write through
   core/csv_export.py instead (docs/security.md, "Files the app writes"). */
[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]),
[data-testid="stElementToolbar"] button[aria-label="Download as CSV"] { display: none !important; }
</style>
"""


def apply_theme() -> None:
    st.html(_CSS)
