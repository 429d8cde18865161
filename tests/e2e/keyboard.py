"""Keys and focus for the keyboard-only journeys (test_accessibility_keyboard*.py).

Focus moves only with keys; `focused` says what a keyboard user would see
focused: its name, its role, the Streamlit key around it and its ring.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import last_answer, wait_idle

MAX_TABS = 80
INPUT = '[data-testid="stChatInputTextArea"]'


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {
            tag: el.tagName, text: (el.innerText || el.getAttribute('aria-label') || '').trim(),
            testid: el.getAttribute('data-testid'), role: el.getAttribute('role'),
            key: (el.closest('[class*="st-key-"]')?.className.match(/st-key-[^ ]+/) || [''])[0],
            outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
            boxShadow: style.boxShadow,
          };
        }"""
    )


def tab_to(page: Page, matches, *, backwards: bool = False) -> dict:
    """Press Tab until the focused element matches; fail if it is never reached."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if matches(now):
            return now
    raise AssertionError("not reachable with the Tab key")


def assert_ring_visible(state: dict) -> None:
    ring = state["outline"] not in ("none", "") and state["outlineWidth"] >= 2
    assert ring or state["boxShadow"] not in ("none", ""), f"no visible focus ring: {state}"


def is_input(state: dict) -> bool:
    return state["testid"] == "stChatInputTextArea"


def input_has_focus(page: Page) -> None:
    expect(page.locator(f"{INPUT}:focus")).to_have_count(1, timeout=30_000)


def focus_settles_on(page: Page, matches, timeout_s: float = 10) -> dict:
    """The focused element once it matches (focus is moved by a script after a
    rerun, so it may take a moment); fail, saying where it is, if it never does."""
    now = focused(page)
    for _ in range(int(timeout_s * 10)):
        if matches(now):
            return now
        page.wait_for_timeout(100)
        now = focused(page)
    raise AssertionError(f"focus is on {now}")


def keyboard_send(page: Page, question: str) -> None:
    tab_to(page, is_input)
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    wait_idle(page, timeout=60_000)


def is_button(name: str):
    return lambda s: s["tag"] == "BUTTON" and name in s["text"]


def is_stop(state: dict) -> bool:
    return state["tag"] == "BUTTON" and state["text"].endswith("Stop")


def activate(
    page: Page, matches, *, backwards: bool = False, key: str = "Enter", timeout: float = 30_000
) -> dict:
    """Tab to the element, check that its focus ring shows, press `key` on it
    and wait for the rerun it starts; the element as it was when focused."""
    state = tab_to(page, matches, backwards=backwards)
    assert_ring_visible(state)
    page.keyboard.press(key)
    wait_idle(page, timeout=timeout)
    return state


def stop_a_long_answer(page: Page, question: str) -> None:
    """Ask for a long answer and Stop it from the keyboard once text arrives:
    the text so far stays, marked stopped, and focus is back in the input."""
    tab_to(page, is_input)
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    expect(last_answer(page)).to_contain_text("This is the offline demo model", timeout=30_000)
    activate(page, is_stop)
    expect(last_answer(page)).to_contain_text("Stopped. The text so far is kept.")
    input_has_focus(page)
