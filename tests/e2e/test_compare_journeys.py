"""A product team compares models: side by side, and blind with a vote."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import IDLE, go, send, wait_idle

OFFLINE_DEMO = "This is the offline demo model"


def test_two_models_stream_side_by_side(page, app_server):
    go(page, app_server.url, "compare")
    expect(page.get_by_text("Column 1")).to_be_visible()
    send(page, "Compare renting and buying a home")
    columns = page.locator("blockquote").filter(has_text="You asked")
    # Both answers are on screen while the run is still streaming: in parallel.
    expect(columns).to_have_count(2, timeout=30_000)
    assert page.locator(IDLE).count() == 0, "both answers should stream at the same time"
    wait_idle(page, timeout=60_000)
    expect(page.get_by_text(OFFLINE_DEMO)).to_have_count(2)
    expect(page.get_by_text("Fastest")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Served by Demo Cloud"))).to_have_count(2)


def test_blind_vote_then_names_are_revealed(page, app_server):
    go(page, app_server.url, "arena")
    send(page, "Which is older, the pyramids or Stonehenge?")
    wait_idle(page, timeout=60_000)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Model A")
    expect(main).to_contain_text("Model B")
    for hidden in ("Demo Thinker", "Demo Swift", "Demo Cloud"):
        expect(main).not_to_contain_text(hidden)
    page.get_by_role("button", name="A is better").click()
    wait_idle(page)
    expect(main.get_by_text(re.compile(r"Model A was Demo (Thinker|Swift)"))).to_be_visible()
    expect(main).to_contain_text("Model B was Demo")
