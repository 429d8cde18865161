"""A temporary chat in Chromium: switched on, asked, reloaded while the answer is
still being written, and found again with its answer, with nothing in the history."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.helpers import messages, open_app, send, wait_idle

QUESTION = "Tell me a long story about a tortoise"


def test_a_reload_keeps_the_temporary_chat_and_its_answer(page: Page, app_server):
    open_app(page, app_server.url)
    page.get_by_text("Temporary chat", exact=True).click()
    wait_idle(page)
    assert "tmp=" in page.url
    expect(page.get_by_text("Temporary chat: not saved")).to_be_visible()

    send(page, QUESTION)
    expect(messages(page)).to_have_count(2)
    page.reload()  # while the answer is being written: a new session, the same URL
    page.locator('[data-testid="stApp"]').wait_for()
    expect(messages(page).first).to_contain_text(QUESTION)
    wait_idle(page, timeout=60_000)
    answer = messages(page).last
    expect(answer).not_to_be_empty()
    assert len(answer.inner_text().strip()) > 20
    expect(page.get_by_test_id("stSidebar").get_by_text(QUESTION)).to_have_count(0)

    page.get_by_text("Temporary chat", exact=True).click()  # off: forgotten
    wait_idle(page)
    assert "tmp=" not in page.url
    expect(page.get_by_text(QUESTION)).to_have_count(0)
