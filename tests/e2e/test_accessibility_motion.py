"""Motion and reflow: reduced motion honoured; 320 px wide without sideways scrolling of text.

320 CSS px is WCAG 1.4.10's reflow width (a 1280 px window at 400% zoom); a
phone held upright and 200% zoom of a laptop are wider than that.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import last_answer, open_app, send, wait_idle

# Animations still running after this many milliseconds (a spinner runs forever).
RUNNING_ANIMATIONS = """() => document.getAnimations()
  .filter(a => a.playState === 'running')
  .filter(a => (a.effect?.getComputedTiming().endTime ?? 0) > 50).length"""

# Text on screen (not in the closed sidebar, which sits left of the window) that
# reaches past the right edge of the window, or scrolls sideways in its box.
CUT_OFF_TEXT = """(width) => [...document.querySelectorAll(
    'p, li, pre, h1, h2, h3, h4, blockquote, textarea, [data-testid=stCaptionContainer]')]
  .filter(el => el.getClientRects().length && el.getBoundingClientRect().left >= 0)  // shown
  .filter(el => el.getBoundingClientRect().right > width + 1 || el.scrollWidth > el.clientWidth + 1)
  .map(el => el.tagName + ': ' + el.textContent.slice(0, 60))"""


def thinking_animations(page) -> int:
    expect(page.get_by_text("Thinking…")).to_be_visible()
    page.wait_for_timeout(300)
    return page.evaluate(RUNNING_ANIMATIONS)


def test_reduced_motion_stops_the_animations(browser, app_server):
    moving = browser.new_context(reduced_motion="no-preference").new_page()
    open_app(moving, app_server.url)
    send(moving, "Explain how a reasoning model thinks")
    assert thinking_animations(moving) > 0, "the thinking spinner should move by default"
    moving.context.close()
    still = browser.new_context(reduced_motion="reduce").new_page()
    open_app(still, app_server.url)
    send(still, "Explain how a reasoning model thinks")
    assert thinking_animations(still) == 0
    wait_idle(still)
    still.context.close()


def test_320_px_wide_needs_no_sideways_scrolling(browser, app_server):
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    open_app(page, app_server.url)
    send(
        page, "Write a Python function, with code, and a long_identifier_without_any_spaces_at_all"
    )
    wait_idle(page)
    expect(last_answer(page).locator("pre").first).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    assert page.evaluate(CUT_OFF_TEXT, 320) == []
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_in_viewport()
    context.close()
