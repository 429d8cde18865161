"""What a person does in the app, as Playwright steps."""

from __future__ import annotations

from playwright.sync_api import Page, expect

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.locator('[data-testid="stApp"]').wait_for()
    wait_idle(page)


def wait_idle(page: Page, timeout: float = 30_000) -> None:
    """Wait until the script run is over (a live answer keeps it running)."""
    page.wait_for_timeout(200)  # let a just-triggered rerun start
    expect(page.locator(IDLE)).to_have_count(1, timeout=timeout)
    # A finished answer reruns the page once more: idle must hold for a moment.
    page.wait_for_timeout(400)
    expect(page.locator(IDLE)).to_have_count(1, timeout=timeout)


def send(page: Page, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled()
    box.fill(text)
    box.press("Enter")


def messages(page: Page):
    return page.get_by_test_id("stChatMessage")


def last_answer(page: Page):
    return messages(page).last


def choose(page: Page, select_index: int, option: str) -> None:
    """Pick `option` in the select box at `select_index` (0 = the model picker)."""
    box = page.get_by_test_id("stSelectbox").nth(select_index)
    target = page.get_by_role("option", name=option, exact=True)
    box.click()  # one click opens it, even when it must scroll into view first
    target.wait_for(timeout=5_000)
    target.click()
    wait_idle(page)


def go(page: Page, url: str, path: str = "") -> None:
    page.goto(f"{url}/{path}")
    page.locator('[data-testid="stApp"]').wait_for()
    wait_idle(page)


def set_demo_faults(page: Page, url: str, cloud: str, *, busy: int, retry_after: int, down: bool):
    """On the Status page, set one demo cloud's faults as a presenter would.

    `cloud` is the provider id (demo-east, demo-west, demo-lite).
    """
    go(page, url, "status")
    card = page.locator(f".st-key-faults-{cloud}")
    slider = card.get_by_role("slider")
    # Each key press reruns the page; under load a press can land mid-rerun, so
    # keep nudging until the slider shows the value asked for.
    for _ in range(30):
        now = int(slider.input_value() or 0)
        if now == busy:
            break
        slider.focus()
        slider.press("ArrowRight" if now < busy else "ArrowLeft")
        wait_idle(page)
    expect(slider).to_have_value(str(busy))
    number = card.get_by_test_id("stNumberInputField")
    number.fill(str(retry_after))
    number.press("Enter")
    wait_idle(page)
    toggle = card.get_by_role("switch")
    if toggle.is_checked() != down:
        toggle.click(force=True)
        wait_idle(page)
