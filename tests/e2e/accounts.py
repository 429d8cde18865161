"""Journeys in accounts mode (AUTH_MODE=accounts): the app they run against and
the sign-up and sign-in steps, done with the mouse as most people do them
(test_accessibility_keyboard_accounts.py does them with keys only)."""

from __future__ import annotations

from collections.abc import Iterator

from playwright.sync_api import Page

from tests.e2e.conftest import AppServer
from tests.e2e.helpers import wait_idle

PASSWORD = "correct horse battery"


def accounts_app(tmp_path_factory, name: str) -> Iterator[AppServer]:
    """An app where anyone may create an account and nobody is an admin by
    name (the first account made becomes the admin); for a module fixture:
    `yield from accounts_app(tmp_path_factory, "share")`."""
    server = AppServer(
        tmp_path_factory.mktemp(name), AUTH_MODE="accounts", ALLOW_SIGNUP="true", ADMINS=""
    )
    try:
        yield server
    finally:
        server.stop()


def sign_up(page: Page, username: str, password: str = PASSWORD) -> None:
    """Create an account from the sign-in page (it signs the new account in)."""
    page.get_by_role("tab", name="Create account").click()
    form = page.get_by_test_id("stForm").nth(1)
    form.get_by_role("textbox", name="Username").fill(username)
    form.get_by_role("textbox", name="Password").fill(password)
    form.get_by_role("button", name="Create account").click()
    wait_idle(page)


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    form = page.get_by_test_id("stForm").first
    form.get_by_role("textbox", name="Username").fill(username)
    form.get_by_role("textbox", name="Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    wait_idle(page)
