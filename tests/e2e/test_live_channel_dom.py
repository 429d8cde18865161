"""The live channel's browser module (ui/live_channel.js) in real Chromium.

A small HTTP server in the test serves a page that mounts the module as
Streamlit would (its default export, given `{data, parentElement,
setTriggerValue}`), the module itself, and Server-Sent Events the test writes
piece by piece: node trees from core/live_tree.block_nodes, cut as an answer
being written is cut (core/streaming.split_settled), and trees no honest server
sends, to check the module's own allowlist. No Streamlit here: the module is
tested alone; the journey through the app is the integrator's.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.live_tree import block_nodes
from core.streaming import close_open_markup, split_settled
from tests.hostile import HOSTILE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "ui" / "live_channel.js"
TOKEN = "test-token-0123456789"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>live</title></head>
<body><div id="host"></div><div id="other"></div>
<div data-testid="stAppScrollToBottomContainer" id="scroller" style="height: 200px; overflow: auto">
<div id="top" style="height: 300px"></div><div id="pinned"></div></div>
<script type="module">
import mount from "/live_channel.js";
window.triggers = [];
window.unmounts = [];
// As Streamlit's components v2 calls a component: data, its element, a trigger.
// (What it returns, Streamlit calls when the element goes: kept for the tests.)
window.mount = (path, host = "host", stepPx = 0, token = "@TOKEN@") => {
  window.unmounts.push(mount({
    data: {path, token, stepPx},
    parentElement: document.getElementById(host),
    setTriggerValue: (name, value) => window.triggers.push([name, value]),
  }));
};
window.ready = true;
</script></body></html>
""".replace("@TOKEN@", TOKEN)

# What the module may leave in the page: the protocol's allowlist, and its own
# wrapper, body and tail holders.
ALLOWED_JS = """{
  p: [], h1: [], h2: [], h3: [], h4: [], h5: [], h6: [], blockquote: [], ul: [],
  li: [], hr: [], br: [], pre: [], em: [], strong: [], del: [], table: [],
  thead: [], tbody: [], tr: [],
  ol: ["start"], code: ["data-lang"], a: ["href", "rel", "target"],
  th: ["align"], td: ["align"], span: ["class"], div: ["class", "style"],
}"""
# Everything in #host that the allowlist does not allow, as readable strings.
FORBIDDEN_JS = """() => {
  const allowed = @ALLOWED@;
  const found = [];
  for (const element of document.querySelectorAll("#host *")) {
    const tag = element.localName;
    if (!(tag in allowed)) { found.push("tag " + tag); continue; }
    for (const attribute of element.attributes) {
      if (!allowed[tag].includes(attribute.name)) found.push(tag + "[" + attribute.name + "]");
    }
    if (tag === "span" && !["", "math", "duet-live-tail"].includes(element.className))
      found.push("span." + element.className);
    if (tag === "a" && element.hasAttribute("href")
        && !["http:", "https:", "mailto:"].includes(new URL(element.href).protocol))
      found.push("href " + element.getAttribute("href"));
  }
  return found;
}""".replace("@ALLOWED@", ALLOWED_JS)


class Feed:
    """One SSE endpoint: the test puts chunks, the server writes them as they come."""

    def __init__(self) -> None:
        self.chunks: queue.Queue[bytes | None] = queue.Queue()
        self.connections = 0

    def event(self, payload: dict) -> None:
        self.chunks.put(f"data: {json.dumps(payload)}\n\n".encode())

    def raw(self, text: str) -> None:
        self.chunks.put(text.encode())

    def end(self) -> None:
        self.chunks.put(b"event: end\ndata: {}\n\n")
        self.chunks.put(None)


