"""What web search puts on screen: citations as links, the Sources panel, the
live status line; hostile titles and stored links stay inert."""

from __future__ import annotations

import asyncio

from core.catalog import SearchSettings, parse_catalog
from core.events import Phase, Status
from core.i18n import Translator
from core.markdown import prepare_markdown
from core.progress import GenerationProgress
from core.websearch.citations import link_citations, source_line
from core.websearch.grounding import SearchAsk, WebGrounding
from core.websearch.providers import DemoSearchProvider
from core.websearch.query import search_query
from core.websearch.results import Source, WebSources
from tests.fake_time import FakeClock
from ui.web_search import web_status_text

HOSTILE = WebSources(
    "q",
    (
        Source(
            1,
            "https://a.example/x(1) y",
            "T [x](javascript:alert(1)) ![i](https://e/i.png)",
            "a.example",
        ),
        Source(2, "javascript:alert(1)", "bad link", "x"),
        Source(3, "https://c.example/", "\\[math\\] $x$ <b>bold</b>", "c.example"),
    ),
)


def test_citations_link_to_sources_and_unknown_or_unsafe_ones_stay_text():
    shown = link_citations("A [citation:1], B [citation:2], C [citation:9].", HOSTILE)
    assert shown == "A [[1]](https://a.example/x%281%29%20y), B [2], C [9]."
    # The inert renderer keeps the link to the source (showing its host, as it
    # does for every link) and leaves the others as text.
    assert prepare_markdown(shown) == (
        r"A [\[1\]](<https://a.example/x%281%29%20y>) \(a\.example\)\, B \[2\]\, C \[9\]\."
    )


def test_citations_inside_code_blocks_are_left_alone():
    text = "Fact [citation:1].\n```\nprint('[citation:1]')\n```"
    assert link_citations(text, HOSTILE).endswith("```\nprint('[citation:1]')\n```")


def test_a_page_title_cannot_become_markdown():
    line = source_line(HOSTILE.sources[0])
    label = line[line.index("[") + 1 : line.index("](https://a.example")]
    for marker in "[]()!<>$\\":
        assert marker not in label, marker
    assert line.endswith("(https://a.example/x%281%29%20y)")
    # The renderer names the site after the link: it is not said twice.
    assert prepare_markdown(line).endswith(r"(<https://a.example/x%281%29%20y>) \(a\.example\)")
    assert source_line(HOSTILE.sources[1]) == "2. bad link · x"  # no link at all
    third = source_line(HOSTILE.sources[2])
    assert "\\[" not in third and "$" not in third and "<b>" not in third


def test_the_live_status_says_searching_then_reading():
    t = Translator("en")
    catalog = parse_catalog(
        {"models": {"m": {"routes": [{"provider": "d"}]}}, "providers": {"d": {"kind": "demo"}}}
    )
    progress = GenerationProgress(1, user_id=1, conversation_id=1, model_id="m", clock=FakeClock())
    grounding = WebGrounding(SearchSettings(), DemoSearchProvider.bundled(), FakeClock())
    seen: list[str] = []

    def emit(event):
        progress.apply(event)
        seen.append(web_status_text(t, catalog, progress.snapshot()))

    question = "What is the weather in Tokyo today? [x](javascript:1)"
    asyncio.run(
        grounding.ground(SearchAsk(question, 4000), [{"role": "user", "content": question}], emit)
    )
    assert seen[0].startswith(
        ":material/travel_explore: Searching the web for “What is the weather"
    )
    assert "](javascript" not in seen[0]
    assert seen[1] == ":material/chrome_reader_mode: Reading 1 page…"
    zh = Translator("zh")
    progress.apply(Status(Phase.READING, extra={"pages": 5}))
    assert web_status_text(zh, catalog, progress.snapshot()).endswith("正在阅读 5 个网页…")
    assert isinstance(progress.snapshot().web_sources, WebSources)


def test_a_short_follow_up_borrows_the_previous_question():
    assert search_query(["Weather in Tokyo today?", "and tomorrow?"]) == (
        "Weather in Tokyo today? tomorrow?"
    )
    assert search_query(["Old question", "A complete new question about Kyoto"]) == (
        "A complete new question about Kyoto"
    )
    assert len(search_query(["x" * 5000])) == 200
