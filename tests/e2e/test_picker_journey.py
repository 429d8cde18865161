"""The model picker opens on the first click, every time.

After an answer the page is scrolled down to it, so the picker at the top is
out of view: the click that opens it comes with a scroll (as a person's click
comes at the end of a wheel or touchpad gesture). That scroll used to close
the list the click had just opened (see ui/select_lists.py).
"""

from playwright.sync_api import expect

from tests.e2e.helpers import open_app, send, wait_idle

SCROLLER = '[data-testid="stAppScrollToBottomContainer"]'
MODELS = ("Demo Swift · offline", "Demo Thinker · offline")


def test_the_picker_opens_on_the_first_click_ten_times(page, app_server):
    open_app(page, app_server.url)
    send(page, "Explain tides, with a table")
    wait_idle(page, timeout=60_000)
    picker = page.get_by_test_id("stSelectbox").first
    # The script that makes it so takes no room on the page.
    expect(page.locator(":has(> .st-key-select-lists)")).to_be_hidden()
    for attempt in range(10):
        page.locator(SCROLLER).evaluate("element => { element.scrollTop = element.scrollHeight; }")
        page.wait_for_timeout(100)
        picker.click()  # one click: scrolls the picker into view, then presses it
        option = page.get_by_role("option", name=MODELS[attempt % 2], exact=True)
        expect(option, f"click {attempt + 1} did not open the list").to_be_visible(timeout=2_000)
        if attempt % 3 == 2:
            page.keyboard.press("Escape")  # looked, changed nothing
        else:
            option.click()
        wait_idle(page)
    expect(page.get_by_role("option")).to_have_count(0)
