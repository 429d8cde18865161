"""Keyboard-only journeys on the account pages (AUTH_MODE=accounts): create an
account, change the password, sign out and sign in again, with Tab, Shift+Tab,
Enter and the arrow keys only, as in test_accessibility_keyboard.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.accounts import PASSWORD, accounts_app
from tests.e2e.conftest import AppServer
from tests.e2e.helpers import go, open_app, wait_idle
from tests.e2e.keyboard import assert_ring_visible, focused, is_button, is_input, tab_to

NEW_PASSWORD = "staple battery horse"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[AppServer]:
    yield from accounts_app(tmp_path_factory, "keyboard-accounts")


def fill_form(page, fields: list[tuple[str, str]]) -> None:
    """Tab to each field in order and type into it; Enter in the last submits."""
    for name, value in fields:
        state = tab_to(page, lambda s, name=name: s["tag"] == "INPUT" and label_of(page) == name)
        assert_ring_visible(state)
        page.keyboard.type(value)
    page.keyboard.press("Enter")
    wait_idle(page)


def label_of(page) -> str:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          return (el.labels && el.labels[0] ? el.labels[0].innerText
                  : el.getAttribute('aria-label') || '').trim();
        }"""
    )


def test_create_an_account_change_the_password_and_sign_in_again(page, app_server):
    open_app(page, app_server.url)
    expect(page.get_by_text("Sign in to Duet")).to_be_visible()
    # The two tabs are one stop; the arrow key moves to "Create account".
    tab = tab_to(page, lambda s: s["role"] == "tab")
    assert_ring_visible(tab)
    page.keyboard.press("ArrowRight")
    assert focused(page)["text"] == "Create account", focused(page)
    page.keyboard.press("Enter")
    create_form = page.get_by_test_id("stForm").nth(1)
    expect(create_form).to_be_visible()
    fill_form(page, [("Username", "keys.only"), ("Password", PASSWORD)])
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=30_000)
    # Signed in: the chat input is reachable.
    assert_ring_visible(tab_to(page, is_input))

    go(page, app_server.url, "account")
    fill_form(
        page,
        [
            ("Current password", PASSWORD),
            ("New password", NEW_PASSWORD),
            ("New password, again", NEW_PASSWORD),
        ],
    )
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    sign_out = tab_to(page, is_button("Sign out"))
    assert_ring_visible(sign_out)
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.get_by_text("Sign in to Duet")).to_be_visible()

    fill_form(page, [("Username", "keys.only"), ("Password", NEW_PASSWORD)])
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=30_000)
