"""The look: our own CSS only (never text a person or a model wrote)."""

from __future__ import annotations

import streamlit as st

from ui.announce import install_live_region
from ui.keyboard import install_focus_return

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
/* The version pager's arrows (ui/branches.py): their names are for screen
   readers only, the arrow icon is what is seen. */
[class*="st-key-prev-"] button [data-testid="stMarkdownContainer"],
[class*="st-key-next-"] button [data-testid="stMarkdownContainer"] {
  position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
/* Streamlit shows a code block's copy button (a share link's, an answer's code)
   on hover only. The block itself takes focus: show the button while focus is
   in the block's element, so Tab reaches it next. */
[data-testid="stElementContainer"]:focus-within button[aria-label="Copy to clipboard"] {
  visibility: visible !important;
}
/* A paragraph being written arrives in pieces (ui/live.py): show them as one. */
[class*="st-key-flow-"] { display: block !important; }
[class*="st-key-flow-"] div, [class*="st-key-flow-"] p { display: inline !important; }

/* Accessibility (docs/accessibility.md; tests/e2e/test_accessibility*.py). */
/* A focus ring that is always visible from the keyboard, in both themes: the
   primary colour has 3:1 or more against both backgrounds (WCAG 2.4.7, 1.4.11). */
:focus-visible {
  outline: 3px solid #4A63E0 !important;
  outline-offset: 2px !important;
}
/* Code wraps instead of scrolling sideways: readable at 320 px and at 200%
   zoom (WCAG 1.4.10), and no scrolling box a keyboard cannot reach. */
[data-testid="stMarkdownContainer"] pre,
[data-testid="stMarkdownContainer"] pre code {
  white-space: pre-wrap !important;
  overflow-wrap: anywhere;
}
/* Streamlit colours code with a fixed palette whose blues and greens read at
   only 2.9-3.8:1 on the light code background. Darker tones of the same hues
   (4.8:1 or more); the dark theme's palette passes on its code background
   (.streamlit/config.toml). The theme follows the system's colour scheme. */
@media (prefers-color-scheme: light) {
  pre .token.comment, pre .token.prolog, pre .token.doctype, pre .token.cdata,
  pre .token.punctuation, pre .token.unchanged { color: #5F6368 !important; }
  pre .token.keyword, pre .token.tag, pre .token.function, pre .token.class-name,
  pre .token.selector { color: #0B5FB0 !important; }
  pre .token.string, pre .token.char, pre .token.attr-value, pre .token.boolean,
  pre .token.constant, pre .token.symbol, pre .token.inserted { color: #0A7A33 !important; }
  pre .token.number, pre .token.regex { color: #0E7490 !important; }
  pre .token.operator, pre .token.entity, pre .token.decorator,
  pre .token.atrule { color: #A34A00 !important; }
  pre .token.url { color: #7A3EB5 !important; }
  pre .token.attr-name, pre .token.property, pre .token.variable { color: #0B6BA8 !important; }
  pre .token.important, pre .token.deleted { color: #C0262D !important; }
}
/* Motion only for those who have not asked for less (WCAG 2.3.3). */
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after {
    animation-duration: 0.01ms !important;
    animation-iteration-count: 1 !important;
    transition-duration: 0.01ms !important;
    scroll-behavior: auto !important;
  }
}
/* The sources of screen-reader announcements (ui/announce.py): never shown,
   and out of the accessibility tree; their text reaches the live region. */
[class*="st-key-a11y-announcer-"] { display: none !important; }
/* Streamlit wraps each container in an element of the page's column, which
   would still take a gap: hide a wrapper that holds nothing else. */
:has(> [class*="st-key-a11y-announcer-"]):not(:has(> :not([class*="st-key-a11y-announcer-"]))) {
  display: none !important;
}
/* A table's own "Download as CSV" writes cells raw: a model's answer starting with
   "=" would run as a formula in a spreadsheet. Our download buttons write through
   core/csv_export.py instead (docs/security.md, "Files the app writes"). */
[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]),
[data-testid="stElementToolbar"] button[aria-label="Download as CSV"] { display: none !important; }
</style>
"""


def apply_theme() -> None:
    st.html(_CSS)
    # Hidden (see above): the scripts' elements would each add a gap at the top.
    with st.container(key="a11y-announcer-page"):
        install_live_region()
        install_focus_return()