class Server:
    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.release = threading.Event()  # lets the silent endpoint's thread go
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                if self.path == "/":
                    return self._send(200, "text/html; charset=utf-8", PAGE.encode())
                if self.path == "/live_channel.js":
                    return self._send(200, "text/javascript", MODULE.read_bytes())
                name = self.path.removeprefix("/stream/")
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(403, "text/plain", b"forbidden")
                if name == "streamlit-page":  # `streamlit run app.py`: no route, its page
                    return self._send(200, "text/html", b"<!doctype html><div id=root></div>")
                if name != "silent" and name not in server.feeds:
                    return self._send(404, "text/plain", b"not followed")
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.flush()
                if name == "silent":
                    server.release.wait(10)
                    return None
                feed = server.feeds[name]
                feed.connections += 1
                while (chunk := feed.chunks.get(timeout=30)) is not None:
                    try:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                    except OSError:  # the page went away
                        return None
                return None

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def feed(self, name: str) -> Feed:
        self.feeds[name] = Feed()
        return self.feeds[name]

    def stop(self) -> None:
        self.release.set()
        for feed in self.feeds.values():
            feed.chunks.put(None)
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.stop()


@pytest.fixture
def live(browser, server):
    """A page with the module loaded; every request it makes and every dialog recorded."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.requests = []
    page.dialogs = []
    page.on("request", lambda request: page.requests.append(request.url))

    def dialog(shown) -> None:
        page.dialogs.append(shown.message)
        shown.dismiss()

    page.on("dialog", dialog)
    page.goto(server.url + "/")
    page.wait_for_function("window.ready === true")
    yield page
    context.close()


def streamed(texts: list[str]) -> list[dict]:
    """The events a route sends while an answer grows through `texts`, then ends:
    new settled blocks (with joins) and the tail, as ui/live._Stream cuts them."""
    events, count = [], 0
    for number, text in enumerate(texts):
        final = number == len(texts) - 1
        split = split_settled(text)
        blocks = [*split.settled, split.tail] if final else split.settled
        events.append(
            {
                "blocks": [
                    {"nodes": block_nodes(block), "joins": index in split.open_ended}
                    for index, block in enumerate(blocks[count:], count)
                ],
                "tail": [] if final else block_nodes(close_open_markup(split.tail)),
            }
        )
        count = len(blocks)
    return events


def text_of(page, selector: str) -> list[str]:
    return page.locator(selector).all_inner_texts()


def test_an_answer_is_drawn_as_it_grows(live, server):
    feed = server.feed("answer")
    live.evaluate("mount('/stream/answer')")
    answer = (
        "# Plan\n\nFirst we **look**.\n\n- one\n- two\n  1. inner\n\n"
        "| a | b |\n|---|--:|\n| 1 | 2 |\n\n```python\nprint('<b>')\n```\n\nDone."
    )
    cut = answer.index("| 1 | 2 |")
    for event in streamed([answer[:40], answer[:cut], answer]):
        feed.event(event)
    live.wait_for_function("document.querySelector('#host pre code') !== null")
    assert text_of(live, "#host h1") == ["Plan"]
    assert text_of(live, "#host strong") == ["look"]
    assert text_of(live, "#host ul > li > ol > li") == ["inner"]
    assert text_of(live, "#host th") == ["a", "b"]
    assert live.locator("#host td").nth(1).get_attribute("align") == "right"
    assert live.locator("#host pre code").get_attribute("data-lang") == "python"
    assert text_of(live, "#host pre code") == ["print('<b>')"]
    assert text_of(live, "#host p")[-1] == "Done."
    assert live.locator("#host .duet-live-tail").count() == 0  # the last tail was []
    # It takes no focus and speaks nothing itself (ui/announce.py does).
    assert live.evaluate("document.activeElement === document.body")
    assert live.locator("#host [aria-live], #host [role]").count() == 0
    feed.end()
    live.wait_for_timeout(1_000)  # a module that read past `end` would report "closed early"
    # `end`: nothing is reported, the text stays for the page's rerun to replace.
    assert live.evaluate("window.triggers") == []
    assert text_of(live, "#host h1") == ["Plan"]


def test_a_paragraph_in_pieces_is_one_paragraph_and_the_tail_is_replaced(live, server):
    feed = server.feed("pieces")
    live.evaluate("mount('/stream/pieces')")
    feed.event({"blocks": [{"nodes": block_nodes("Intro."), "joins": False}]})
    feed.event(
        {
            "blocks": [{"nodes": block_nodes("The first sentence ends here.&#32;"), "joins": True}],
            "tail": block_nodes("and the tail *goes*"),
        }
    )
    live.wait_for_function("document.querySelector('#host .duet-live-tail') !== null")
    # The tail continues the open paragraph inline, inside it.
    assert text_of(live, "#host p") == ["Intro.", "The first sentence ends here. and the tail goes"]
    assert live.locator("#host p .duet-live-tail em").inner_text() == "goes"

    feed.event(
        {
            "blocks": [{"nodes": block_nodes("The second one, too."), "joins": False}],
            "tail": block_nodes("- a list starts"),
        }
    )
    live.wait_for_function("document.querySelector('#host div.duet-live-tail li') !== null")
    assert text_of(live, "#host p") == [
        "Intro.",
        "The first sentence ends here. The second one, too.",
    ]
    assert live.locator("#host .duet-live-tail").count() == 1  # the old tail is gone
    assert text_of(live, "#host .duet-live-tail li") == ["a list starts"]

    # Text taken back (it was reasoning after all): everything shown goes.
    feed.event({"reset": True, "blocks": [{"nodes": block_nodes("## Anew"), "joins": False}]})
    live.wait_for_function("document.querySelector('#host h2') !== null")
    assert text_of(live, "#host p") == [] and live.locator("#host li").count() == 0
    feed.event({"tail": []})
    feed.end()
    live.wait_for_timeout(300)
    assert live.evaluate("window.triggers") == []


def test_events_split_across_reads_and_keep_alive_comments(live, server):
    feed = server.feed("chunks")
    live.evaluate("mount('/stream/chunks')")
    event = {"blocks": [{"nodes": block_nodes("汉字 and *é*"), "joins": False}]}
    data = f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()
    cut = data.index("汉".encode()) + 1  # inside a UTF-8 character
    feed.raw(": wait\n\n")
    feed.chunks.put(data[:cut])
    feed.chunks.put(data[cut:-1])
    live.wait_for_timeout(300)
    assert live.locator("#host p").count() == 0  # half an event is not drawn
    feed.chunks.put(data[-1:] + b": wait\n\n" + data)
    live.wait_for_function("document.querySelectorAll('#host p').length === 2")
    assert text_of(live, "#host p") == ["汉字 and é", "汉字 and é"]
    feed.end()


def test_remounting_with_the_same_data_does_not_reconnect(live, server):
    feed = server.feed("once")
    live.evaluate("mount('/stream/once')")
    feed.event({"tail": block_nodes("one")})
    live.wait_for_function("document.querySelector('#host .duet-live-tail') !== null")
    live.evaluate("mount('/stream/once'); mount('/stream/once')")  # Streamlit redraws
    feed.event({"tail": block_nodes("one two")})
    live.wait_for_function(
        "document.querySelector('#host .duet-live-tail').innerText === 'one two'"
    )
    assert feed.connections == 1
    assert live.locator("#host .duet-live").count() == 1
    assert live.requests.count(server.url + "/stream/once") == 1
    feed.end()


SCROLLED_FROM_BOTTOM = """() => {
  const scroller = document.getElementById("scroller");
  return scroller.scrollHeight - scroller.scrollTop - scroller.offsetHeight;
}"""


def grow_to(live, feed, host, lines):
    feed.event({"tail": block_nodes("\n\n".join(f"line {n}" for n in range(lines)))})
    live.wait_for_function(
        f"document.querySelectorAll('#{host} .duet-live-tail p').length === {lines}"
    )


def test_the_box_grows_in_steps(live, server):
    feed = server.feed("steps")
    live.evaluate("mount('/stream/steps', 'host', 200)")
    for lines in (1, 12, 30):
        grow_to(live, feed, "host", lines)
        reserved, height = live.evaluate(
            "[parseFloat(document.querySelector('#host .duet-live').style.minHeight),"
            " document.querySelector('#host .duet-live > div').offsetHeight]"
        )
        assert reserved % 200 == 0 and reserved > height
    feed.end()


def test_a_reader_at_the_bottom_stays_at_the_bottom_as_the_box_grows(live, server):
    feed = server.feed("pinned")
    live.evaluate("document.getElementById('scroller').scrollTop = 1e6")
    live.evaluate("mount('/stream/pinned', 'pinned', 48)")
    for lines in (3, 12, 30):
        grow_to(live, feed, "pinned", lines)
        assert live.evaluate(SCROLLED_FROM_BOTTOM) < 1, "the newest line is in view"
    feed.end()


def test_a_reader_who_scrolled_up_is_left_where_they_are(live, server):
    feed = server.feed("reading")
    live.evaluate("mount('/stream/reading', 'pinned', 48)")
    grow_to(live, feed, "pinned", 3)
    live.evaluate("document.getElementById('scroller').scrollTop = 40")  # reading above
    for lines in (12, 30):
        grow_to(live, feed, "pinned", lines)
        assert live.evaluate("document.getElementById('scroller').scrollTop") == 40
    feed.end()


def test_hostile_answers_draw_no_live_markup_and_fetch_nothing(live, server):
    feed = server.feed("hostile")
    live.evaluate("mount('/stream/hostile')")
    texts = [text for name, text in HOSTILE.items() if "megabyte" not in name]
    for text in texts:
        for event in streamed([text[: len(text) // 2], text]):
            feed.event(event)
    feed.event({"blocks": [{"nodes": block_nodes("THE END"), "joins": False}]})
    live.wait_for_function("document.querySelector('#host').innerText.includes('THE END')")
    live.wait_for_timeout(500)  # time for anything that would load or run
    assert live.evaluate(FORBIDDEN_JS) == []
    shown = live.locator("#host").inner_text()
    assert "<script>alert(document.cookie)</script>" in shown
    assert '<img src=x onerror="alert(1)">' in shown
    assert "click me (javascript:alert(1))" in shown
    assert live.dialogs == []
    assert set(live.requests) == {
        server.url + "/",
        server.url + "/live_channel.js",
        server.url + "/stream/hostile",
    }
    feed.end()


def test_the_module_keeps_its_own_allowlist_whatever_the_server_sends(live, server):
    """A route with a bug (or an attacker in the middle) sends trees that
    core/live_tree never makes: the module drops what is not allowed."""
    feed = server.feed("forged")
    live.evaluate("mount('/stream/forged')")
    evil = server.url + "/evil"
    forged = [
        ["img", {"src": f"{evil}/img.png", "onerror": "alert(1)"}],
        ["script", {}, "alert('script')"],
        ["iframe", {"src": f"{evil}/frame"}, "framed"],
        ["svg", {"onload": "alert(1)"}, ["image", {"href": f"{evil}/svg.png"}, "svg text"]],
        ["style", {}, f"body {{ background: url({evil}/css.png) }}"],
        ["p", {"style": f"background:url({evil}/style.png)", "onmouseover": "alert(1)"}, "styled"],
        ["a", {"href": "javascript:alert(1)", "onclick": "alert(2)"}, "js link"],
        ["a", {"href": " JaVa\tScRiPt:alert(1)"}, "spelt link"],
        ["a", {"href": "data:text/html,<script>alert(1)</script>"}, "data link"],
        ["a", {"href": "/relative"}, "relative link"],
        ["a", {"href": "https://ok.example/page"}, "good link"],
        ["span", {"class": "math evil"}, "x^2"],
        ["ol", {"start": '2" onclick="alert(1)'}, ["li", {}, "item"]],
        ["code", {"data-lang": 'x" onmouseover="alert(1)'}, "code"],
        ["td", {"align": "left;background:url(x)"}, "cell"],
        ["constructor", {}, "proto tag"],
        ["__proto__", {}, "proto tag 2"],
        ["p", None, "no attributes"],
        "<img src=x onerror=alert(1)>",
        42,
        {"tag": "img"},
    ]
    feed.event({"blocks": [{"nodes": forged, "joins": False}], "tail": forged})
    live.wait_for_function("document.querySelector('#host').innerText.includes('good link')")
    live.wait_for_timeout(500)
    assert live.evaluate(FORBIDDEN_JS) == []
    assert live.locator("#host [onclick], #host [onerror], #host [style*=url]").count() == 0
    assert live.evaluate("document.querySelectorAll('#host a[href]').length") == 2
    assert live.locator("#host a[href]").first.get_attribute("href") == "https://ok.example/page"
    assert (
        live.locator("#host a[href]").first.get_attribute("rel") == "noopener noreferrer nofollow"
    )
    shown = live.locator("#host").inner_text()
    for text in ("alert('script')", "svg text", "js link", "<img src=x onerror=alert(1)>"):
        assert text in shown
    assert live.dialogs == []
    assert not [url for url in live.requests if url.startswith(evil)]
    assert live.evaluate("window.triggers") == []
    feed.end()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/stream/wrong-token", "status 403"),  # mounted below with another token
        ("/stream/no-such-answer", "status 404"),
        ("/stream/streamlit-page", "not a stream"),
        ("/stream/silent", "silent"),
    ],
)
def test_a_stream_that_cannot_be_followed_is_reported_once(live, server, path, reason):
    token = "stolen" if path.endswith("wrong-token") else TOKEN
    live.evaluate("([path, token]) => mount(path, 'host', 0, token)", [path, token])
    live.wait_for_function("window.triggers.length > 0", timeout=8_000)
    live.wait_for_timeout(1_000)  # nothing more comes
    assert live.evaluate("window.triggers") == [["failed", reason]]
    assert live.locator("#host .duet-live").count() == 0  # the page draws the answer now


def test_a_stream_cut_before_its_end_is_reported(live, server):
    feed = server.feed("cut")
    live.evaluate("mount('/stream/cut')")
    feed.event({"tail": block_nodes("half an answer")})
    live.wait_for_function("document.querySelector('#host .duet-live-tail') !== null")
    feed.chunks.put(None)  # the connection closes with no `end`
    live.wait_for_function("window.triggers.length > 0")
    assert live.evaluate("window.triggers") == [["failed", "closed early"]]


def test_an_event_that_is_not_the_protocol_is_reported(live, server):
    feed = server.feed("garbled")
    live.evaluate("mount('/stream/garbled')")
    feed.raw("data: {not json\n\n")
    live.wait_for_function("window.triggers.length > 0")
    assert live.evaluate("window.triggers") == [["failed", "bad event"]]
    feed.chunks.put(None)


def test_unmounting_stops_following_and_another_answer_replaces_the_first(live, server):
    first, second = server.feed("first"), server.feed("second")
    live.evaluate("mount('/stream/first')")
    first.event({"tail": block_nodes("first answer")})
    live.wait_for_function("document.querySelector('#host').innerText.includes('first answer')")
    # The same element is given another answer: the first is stopped and removed.
    live.evaluate("mount('/stream/second')")
    second.event({"tail": block_nodes("second answer")})
    live.wait_for_function("document.querySelector('#host').innerText.includes('second answer')")
    first.event({"tail": block_nodes("first answer, later")})
    assert live.locator("#host .duet-live").count() == 1
    assert "first" not in live.locator("#host").inner_text()
    # Streamlit calls what the module returned when the element goes away.
    live.evaluate("window.unmounts[1]()")
    second.event({"tail": block_nodes("second answer, later")})
    live.wait_for_timeout(500)
    assert live.locator("#host").inner_text() == "second answer"
    assert live.evaluate("window.triggers") == []  # stopping is not failing
    first.chunks.put(None)
    second.chunks.put(None)
