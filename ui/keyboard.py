"""Keyboard focus that does not get lost when the page changes under it.

Sending disables the chat input while the answer is written, and Stop is
removed when the answer stops: either way the browser drops focus to the
page's body, and a keyboard user would have to Tab from the top again. This
script watches for that one case (focus fell to the body because the focused
element went away or was disabled) and puts focus back on the chat input as
soon as it can take it. It never moves focus that a person put somewhere.
"""

from __future__ import annotations

import streamlit as st

# Our own script: no text of a user or a model (tests/test_no_raw_html.py).
_SCRIPT = """<script>
(() => {
  if (window.__duetFocusReturn) return;
  window.__duetFocusReturn = true;
  const INPUT = '[data-testid="stChatInputTextArea"]';
  let lost = 0;  // when focus last fell to the body, or 0
  const dropped = () => !document.activeElement || document.activeElement === document.body;
  document.addEventListener("focusout", (event) => {
    if (event.relatedTarget) return;  // moved on purpose to something else
    const from = event.target;
    setTimeout(() => {
      // Removed, or disabled (sending): not a click on the page's background.
      if (dropped() && (!from.isConnected || from.disabled)) lost = Date.now();
    }, 0);
  }, true);
  document.addEventListener("focusin", () => { lost = 0; }, true);
  document.addEventListener("pointerdown", () => { lost = 0; }, true);
  setInterval(() => {
    if (!lost) return;
    if (!dropped() || Date.now() - lost > 600000) { lost = 0; return; }
    const input = document.querySelector(INPUT);
    if (input && !input.disabled) { input.focus(); lost = 0; }
  }, 150);
})();
</script>"""


def install_focus_return() -> None:
    """On every run of every page (ui/theme.py); the script installs itself once."""
    st.html(_SCRIPT, unsafe_allow_javascript=True, width="content")
