"""Whatever a returning user opens comes back after a reload, in a new tab, and with Back.

Every way of opening something (the sidebar list, a search result, the pinned
and archived lists, the history of comparisons, battles and batches) must
leave a URL that opens it again.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import go, messages, open_app, send, wait_idle


def sidebar(page: Page):
    return page.get_by_test_id("stSidebar")


def main(page: Page):
    return page.get_by_role("main")


def reload_and_new_tab(page: Page, check) -> None:
    """`check` holds after a reload, and in a new tab opened at the same URL."""
    url = page.url
    page.reload()
    wait_idle(page)
    check(page)
    tab = page.context.new_page()
    try:
        tab.goto(url)
        wait_idle(tab)
        check(tab)
    finally:
        tab.close()


def new_chat(page: Page, question: str) -> None:
    sidebar(page).get_by_role("button", name="New chat").click()
    wait_idle(page)
    send(page, question)
    wait_idle(page, timeout=60_000)


def shows_question(text: str):
    def check(page: Page) -> None:
        expect(messages(page).first).to_contain_text(text)

    return check


def test_a_conversation_from_the_sidebar_survives_reload_and_back(page, app_server):
    open_app(page, app_server.url)
    new_chat(page, "Rivers of Europe, please")
    new_chat(page, "Lakes of Africa, please")
    sidebar(page).get_by_role("button", name="Rivers of Europe, please").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"\?c=\w+"))
    reload_and_new_tab(page, shows_question("Rivers of Europe"))
    sidebar(page).get_by_role("button", name="Lakes of Africa, please").click()
    wait_idle(page)
    shows_question("Lakes of Africa")(page)
    page.go_back()  # to the conversation before
    wait_idle(page)
    shows_question("Rivers of Europe")(page)
    page.go_forward()
    wait_idle(page)
    shows_question("Lakes of Africa")(page)
    page.get_by_role("link", name="Compare").click()  # another page, then Back
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/compare$"))
    page.go_back()
    wait_idle(page)
    shows_question("Lakes of Africa")(page)


def test_a_search_result_reopens_at_the_found_message(page, app_server):
    open_app(page, app_server.url)
    new_chat(page, "First about otters")
    send(page, "Now the capybara question")
    wait_idle(page, timeout=60_000)
    new_chat(page, "Something else entirely")
    sidebar(page).get_by_role("searchbox").fill("capybara")
    sidebar(page).get_by_role("searchbox").press("Enter")
    wait_idle(page)
    sidebar(page).get_by_role("button", name=re.compile("capybara")).first.click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"\?c=\w+&m=\w+"))

    def at_the_found_message(tab: Page) -> None:
        found = tab.locator('[class*="st-key-found-"]')
        expect(found).to_have_count(1)
        expect(found).to_contain_text("Now the capybara question")

    reload_and_new_tab(page, at_the_found_message)


def test_pinned_and_archived_conversations_reopen(page, app_server):
    open_app(page, app_server.url)
    new_chat(page, "Pin this chat about owls")
    main(page).get_by_role("button", name="Pin this chat about owls").click()
    page.get_by_role("dialog").get_by_role("button", name="Pin").click()
    wait_idle(page)
    new_chat(page, "Archive this chat about moles")
    main(page).get_by_role("button", name="Archive this chat about moles").click()
    page.get_by_role("dialog").get_by_role("button", name="Archive").click()
    wait_idle(page)
    new_chat(page, "A chat in between")

    sidebar(page).get_by_role("button", name="Pin this chat about owls").click()
    wait_idle(page)
    reload_and_new_tab(page, shows_question("Pin this chat about owls"))

    sidebar(page).get_by_text("Archived").click()
    wait_idle(page)
    sidebar(page).get_by_role("button", name="Archive this chat about moles").click()
    wait_idle(page)
    reload_and_new_tab(page, shows_question("Archive this chat about moles"))


def open_from_history(page: Page, history: str, name: str) -> None:
    main(page).get_by_role("button", name=history).click()
    page.get_by_test_id("stPopoverBody").get_by_role("button", name=re.compile(name)).click()
    wait_idle(page)


def test_a_comparison_from_its_history_reopens(page, app_server):
    go(page, app_server.url, "compare")
    send(page, "Compare owls and hawks")
    wait_idle(page, timeout=60_000)
    main(page).get_by_role("button", name="New", exact=True).click()
    wait_idle(page)
    expect(main(page)).not_to_contain_text("Compare owls and hawks")
    open_from_history(page, "History", "Compare owls and hawks")
    expect(page).to_have_url(re.compile(r"/compare\?cmp=\w+"))

    def shows_it(tab: Page) -> None:
        expect(main(tab).get_by_text("Compare owls and hawks").first).to_be_visible()

    reload_and_new_tab(page, shows_it)
    page.go_back()  # to the empty new comparison
    wait_idle(page)
    expect(main(page)).not_to_contain_text("Compare owls and hawks")


def test_a_battle_from_its_history_reopens(page, app_server):
    go(page, app_server.url, "arena")
    send(page, "Battle about sparrows")
    wait_idle(page, timeout=60_000)
    main(page).get_by_role("button", name="New battle").click()
    wait_idle(page)
    open_from_history(page, "Battles", "Battle about sparrows")
    expect(page).to_have_url(re.compile(r"/arena\?battle=\w+"))

    def shows_it(tab: Page) -> None:
        expect(main(tab).get_by_text("Battle about sparrows").first).to_be_visible()

    reload_and_new_tab(page, shows_it)


def test_a_batch_from_its_history_reopens(page, app_server, tmp_path):
    prompts = tmp_path / "reopen-me.csv"
    prompts.write_text("prompt\nName a bird\nName a fish\n")
    go(page, app_server.url, "batch")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(prompts))
    wait_idle(page)
    main(page).get_by_role("button", name="Run").click()
    wait_idle(page, timeout=60_000)
    main(page).get_by_role("button", name="New batch").click()
    wait_idle(page)
    open_from_history(page, "Batches", "reopen-me.csv")
    expect(page).to_have_url(re.compile(r"/batch\?batch=\w+"))

    def shows_it(tab: Page) -> None:
        expect(main(tab).get_by_text("reopen-me.csv").first).to_be_visible()
        expect(main(tab).get_by_role("button", name="New batch")).to_be_visible()

    reload_and_new_tab(page, shows_it)
