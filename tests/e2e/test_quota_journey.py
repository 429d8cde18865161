"""A team in Chromium: the admin caps a person's tokens on the Usage page; her
next question past the cap is refused with a plain sentence, and what she
typed stays on screen to send again; the Usage page says the limit is reached.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.accounts import accounts_app, sign_up
from tests.e2e.conftest import AppServer
from tests.e2e.helpers import go, messages, open_app, send, wait_idle


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[AppServer]:
    yield from accounts_app(tmp_path_factory, "quota")


def signed_up(page: Page, url: str, username: str) -> None:
    open_app(page, url)
    sign_up(page, username)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible()


def test_a_person_hits_the_token_limit_an_admin_set(browser, app_server):
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    member = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        admin_page, member_page = admin.new_page(), member.new_page()
        for page in (admin_page, member_page):
            page.set_default_timeout(20_000)
        signed_up(admin_page, app_server.url, "mia")  # the first account is the admin
        signed_up(member_page, app_server.url, "nora")

        # The admin gives Nora 1 token per 30 days on the Usage page.
        go(admin_page, app_server.url, "usage")
        expect(admin_page.get_by_text("Groups, models and limits")).to_be_visible()
        person = admin_page.get_by_test_id("stSelectbox").last
        person.click()
        admin_page.get_by_role("option", name="nora", exact=True).click()
        wait_idle(admin_page)
        form = admin_page.get_by_test_id("stForm").last
        box = form.get_by_role("spinbutton", name="Tokens per 30 days")
        box.fill("1")
        box.press("Tab")
        form.get_by_role("button", name="Save").click()
        wait_idle(admin_page)
        expect(
            admin_page.get_by_test_id("stForm").last.get_by_role(
                "spinbutton", name="Tokens per 30 days"
            )
        ).to_have_value("1")

        # Her first question is answered; it uses more than the one token.
        send(member_page, "What is a quota?")
        wait_idle(member_page, timeout=60_000)
        expect(messages(member_page)).to_have_count(2)
        # The next one is refused before it is sent, and her text is kept.
        send(member_page, "And one more question")
        wait_idle(member_page)
        alert = member_page.get_by_test_id("stAlert")
        expect(alert.filter(has_text="this month's allowance of 1 tokens")).to_be_visible()
        expect(member_page.get_by_role("button", name="Send again")).to_be_visible()
        expect(member_page.get_by_text("And one more question")).to_be_visible()
        expect(messages(member_page)).to_have_count(2)  # nothing new in the conversation

        # Her Usage page says so.
        go(member_page, app_server.url, "usage")
        expect(member_page.get_by_text("Limit reached").first).to_be_visible()
        expect(member_page.get_by_text("Everyone's usage")).to_have_count(0)
    finally:
        admin.close()
        member.close()
