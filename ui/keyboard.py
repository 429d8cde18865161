"""Keyboard focus that does not get lost when the page changes under it.

Sending disables the chat input while the answer is written, and Stop is
removed when the answer stops: either way the browser drops focus to the
page's body, and a keyboard user would have to Tab from the top again. This
script watches for that one case (focus fell to the body because the focused
element went away or was disabled) and puts focus back on the chat input as
soon as it can take it. It never moves focus that a person put somewhere.

One exception: the version pager ("‹ 1 / 2 ›"). Paging draws the arrows again
for the version shown (new keys) and disables the arrow at an end, so focus
would fall too; it goes back to the same arrow of the same message, or to the
other arrow when that one is now disabled, so the next press pages on.

Editing a question: "Edit" is replaced by a text box with the question, so
focus goes into that box (not to the chat input far below, where typing would
start a new question); Cancel puts it back on that question's "Edit".

A control that Streamlit draws anew while it has focus (a pill just picked,
a thumb just pressed: on a busy machine a rerun can re-create the element)
keeps it: focus goes to the same control of the same keyed widget, if it is
still on the page, before falling back to the chat input.

A batch's buttons (Run batch, Stop, Run the rest) are replaced by the
batch's controls when pressed: focus goes to the control that took their
place (Stop while it runs, else the next in the bar), since the batch page
has no chat input to fall back to.

Regenerate, Retry and Continue start a new answer, but Streamlit keeps the old
button on the page (focused, enabled) until the answer is written, so a second
press would ask again. Pressing one lets go of it: focus goes to the chat
input, as after sending (disabled while the answer is written, then focused).
"""

from __future__ import annotations

import streamlit as st

