"""Keyboard-only journeys: Tab, Shift+Tab, Enter, Space, arrows and Escape, no mouse.

Each journey starts from the top of the page and moves focus only with keys;
the focused element must show a ring that can be seen (ui/theme.py), and
focus must come back to the chat input after sending and after Stop
(ui/keyboard.py).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import last_answer, open_app, wait_idle

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


def test_send_then_focus_returns_to_the_input(page, app_server):
    open_app(page, app_server.url)
    assert_ring_visible(tab_to(page, is_input))
    page.keyboard.type("Explain how a reasoning model thinks")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(last_answer(page)).to_contain_text("This is the offline demo model")
    input_has_focus(page)
    # And the reasoning panel opens and closes from the keyboard.
    summary = tab_to(page, lambda s: s["tag"] == "SUMMARY", backwards=True)
    assert re.search(r"Thought for [\d.]+ s", summary["text"]), summary
    assert_ring_visible(summary)
    details = last_answer(page).get_by_test_id("stExpanderDetails")
    expect(details).to_have_attribute("inert", "")
    page.keyboard.press("Enter")
    expect(details).to_contain_text("The user asks")
    expect(details).not_to_have_attribute("inert", "")
    page.keyboard.press("Space")
    expect(details).to_have_attribute("inert", "")


def test_stop_from_the_keyboard_then_focus_returns_to_the_input(page, app_server):
    open_app(page, app_server.url)
    tab_to(page, is_input)
    page.keyboard.type("A long detailed essay about rivers, please")
    page.keyboard.press("Enter")
    expect(last_answer(page)).to_contain_text("This is the offline demo model", timeout=30_000)
    stop = tab_to(page, lambda s: s["tag"] == "BUTTON" and s["text"].endswith("Stop"))
    assert_ring_visible(stop)
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(last_answer(page)).to_contain_text("Stopped. The text so far is kept.")
    input_has_focus(page)


def test_switch_model_and_deep_thinking_from_the_keyboard(page, app_server):
    open_app(page, app_server.url)
    picker = tab_to(page, lambda s: s["role"] == "combobox")
    assert_ring_visible(picker)
    page.keyboard.press("ArrowDown")  # opens the list
    option = page.get_by_role("option", name=re.compile(r"^DeepSeek V4 Flash"))
    expect(option).to_be_visible()
    target = option.get_attribute("id")
    for _ in range(12):  # the highlighted option is the input's active descendant
        if (
            page.evaluate("() => document.activeElement.getAttribute('aria-activedescendant')")
            == target
        ):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.get_by_text("DeepSeek's fast V4 model", exact=False)).to_be_visible()
    toggle = page.get_by_role("switch", name="Deep thinking")
    before = toggle.is_checked()
    state = tab_to(page, lambda s: s["role"] == "switch" or s["text"] == "Deep thinking")
    assert_ring_visible(state)
    page.keyboard.press("Space")
    wait_idle(page)
    expect(toggle).to_be_checked(checked=not before)
    # Escape closes an opened list without choosing.
    tab_to(page, lambda s: s["role"] == "combobox", backwards=True)
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("listbox")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(page.get_by_text("DeepSeek's fast V4 model", exact=False)).to_be_visible()


def test_vote_in_the_arena_from_the_keyboard(page, app_server):
    open_app(page, app_server.url)
    page.goto(f"{app_server.url}/arena")
    wait_idle(page)
    tab_to(page, is_input)
    page.keyboard.type("What makes a good explanation?")
    page.keyboard.press("Enter")
    wait_idle(page, timeout=60_000)
    vote = tab_to(page, lambda s: s["tag"] == "BUTTON" and s["text"].endswith("A is better"))
    assert_ring_visible(vote)
    page.keyboard.press("Space")
    wait_idle(page)
    expect(page.get_by_text(re.compile("Model A was"))).to_be_visible()
