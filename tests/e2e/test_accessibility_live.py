"""What a screen reader is told while an answer streams, read from the DOM.

The polite live region (ui/announce.py) must receive settled blocks of the
answer, not every token; a busy state once, not every tick of its countdown;
and the end of the answer once. The reasoning panel is a collapsible region
with a name, whose text is not in the accessibility tree while it is closed.
"""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import IDLE, go, last_answer, open_app, send, wait_idle
from tests.e2e.test_accessibility import set_every_cloud

BUSY = ("Waiting for the first token…", "Thinking…")


def announced(page: Page) -> list[str]:
    """The live region's lines (it is in a closed shadow root; the page keeps a handle)."""
    return page.evaluate(
        "() => [...(window.__duetLiveRegion?.children ?? [])].map(p => p.textContent)"
    )


def record_until_idle(page: Page, timeout_s: float = 60) -> list[list[str]]:
    """The region's content every 100 ms until the answer is done."""
    seen: list[list[str]] = []
    for _ in range(int(timeout_s * 10)):
        now = announced(page)
        if not seen or now != seen[-1]:
            seen.append(now)
        if page.locator(IDLE).count() and now and now[-1] == "Answer complete.":
            break
        page.wait_for_timeout(100)
    return seen


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_a_streaming_answer_is_announced_in_settled_blocks(page, app_server):
    open_app(page, app_server.url)
    region = page.evaluate(
        "() => ['aria-live', 'aria-relevant', 'aria-atomic']"
        ".map(name => window.__duetLiveRegion.getAttribute(name))"
    )
    assert region == ["polite", "additions", "false"]
    send(page, "Write a long detailed essay about tortoises")
    history = record_until_idle(page)
    wait_idle(page)
    final = history[-1]
    answer = words(last_answer(page).inner_text())
    # Several distinct moments: the region filled while the answer was written…
    assert len(history) >= 5, history
    # …by whole blocks: none grew in place (as a token-by-token region would)…
    for earlier, later in itertools.pairwise(history):
        assert later[: len(earlier)] == earlier, (earlier, later)
    # Busy states, each once: connecting, then thinking.
    assert final.count("Waiting for the first token…") == 1
    assert final.count("Thinking…") == 1
    said = [item for item in final[:-1] if item not in BUSY]
    assert len(said) >= 10
    # …and together they are the answer, word for word, each word once.
    assert words(" ".join(said)) in answer
    assert said[0] == "Detailed, essay, tortoises"  # the heading
    assert said[-1].startswith("In short:")
    # The end, once, after the last block.
    assert final[-1] == "Answer complete."
    assert final.count("Answer complete.") == 1


def test_a_rerun_does_not_announce_the_same_blocks_again(page, app_server):
    open_app(page, app_server.url)
    send(page, "Another long detailed essay, please")
    expect(last_answer(page)).to_contain_text("Part 2", timeout=30_000)
    before = announced(page)
    # A click elsewhere reruns the page while the answer is still being written.
    page.get_by_test_id("stSidebar").get_by_text("Settings", exact=True).click()
    wait_idle(page, timeout=60_000)
    after = announced(page)
    assert after[: len(before)] == before
    said = [item for item in after[:-1] if item not in BUSY]
    assert words(" ".join(said)) in words(last_answer(page).inner_text()), "said twice"
    assert said[-1].startswith("In short:")
    assert after[-1] == "Answer complete."


def test_the_reasoning_panel_is_named_and_silent_until_opened(page, app_server):
    open_app(page, app_server.url)
    send(page, "Explain how a reasoning model thinks")
    wait_idle(page)
    panel = last_answer(page).locator("details").first
    summary = panel.locator("summary")
    expect(summary).to_have_text(re.compile(r"Thought for [\d.]+ s"))
    # Closed: its text is out of the accessibility tree (Streamlit makes it inert).
    details = panel.get_by_test_id("stExpanderDetails")
    expect(details).to_have_attribute("inert", "")
    assert "The user asks" not in last_answer(page).aria_snapshot()
    # The reasoning was never sent to the live region either.
    assert not any("The user asks" in item for item in announced(page))
    summary.focus()
    page.keyboard.press("Enter")
    expect(details).not_to_have_attribute("inert", "")
    expect(details).to_contain_text("The user asks")


def test_a_busy_countdown_is_announced_once(page, app_server):
    url = app_server.url
    set_every_cloud(page, url, busy=True, down=False)
    go(page, url)
    send(page, "Hello during the rush")
    countdown = page.get_by_text(re.compile(r"retrying in \d+ s"))  # the one line on screen
    expect(countdown).to_be_visible()
    shown = set()
    for _ in range(25):  # 2.5 s: the countdown moves, the announcement does not
        if countdown.count():
            shown.add(countdown.first.inner_text())
        page.wait_for_timeout(100)
    retrying = [item for item in announced(page) if "retrying in" in item]
    assert len(shown) >= 2, "the countdown should have moved"
    assert len(retrying) == 1, retrying
    page.get_by_role("button", name="Stop").click()
    wait_idle(page)
    assert announced(page)[-1] == "Answer stopped."
    set_every_cloud(page, url, busy=False, down=False)
