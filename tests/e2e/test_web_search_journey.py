"""Web search in a real browser: the switch, citations as links, the Sources panel."""

from playwright.sync_api import expect

from tests.e2e.helpers import last_answer, open_app, send, wait_idle

TOKYO = "https://weather.example.org/tokyo/today"


def test_switch_on_then_the_answer_links_its_sources(page, app_server):
    open_app(page, app_server.url)
    page.get_by_test_id("stCheckbox").filter(has_text="Web search").click()
    wait_idle(page)
    send(page, "What is the weather in Tokyo today?")
    wait_idle(page)
    answer = last_answer(page)
    # The citation is a numbered link to the page that was read.
    citation = answer.get_by_role("link", name="[1]")
    expect(citation).to_have_attribute("href", TOKYO)
    # The Sources panel lists title, site and link; the title shows as written.
    answer.get_by_text("1 source").click()
    title = "Tokyo weather today: mild, light rain in the evening (demo page)"
    expect(answer.get_by_role("link", name=title)).to_have_attribute("href", TOKYO)
    expect(answer).to_contain_text("weather.example.org")
    expect(answer).not_to_contain_text("&#40;")
    # Reopened later, the stored sources are shown again.
    page.reload()
    wait_idle(page)
    expect(last_answer(page).get_by_role("link", name="[1]")).to_have_attribute("href", TOKYO)
    expect(
        page.get_by_test_id("stCheckbox").filter(has_text="Web search").locator("input")
    ).to_be_checked()