# Our own script: no text of a user or a model (tests/test_no_raw_html.py).
_SCRIPT = """<script>
(() => {
  if (window.__duetFocusReturn) return;
  window.__duetFocusReturn = true;
  const INPUT = '[data-testid="stChatInputTextArea"]';
  const MESSAGE = '[data-testid="stChatMessage"]';
  const ARROW = /st-key-(prev|next)-[0-9]/;
  const PAGER_WAIT_MS = 5000;  // for the rerun to draw the pager again
  // Buttons that start an answer while staying on the page (not the button
  // keyed regenerate-with-N: it opens the list of other models).
  const STARTS_ANSWER =
    /(?:^| )st-key-(?:regenerate-[0-9]+(?:-[^ ]+)?|retry-[0-9]+|continue-[0-9]+)(?: |$)/;
  const EDIT = /(?:^| )st-key-edit-([0-9]+)(?: |$)/;
  const EDIT_CANCEL = /(?:^| )st-key-edit-cancel-([0-9]+)(?: |$)/;
  // The batch bar, in the order its controls appear: the first one drawn takes focus.
  const BATCH_PRESSED = /(?:^| )st-key-batch-(?:run|stop|resume)(?: |$)/;
  const BATCH_BAR = ["stop", "resume", "rerun", "export"]
    .map((key) => `.st-key-batch-${key} button`).join(", ");
  let lost = 0;  // when focus last fell to the body, or 0
  let arrow = null;  // {message: index on the page, direction} of a pager arrow that lost it
  let next = null;  // a CSS selector for what should take focus instead of the input, or null
  let same = null;  // {key, index} of a keyed widget's control that was drawn anew, or null
  const WIDGET = '[data-testid="stElementContainer"][class*="st-key-"]';
  const CONTROLS = 'button, textarea, input, select, [tabindex]:not([tabindex="-1"])';
  const keyed = (el, pattern) => {
    const box = el.closest && el.closest('[class*="st-key-"]');
    const found = box && pattern.exec(box.className);
    return found || null;
  };
  const replacementOf = (el) => {
    const edit = keyed(el, EDIT);
    if (edit) return `.st-key-edit-text-${edit[1]} textarea`;
    const cancel = keyed(el, EDIT_CANCEL);
    if (cancel) return `.st-key-edit-${cancel[1]} button`;
    if (keyed(el, BATCH_PRESSED)) return BATCH_BAR;
    return null;
  };
  const placeOf = (el) => {
    if (el.matches && el.matches(INPUT)) return null;  // the input has its own rule, below
    const box = el.closest && el.closest(WIDGET);
    const key = box && /st-key-[^ ]+/.exec(box.className);
    const index = key ? [...box.querySelectorAll(CONTROLS)].indexOf(el) : -1;
    return index < 0 ? null : {key: key[0], index};
  };
  const placeNow = () => {
    const box = document.querySelector(`${WIDGET}.${CSS.escape(same.key)}`);
    if (!box) return undefined;  // gone with its widget
    const control = box.querySelectorAll(CONTROLS)[same.index];
    return control && !control.disabled ? control : null;  // null: not ready yet
  };
  const dropped = () => !document.activeElement || document.activeElement === document.body;
  const arrowOf = (el) => {
    const box = el.closest && el.closest('[class*="st-key-prev-"], [class*="st-key-next-"]');
    const message = box && box.closest(MESSAGE);
    const found = box && ARROW.exec(box.className);
    if (!message || !found) return null;
    return {message: [...document.querySelectorAll(MESSAGE)].indexOf(message), direction: found[1]};
  };
  const arrowNow = () => {
    const message = document.querySelectorAll(MESSAGE)[arrow.message];
    if (!message) return null;
    const other = arrow.direction === "prev" ? "next" : "prev";
    for (const direction of [arrow.direction, other]) {
      const button = message.querySelector(`[class*="st-key-${direction}-"] button`);
      if (button && !button.disabled) return button;
    }
    return null;
  };
  document.addEventListener("focusout", (event) => {
    if (event.relatedTarget) return;  // moved on purpose to something else
    const from = event.target;
    const spot = arrowOf(from);
    const instead = replacementOf(from);
    const place = placeOf(from);
    setTimeout(() => {
      // Removed, or disabled (sending): not a click on the page's background.
      if (dropped() && (!from.isConnected || from.disabled)) {
        lost = Date.now(); arrow = spot; next = instead; same = place;
      }
    }, 0);
  }, true);
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button");
    if (!button || !keyed(button, STARTS_ANSWER)) return;
    setTimeout(() => {  // after Streamlit has taken the click
      if (document.activeElement !== button) return;
      button.blur();
      lost = Date.now(); arrow = null; next = null; same = null;
    }, 0);
  }, true);
  document.addEventListener("focusin", () => { lost = 0; }, true);
  document.addEventListener("pointerdown", () => { lost = 0; }, true);
  setInterval(() => {
    if (!lost) return;
    if (!dropped() || Date.now() - lost > 600000) { lost = 0; return; }
    if (next) {
      const target = document.querySelector(next);
      if (target && !target.disabled) { target.focus(); lost = 0; next = null; return; }
      if (Date.now() - lost < PAGER_WAIT_MS) return;
      next = null;  // not drawn (an error, a refusal): the input, as usual
    }
    if (arrow) {
      const button = arrowNow();
      if (button) { button.focus(); lost = 0; return; }
      if (Date.now() - lost < PAGER_WAIT_MS) return;
      arrow = null;  // paging was refused or is busy: the input, as usual
    }
    if (same) {
      const control = placeNow();
      if (control) { control.focus(); lost = 0; same = null; return; }
      if (control === null && Date.now() - lost < PAGER_WAIT_MS) return;
      same = null;  // the widget is gone, or stays disabled: the input, as usual
    }
    const input = document.querySelector(INPUT);
    if (input && !input.disabled) { input.focus(); lost = 0; }
  }, 150);
})();
</script>"""


def install_focus_return() -> None:
    """On every run of every page (ui/theme.py); the script installs itself once."""
    st.html(_SCRIPT, unsafe_allow_javascript=True, width="content")
