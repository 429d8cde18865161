"""WCAG 2.2 AA, measured from outside: axe-core over every page and state.

Fails on any serious or critical violation (tests/e2e/accessibility.py). The
whole tour runs once on a light desktop in English and once on a dark phone in
Chinese; the other two pairings look at the chat only, where most of the text
is. A tour and its axe runs take 30-50 s on a 2-core machine. docs/accessibility.md
says what is checked and what axe cannot check.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.accessibility import AXE_JS, blocking, describe, run_axe
from tests.e2e.conftest import AppServer
from tests.e2e.helpers import go, last_answer, send, wait_idle

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CLOUDS = ("demo-east", "demo-west", "demo-lite")

if not AXE_JS.exists():
    pytest.skip(
        "axe-core is not installed: run `npm ci` in tests/e2e/axe (.ci/run does)",
        allow_module_level=True,
    )


def assert_accessible(page: Page, where: str) -> None:
    found = blocking(run_axe(page))
    assert not found, f"{where}: serious or critical accessibility violations\n{describe(found)}"


def new_page(browser, *, scheme: str, locale: str, viewport: dict) -> Page:
    context = browser.new_context(
        viewport=viewport, color_scheme=scheme, locale=locale, is_mobile=viewport is PHONE
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def tour(page: Page, url: str, label: str) -> None:
    """Every page, and the chat and arena in their main states."""
    go(page, url)
    assert_accessible(page, f"{label} chat, empty")
    send(page, "Explain how a reasoning model thinks")
    expect(page.locator('[data-testid="stExpander"]').first).to_be_visible()
    assert_accessible(page, f"{label} chat, answer streaming")
    wait_idle(page)
    assert_accessible(page, f"{label} chat, finished answer")
    go(page, url, "compare")
    assert_accessible(page, f"{label} compare")
    go(page, url, "arena")
    send(page, "What makes a good explanation?")
    wait_idle(page, timeout=60_000)
    assert_accessible(page, f"{label} arena, before the vote")
    page.get_by_test_id("stButton").filter(has_text=re.compile("A is better|A 更好")).click()
    wait_idle(page)
    assert_accessible(page, f"{label} arena, after the vote")
    for path in ("leaderboard", "batch", "status", "account"):
        go(page, url, path)
        if path == "status":  # its chart, told in words too
            summary = re.compile(r"In the last hour: \d+ requests|最近一小时：共 \d+ 个请求")
            expect(page.get_by_text(summary)).to_be_visible()
        assert_accessible(page, f"{label} {path}")


@pytest.mark.parametrize(
    ("scheme", "locale", "viewport"),
    [("light", "en-US", DESKTOP), ("dark", "zh-CN", PHONE)],
    ids=["light-en-desktop", "dark-zh-phone"],
)
def test_every_page_has_no_serious_violations(browser, app_server, scheme, locale, viewport):
    page = new_page(browser, scheme=scheme, locale=locale, viewport=viewport)
    tour(page, app_server.url, f"[{scheme} {locale} {viewport['width']}px]")
    page.context.close()


@pytest.mark.parametrize(
    ("scheme", "locale", "viewport"),
    [("dark", "en-US", DESKTOP), ("light", "zh-CN", PHONE)],
    ids=["dark-en-desktop", "light-zh-phone"],
)
def test_chat_has_no_serious_violations(browser, app_server, scheme, locale, viewport):
    page = new_page(browser, scheme=scheme, locale=locale, viewport=viewport)
    label = f"[{scheme} {locale} {viewport['width']}px]"
    go(page, app_server.url)
    send(page, "Write a Python function, with code")
    wait_idle(page)
    assert_accessible(page, f"{label} chat, finished answer with code")
    page.context.close()


def set_every_cloud(
    page: Page, url: str, *, busy: bool, down: bool, clouds: tuple[str, ...] = CLOUDS
) -> None:
    """Demo clouds all busy (retry after 3 s) or not, down or not, from the Status page.

    End and Home move a slider to its ends in one key press (a person's keyboard
    shortcut too), which keeps this quick.
    """
    go(page, url, "status")
    for cloud in clouds:
        card = page.locator(f".st-key-faults-{cloud}")
        slider = card.get_by_role("slider")
        if (slider.input_value() == "100") != busy:
            slider.focus()
            slider.press("End" if busy else "Home")
            wait_idle(page)
        number = card.get_by_test_id("stNumberInputField")
        if number.input_value() != ("3" if busy else "0"):
            number.fill("3" if busy else "0")
            number.press("Enter")
            wait_idle(page)
        toggle = card.get_by_role("switch")
        if toggle.is_checked() != down:
            toggle.click(force=True)
            wait_idle(page)


def test_busy_and_failed_answers_have_no_serious_violations(page, app_server):
    """The retry countdown, an error and the queue, as the status line and the error box
    show them."""
    url = app_server.url
    set_every_cloud(page, url, busy=True, down=False)
    go(page, url)
    send(page, "Hello during the rush")
    expect(page.get_by_text(re.compile(r"retrying in \d+ s"))).to_be_visible()
    assert_accessible(page, "chat, retrying with a countdown")
    page.get_by_role("button", name="Stop").click()
    wait_idle(page)
    set_every_cloud(page, url, busy=False, down=True)
    go(page, url)
    send(page, "Anyone there at all?")
    wait_idle(page, timeout=60_000)
    expect(last_answer(page).get_by_test_id("stAlert")).to_be_visible()
    assert_accessible(page, "chat, failed answer")
    # In line: each demo cloud takes two answers at a time; with the second cloud
    # down, two long answers fill the first and a third waits, counting down.
    set_every_cloud(page, url, busy=False, down=False, clouds=CLOUDS[:1])
    tabs = [page.context.new_page() for _ in range(2)]
    for number, tab in enumerate(tabs):
        go(tab, url)
        send(tab, f"A long detailed essay number {number}")
        expect(tab.get_by_text("Thinking…")).to_be_visible()
    go(page, url)
    send(page, "Me too, please")
    expect(page.get_by_text(re.compile(r"You are #1 in line, about"))).to_be_visible()
    assert_accessible(page, "chat, queued with a countdown")
    for tab in tabs:
        tab.close()  # their answers finish on their own in the worker
    set_every_cloud(page, url, busy=False, down=False)


def test_versions_search_result_and_share_link_have_no_serious_violations(page, app_server):
    """The states the keyboard journeys reach: a pager under a regenerated answer,
    a conversation opened at a search result (the message focused), and the menu
    with a new share link and its copy button shown."""
    go(page, app_server.url)
    send(page, "Which rivers cross Laos?")
    wait_idle(page)
    last_answer(page).get_by_role("button", name="Regenerate").click()
    wait_idle(page, timeout=60_000)
    expect(last_answer(page)).to_contain_text("2 / 2")
    assert_accessible(page, "chat, two versions of an answer")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("searchbox").fill("Laos")
    sidebar.get_by_role("searchbox").press("Enter")
    wait_idle(page)
    sidebar.get_by_role("button", name=re.compile("Laos")).first.click()
    wait_idle(page)
    expect(page.locator('[class*="st-key-found-"]')).to_have_count(1)
    assert_accessible(page, "chat, opened at a search result")
    page.locator('[class*="st-key-menu-"] button').first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Create a share link").click()
    wait_idle(page)
    dialog.get_by_test_id("stCode").focus()
    expect(dialog.get_by_role("button", name="Copy to clipboard")).to_be_visible()
    assert_accessible(page, "conversation menu with a new share link")


@pytest.fixture(scope="module")
def accounts_server(tmp_path_factory):
    server = AppServer(tmp_path_factory.mktemp("a11y-accounts"), AUTH_MODE="accounts")
    yield server
    server.stop()


def test_sign_in_has_no_serious_violations(browser, accounts_server):
    page = new_page(browser, scheme="light", locale="en-US", viewport=DESKTOP)
    go(page, accounts_server.url)
    expect(page.get_by_role("button", name=re.compile("Sign in"))).to_be_visible()
    assert_accessible(page, "[light] sign-in")
    page.emulate_media(color_scheme="dark")  # the theme follows the system at once
    background = "() => getComputedStyle(document.querySelector('[data-testid=stApp]'))"
    for _ in range(20):
        if page.evaluate(background + ".backgroundColor") == "rgb(20, 22, 28)":
            break
        page.wait_for_timeout(100)
    assert page.evaluate(background + ".backgroundColor") == "rgb(20, 22, 28)"  # #14161C
    assert_accessible(page, "[dark] sign-in")
    page.context.close()
