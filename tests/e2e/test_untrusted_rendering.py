"""In Chromium: hostile answers fetch nothing, in chat, compare and arena; links still work.

A model answers with the payloads an outside audit used to make the browser
load a URL with no click (tests/hostile.py), aimed at a local HTTP server that
counts every request it gets. They are streamed live into the chat, into both
columns of a comparison and into both sides of a blind battle, and stored one
per message in a conversation that is opened afterwards. The server must see
no request at all, and the messages hold no image. Then a normal link in an
answer is clicked, and the browser does reach the server: links still click
through.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from core.demo.replies import StreamReply, text_stream
from core.demo.server import ChatRequest, LocalOpenAIServer
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import open_store, reset_for_tests
from core.store.users import local_user
from tests.e2e.conftest import AppServer
from tests.e2e.helpers import go, messages, send, wait_idle
from tests.hostile import fetching_payloads

ANSWER_TIMEOUT = 90_000
NORMAL = "A normal answer: see [the landing page]({base}/landing) and **bold** text."


class CountingServer:
    """An HTTP server on 127.0.0.1 that answers everything and remembers every path asked."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                seen.append(self.path)
                body = b"<!doctype html><title>landed</title><p>landed</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_HEAD = do_OPTIONS = _answer

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def answer_groups(base: str) -> list[str]:
    """The payloads in three answers, each under its own heading. Those that can
    leave a code fence open go last in their group (what follows them is code)."""
    payloads = fetching_payloads(base)
    opens_fence = {
        name for name, text in payloads.items() if text.count("```") % 2 or "~~~" in text
    }
    ordered = [n for n in payloads if n not in opens_fence] + [
        n for n in payloads if n in opens_fence
    ]
    groups = [ordered[i::3] for i in range(3)]
    return ["\n\n".join(f"### {name}\n\n{payloads[name]}" for name in group) for group in groups]


@pytest.fixture
def hostile(tmp_path):
    """The counting server, and the app with two models whose answers are those payloads."""
    counter = CountingServer()
    groups = answer_groups(counter.base)

    def respond(request: ChatRequest):
        asked = str(request.messages[-1].get("content", ""))
        if "normal" in asked:
            text = NORMAL.format(base=counter.base)
        else:
            text = next((g for i, g in enumerate(groups) if f"group {i}" in asked), groups[0])
        pieces = [text[i : i + 40] for i in range(0, len(text), 40)]  # streamed in small pieces
        return StreamReply(text_stream(request.model, answer=pieces, usage=(5, 50, None)))

    model_server = LocalOpenAIServer(respond).start()
    models = tmp_path / "models.toml"
    models.write_text(
        f"""
[providers.scripted]
label = "Scripted Cloud"
base_url = "{model_server.base_url("scripted")}"

[models.model-a]
label = "Model Alpha"
context_window = 100000
max_output_tokens = 1000
routes = [{{ provider = "scripted", model = "a" }}]

[models.model-b]
label = "Model Beta"
context_window = 100000
max_output_tokens = 1000
routes = [{{ provider = "scripted", model = "b" }}]
"""
    )
    app = AppServer(tmp_path, MODELS_FILE=str(models))
    yield app, counter
    app.stop()
    model_server.stop()
    counter.stop()


INSPECT = """() => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  return {
    images: [...main.querySelectorAll('img, picture, video, svg image, input[type=image]')]
      .map((e) => e.outerHTML.slice(0, 120)),
    links: [...main.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
  };
}"""


def test_hostile_answers_fetch_nothing_and_links_still_work(browser, hostile):
    app, counter = hostile
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    requested: list[str] = []  # what the browser asked of the counting server, as it saw it
    page.on(
        "request", lambda r: requested.append(r.url) if r.url.startswith(counter.base) else None
    )
    try:
        for view in ("", "compare", "arena"):
            go(page, app.url, view)
            for index in range(3):
                send(page, f"Show payload group {index}")
                wait_idle(page, timeout=ANSWER_TIMEOUT)
            found = page.evaluate(INSPECT)
            assert found["images"] == [], view
            assert not [h for h in found["links"] if not h.startswith(("http", "mailto", "#", "/"))]
            # Every payload reached the screen, its heading at least.
            main = page.get_by_role("main")
            expect(main).to_contain_text("backslash before closing backtick")
            assert counter.seen == [] and requested == [], (view, counter.seen, requested)

        # A normal answer's link is a link, says where it goes, and opens on a click.
        go(page, app.url, "")
        send(page, "Give me a normal answer")
        wait_idle(page, timeout=ANSWER_TIMEOUT)
        link = messages(page).last.get_by_role("link", name="the landing page")
        expect(link).to_have_attribute("href", f"{counter.base}/landing")
        expect(messages(page).last).to_contain_text("(127.0.0.1)")
        expect(messages(page).last.locator("strong")).to_have_text("bold")
        assert counter.seen == []
        with context.expect_page() as opened:
            link.click()
        opened.value.wait_for_load_state()
        # The page opened; a browser may also ask the site for its icon, on its own.
        assert [path for path in counter.seen if path != "/favicon.ico"] == ["/landing"]
    finally:
        context.close()


PER_CONVERSATION = 8  # answers, so that all of a conversation's messages are on the first page


def store_one_payload_per_answer(directory, monkeypatch, base: str) -> list[str]:
    """Conversations whose every answer is one payload, so no payload can hide
    another (an open fence swallows what follows it)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{directory / 'e2e.db'}")
    reset_for_tests()
    open_store()
    user = local_user()
    payloads = list(fetching_payloads(base).items())
    public_ids = []
    for first in range(0, len(payloads), PER_CONVERSATION):
        conversation = conversation_store.create_conversation(user.id, "demo-swift", title="P")
        public_ids.append(conversation.public_id)
        parent = None
        for name, text in payloads[first : first + PER_CONVERSATION]:
            question = message_store.append_message(
                user.id, conversation.id, role="user", content=name, parent_id=parent
            )
            parent = message_store.append_message(
                user.id,
                conversation.id,
                role="assistant",
                content=text,
                parent_id=question.id,
                model_id="demo-swift",
            ).id
    reset_for_tests()
    return public_ids


def test_each_stored_payload_fetches_nothing_when_its_conversation_is_opened(
    browser, tmp_path, monkeypatch
):
    counter = CountingServer()
    public_ids = store_one_payload_per_answer(tmp_path, monkeypatch, counter.base)
    app = AppServer(tmp_path)
    page = browser.new_page()
    requested: list[str] = []
    page.on(
        "request", lambda r: requested.append(r.url) if r.url.startswith(counter.base) else None
    )
    shown = 0
    try:
        for public_id in public_ids:
            page.goto(f"{app.url}/?c={public_id}")
            page.get_by_test_id("stChatMessage").first.wait_for(timeout=60_000)
            wait_idle(page)
            shown += page.get_by_test_id("stChatMessage").count()
            assert page.evaluate(INSPECT)["images"] == []
        page.wait_for_timeout(1_000)  # time for anything that would load to ask
        assert shown == 2 * len(fetching_payloads(""))  # every payload was on screen
        assert counter.seen == [] and requested == []
    finally:
        page.close()
        app.stop()
        counter.stop()
