"""axe-core in the page: the standard accessibility engine, installed from npm.

tests/e2e/axe/ holds its package.json and lock; `npm ci` there (.ci/run does it)
puts axe.min.js in node_modules. The script is injected into the page under
test and run against the whole document.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA, plus axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def run_axe(page: Page) -> list[dict]:
    """Every violation axe finds in the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return result["violations"]


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    """A readable account of violations: rule, impact, and where."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']}")
        for node in violation["nodes"][:8]:
            target = json.dumps(node["target"])
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {target}: {node['html'][:160]} :: {summary[:300]}")
    return "\n".join(lines)
