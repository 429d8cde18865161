"""Sharing in Chromium (accounts mode): the owner makes a link in the conversation menu,
a fresh browser that never signed in reads it, and after Revoke it opens nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.accounts import accounts_app, sign_up
from tests.e2e.conftest import AppServer
from tests.e2e.helpers import messages, open_app, send, wait_idle

QUESTION = "Plan the Tortoise launch"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[AppServer]:
    yield from accounts_app(tmp_path_factory, "share")


def open_menu(page: Page):
    page.locator('[class*="st-key-menu-"] button').first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_share_read_without_signing_in_then_revoke(page: Page, browser, app_server):
    open_app(page, app_server.url)
    sign_up(page, "alice")
    send(page, QUESTION)
    wait_idle(page)
    answer = messages(page).last.inner_text()

    dialog = open_menu(page)
    dialog.get_by_role("button", name="Create a share link").click()
    wait_idle(page)
    link = dialog.get_by_test_id("stCode").inner_text().strip()
    assert link.startswith(f"{app_server.url}/?share=")

    stranger = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        reader = stranger.new_page()
        open_app(reader, link)
        expect(messages(reader).first).to_contain_text(QUESTION)
        expect(messages(reader)).to_have_count(2)
        assert answer.splitlines()[0] in messages(reader).last.inner_text()
        expect(reader.get_by_test_id("stChatInput")).to_have_count(0)
        expect(reader.get_by_text("Sign in to Duet")).to_have_count(0)
        expect(reader.get_by_test_id("stSidebar")).to_have_count(0)
        robots = reader.locator('head meta[name="robots"]')
        expect(robots).to_have_attribute("content", "noindex, nofollow, noarchive")
        expect(reader.locator('head meta[name="referrer"]')).to_have_attribute(
            "content", "no-referrer"
        )

        dialog.get_by_role("button", name="Revoke").click()
        wait_idle(page)
        expect(page.get_by_role("dialog").get_by_role("button", name="Revoke")).to_have_count(0)

        open_app(reader, link)  # a reload, or anyone else holding the link
        expect(reader.get_by_text("This link does not open anything")).to_be_visible()
        expect(reader.get_by_text(QUESTION)).to_have_count(0)
    finally:
        stranger.close()
