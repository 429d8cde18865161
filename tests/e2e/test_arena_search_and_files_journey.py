"""A blind battle in Chromium with web search on and a file and an image
attached: both sides cite the same source, the chips show, no model is named
until the vote."""

import re

from playwright.sync_api import expect

from tests.attachments import files
from tests.e2e.helpers import go, send, wait_idle

TOKYO = "https://weather.example.org/tokyo/today"


def test_battle_with_search_and_files_shows_sources_to_both_sides(page, app_server):
    go(page, app_server.url, "arena")
    page.get_by_test_id("stCheckbox").filter(has_text="Web search").click()
    wait_idle(page)
    clip = page.locator('[data-testid="stChatInput"] input[type="file"]')
    clip.set_input_files(
        [
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"Pack an umbrella."},
            {"name": "sky.png", "mimeType": "image/png", "buffer": files.png(120, 60)},
        ]
    )
    page.wait_for_timeout(1500)
    send(page, "What is the weather in Tokyo today?")
    wait_idle(page, timeout=60_000)
    main = page.get_by_role("main")
    expect(main).to_contain_text("notes.txt")
    expect(main).to_contain_text("sky.png")
    # Each side's citation links to the one page both read; each has its panel.
    expect(main.get_by_role("link", name="[1]")).to_have_count(2)
    for link in main.get_by_role("link", name="[1]").all():
        expect(link).to_have_attribute("href", TOKYO)
    expect(main.get_by_text("1 source")).to_have_count(2)
    for hidden in ("Demo Thinker", "Demo Swift", "Demo Cloud", "Demo Eye"):
        expect(main).not_to_contain_text(hidden)
    page.get_by_role("button", name="Tie").click()
    wait_idle(page)
    expect(main.get_by_text(re.compile(r"Model A was Demo (Thinker|Swift)"))).to_be_visible()
