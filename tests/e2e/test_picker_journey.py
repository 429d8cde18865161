"""The model picker opens on the first click, every time.

After an answer the page is scrolled down to it, so the picker at the top is
out of view: the click that opens it comes with a scroll (as a person's click
comes at the end of a wheel or touchpad gesture). That scroll used to close
the list the click had just opened (see ui/select_lists.py).
"""

from playwright.sync_api import Page, expect

from tests.e2e.helpers import open_app, send, wait_idle

SCROLLER = '[data-testid="stAppScrollToBottomContainer"]'
MODELS = ("Demo Swift · offline", "Demo Thinker · offline")

# True when the page has stayed off its bottom for 400 ms, with the picker
# above the view. Streamlit's scroll-to-bottom pulls the page back when it has
# not yet seen the scroll that left the bottom; that pull would be over by then.
STAYED_UP_WITH_PICKER_OUT_OF_VIEW = """
([element, picker]) => new Promise((resolve) => setTimeout(() => {
  const offBottom = element.scrollHeight - element.scrollTop - element.clientHeight > 1;
  resolve(offBottom && picker.getBoundingClientRect().bottom < 0);
}, 400))
"""


def scroll_the_picker_out_of_view(page: Page) -> None:
    """Down to the answer, then a little way back up with the wheel, as a person
    reading it does.

    A scroll made by a script or by Playwright straight from the bottom can race
    Streamlit's scroll-to-bottom, which then pulls the page back down: no
    person's gesture does that. So each try is checked before the click.
    """
    scroller = page.locator(SCROLLER)
    picker = page.get_by_test_id("stSelectbox").first
    for _ in range(5):
        scroller.evaluate("element => { element.scrollTop = element.scrollHeight; }")
        page.wait_for_timeout(200)
        box = scroller.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, -150)
        handles = [scroller.element_handle(), picker.element_handle()]
        if page.evaluate(STAYED_UP_WITH_PICKER_OUT_OF_VIEW, handles):
            return
    raise AssertionError("the page did not stay scrolled up with the picker out of view")


def test_the_picker_opens_on_the_first_click_ten_times(page, app_server):
    open_app(page, app_server.url)
    send(page, "Explain tides, with a table")
    wait_idle(page, timeout=60_000)
    picker = page.get_by_test_id("stSelectbox").first
    # The script that makes it so takes no room on the page.
    expect(page.locator(":has(> .st-key-select-lists)")).to_be_hidden()
    for attempt in range(10):
        scroll_the_picker_out_of_view(page)
        picker.click()  # one click: scrolls the picker into view, then presses it
        option = page.get_by_role("option", name=MODELS[attempt % 2], exact=True)
        expect(option, f"click {attempt + 1} did not open the list").to_be_visible(timeout=2_000)
        if attempt % 3 == 2:
            page.keyboard.press("Escape")  # looked, changed nothing
        else:
            option.click()
        wait_idle(page)
    expect(page.get_by_role("option")).to_have_count(0)
