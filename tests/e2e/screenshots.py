"""The README's screenshots, made from the offline demo models in a real browser.

    python -m tests.e2e.screenshots        # rewrites docs/screenshots/*.png

tests/e2e/test_screenshots.py runs the same steps (into test-artifacts/), so a
change that breaks them fails the suite.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, AppServer
from tests.e2e.helpers import go, send, wait_idle

DOCS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 860}


def chat(page: Page, url: str, out: Path) -> None:
    go(page, url)
    page.screenshot(path=str(out / "welcome.png"))
    send(page, "Explain, with a little Python code, how a reasoning model thinks")
    expect(page.get_by_text("Thinking…")).to_be_visible()
    trace = page.get_by_test_id("stChatMessage").last.get_by_test_id("stExpanderDetails")
    for _ in range(50):  # a few lines of thinking, caught while still thinking
        if len(trace.inner_text()) > 200:
            break
        page.wait_for_timeout(50)
    page.screenshot(path=str(out / "chat-thinking.png"))
    wait_idle(page)
    page.screenshot(path=str(out / "chat-answer.png"))


def web_search(page: Page, url: str, out: Path) -> None:
    """An answer grounded in the offline demo's search corpus, its Sources panel open."""
    go(page, url)
    page.get_by_test_id("stCheckbox").filter(has_text="Web search").click()
    wait_idle(page)
    send(page, "How does web search work in Duet?")
    wait_idle(page)
    page.get_by_test_id("stChatMessage").last.get_by_text(re.compile(r"^\d+ sources?$")).click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "web-search.png"))


def compare(page: Page, url: str, out: Path) -> None:
    go(page, url, "compare")
    send(page, "Compare renting and buying a home, in a table")
    expect(page.locator("blockquote").filter(has_text="You asked")).to_have_count(2)
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / "compare.png"))
    wait_idle(page, timeout=60_000)


def leaderboard(page: Page, url: str, out: Path, battles: int) -> None:
    votes = ["A is better", "B is better", "A is better", "Tie"]
    for number in range(battles):
        go(page, url, "arena")
        new = page.get_by_role("button", name="New battle")
        if new.count():
            new.click()
            wait_idle(page)
        send(page, f"Arena question {number}: what makes a good explanation?")
        wait_idle(page, timeout=60_000)
        page.get_by_role("button", name=votes[number % len(votes)]).click()
        wait_idle(page)
        expect(page.get_by_text(re.compile("Model A was"))).to_be_visible()
    go(page, url, "leaderboard")
    page.screenshot(path=str(out / "leaderboard.png"), full_page=True)


def capture(browser, out: Path, *, battles: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    server = AppServer(Path(tempfile.mkdtemp(prefix="duet-shots-")))
    try:
        context = browser.new_context(viewport=VIEWPORT, locale="en-US")
        context.set_default_timeout(30_000)
        page = context.new_page()
        chat(page, server.url, out)
        web_search(page, server.url, out)
        compare(page, server.url, out)
        leaderboard(page, server.url, out, battles)
        context.close()
    finally:
        server.stop()


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        capture(browser, DOCS, battles=int(sys.argv[1]) if len(sys.argv) > 1 else 10)
        browser.close()
    print(f"screenshots written to {DOCS}")


if __name__ == "__main__":
    main()
