"""The README's screenshot steps still work (written to test-artifacts/, not docs/)."""

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.screenshots import capture


def test_screenshot_steps(browser):
    out = ARTIFACTS / "screenshots"
    capture(browser, out, battles=2)
    names = ("welcome", "chat-thinking", "chat-answer", "web-search", "compare", "leaderboard")
    for name in names:
        assert (out / f"{name}.png").stat().st_size > 10_000, name
