"""Drop-down lists that open on the first click, even while the page still scrolls.

Streamlit 1.67 draws select boxes (the model picker among them) with
react-aria's ComboBox, whose list is a non-modal popover: it closes on any
scroll of a container that holds its box. When the click that opens the list
comes with a scroll (the box was not fully in view and is being brought into
it, a wheel or touchpad gesture is still running, the chat is following an
answer), that scroll's events arrive just after the list opened and close it
at once: the person has to click a second time.

react-aria does not close its popovers on scroll for half a second after the
visual viewport resizes (a phone's keyboard appearing scrolls the page too);
it moves them with their box instead. This script sends that resize signal
when a list opens in answer to a press on a select box, so the scroll that
came with the press moves the list rather than closing it. Scrolling later
closes it as before. The script is ours and holds nothing a person or a model
wrote.
"""

from __future__ import annotations

import streamlit as st

KEY = "select-lists"

# A constant (tests/test_no_raw_html.py): a list that opens up to 1000 ms
# after a press on its box gets the signal.
_SCRIPT = """
<style>
/* The script takes no room: neither its block nor the block's wrapper. */
.st-key-select-lists, :has(> .st-key-select-lists) { display: none; }
</style>
<script>
(() => {
  if (window.__duetSelectLists || !window.visualViewport) return;
  window.__duetSelectLists = true;
  const boxes = '[data-testid="stSelectbox"], [data-testid="stMultiSelect"]';
  let pressedAt = -Infinity;
  document.addEventListener('pointerdown', (event) => {
    if (event.target instanceof Element && event.target.closest(boxes)) {
      pressedAt = performance.now();
    }
  }, true);
  // Mutation callbacks run after React's layout effects, so the list's own
  // listeners are in place when the signal arrives.
  new MutationObserver(() => {
    if (performance.now() - pressedAt > 1000) return;
    if (!document.querySelector('[role="listbox"]')) return;
    pressedAt = -Infinity;
    window.visualViewport.dispatchEvent(new Event('resize'));
  }).observe(document.body, { childList: true, subtree: true });
})();
</script>
"""


def keep_lists_open_while_scrolling() -> None:
    """Install the script (once per page; the element itself is hidden)."""
    with st.container(key=KEY):
        st.html(_SCRIPT, unsafe_allow_javascript=True, width="content")
