"""Accounts mode in Chromium: a reload keeps you signed in; sign-out ends it everywhere.

The session token lives in a cookie written by ui/session_cookie.py's component;
these journeys check what the browser really holds and sends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.accounts import accounts_app, sign_in, sign_up
from tests.e2e.conftest import AppServer
from tests.e2e.helpers import open_app, wait_idle

SIGN_IN_TITLE = "Sign in to Duet"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[AppServer]:
    yield from accounts_app(tmp_path_factory, "signed-in")


def session_cookie(page: Page) -> dict | None:
    found = [c for c in page.context.cookies() if c["name"].endswith("duet_session")]
    return found[0] if found else None


def wait_for_cookie(page: Page, present: bool, timeout_s: float = 10) -> dict | None:
    """The session cookie once it is there (or gone), as the browser holds it."""
    for _ in range(int(timeout_s * 10)):
        cookie = session_cookie(page)
        if (cookie is not None) == present:
            return cookie
        page.wait_for_timeout(100)
    raise AssertionError(f"session cookie {'never set' if present else 'still there'}")


def expect_signed_in(page: Page) -> None:
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible()
    expect(page.get_by_text(SIGN_IN_TITLE)).to_have_count(0)


def expect_signed_out(page: Page) -> None:
    expect(page.get_by_text(SIGN_IN_TITLE)).to_be_visible()
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_count(0)


def test_a_reload_keeps_you_signed_in_until_you_sign_out(page, app_server):
    open_app(page, app_server.url)
    expect_signed_out(page)
    sign_up(page, "rita")
    expect_signed_in(page)
    cookie = wait_for_cookie(page, present=True)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["expires"] > 0  # expires with the session, not "until forever"
    assert cookie["value"] not in page.url

    reload(page)
    expect_signed_in(page)

    sign_out(page)
    expect_signed_out(page)
    stolen = cookie["value"]

    reload(page)
    expect_signed_out(page)
    # The browser drops the dead cookie; a copy kept by a thief is worth nothing.
    wait_for_cookie(page, present=False)
    page.context.add_cookies([{**cookie, "value": stolen}])
    reload(page)
    expect_signed_out(page)


def test_another_browser_with_a_forged_cookie_is_not_signed_in(page, app_server):
    page.context.add_cookies(
        [{"name": "duet_session", "value": "x" * 43, "url": app_server.url, "sameSite": "Strict"}]
    )
    open_app(page, app_server.url)
    expect_signed_out(page)
    sign_in(page, "rita")
    expect_signed_in(page)


def reload(page: Page) -> None:
    page.reload()
    page.locator('[data-testid="stApp"]').wait_for()
    wait_idle(page)


def sign_out(page: Page) -> None:
    page.get_by_role("link", name="Account").click()
    wait_idle(page)
    page.get_by_role("button", name="Sign out").click()
    wait_idle(page)


def test_sign_out_in_one_tab_ends_the_other_without_undoing_a_new_sign_in(page, app_server):
    open_app(page, app_server.url)
    sign_up(page, "sven")
    wait_for_cookie(page, present=True)
    other_tab = page.context.new_page()  # opened with the cookie: signed in
    open_app(other_tab, app_server.url)
    expect_signed_in(other_tab)

    sign_out(page)
    other_tab.get_by_role("link", name="Account").click()  # its next click
    wait_idle(other_tab)
    expect_signed_out(other_tab)

    sign_in(page, "sven")  # a new session, a new cookie
    expect_signed_in(page)
    fresh = wait_for_cookie(page, present=True)
    # The stale tab, still showing the sign-in page, reruns: the new cookie stays.
    other_tab.get_by_role("textbox", name="Username").first.fill("someone")
    other_tab.keyboard.press("Tab")
    wait_idle(other_tab)
    assert session_cookie(page)["value"] == fresh["value"]
    reload(page)
    expect_signed_in(page)
