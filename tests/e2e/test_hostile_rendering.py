"""In a real browser: hostile questions and answers render inert.

The AppTest checks prove what we send to the browser; this proves what the
browser makes of it. A conversation full of hostile text is stored, the app
is started on it, and headless Chromium opens it from its URL: no dialog may
open, and the messages may hold no script, no frame, no event handler
attribute, no link to an unsafe scheme and no image.
"""

from __future__ import annotations

import pytest

from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import open_store, reset_for_tests
from core.store.users import local_user
from tests.e2e.conftest import AppServer
from tests.e2e.helpers import wait_idle
from tests.hostile import HOSTILE

SHOWN = [name for name in HOSTILE if name not in ("megabyte", "megabyte of markup")]
EVEN = SHOWN + SHOWN[: len(SHOWN) % 2]

INSPECT = """() => {
  const messages = [...document.querySelectorAll('[data-testid="stChatMessage"]')];
  const inside = (selector) => messages.flatMap((m) => [...m.querySelectorAll(selector)]);
  const handlers = inside('*').filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name)));
  const unsafe = inside('a[href]').map((a) => a.getAttribute('href'))
    .filter((href) => !/^(https?:|mailto:|tel:|#|\\/)/i.test(href.trim()));
  return {
    messages: messages.length,
    scripts: inside('script, iframe, object, embed').length,
    handlers: handlers.map((e) => e.outerHTML.slice(0, 80)),
    unsafe_links: unsafe,
    images: inside('img').map((i) => i.getAttribute('src')),
    text: messages.map((m) => m.innerText).join('\\n'),
  };
}"""


def store_hostile_conversation(directory, monkeypatch) -> str:
    """The conversation, written into the database the app will be started on."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{directory / 'e2e.db'}")
    reset_for_tests()
    open_store()
    user = local_user()
    conversation = conversation_store.create_conversation(user.id, "demo-swift", title="Hostile")
    parent = None
    # A question and an answer each hold one text; the test pages back to
    # the first of them ("Show earlier") so that every one is on the page.
    for asked, answered in zip(EVEN[::2], EVEN[1::2], strict=True):
        question = message_store.append_message(
            user.id, conversation.id, role="user", content=HOSTILE[asked], parent_id=parent
        )
        parent = message_store.append_message(
            user.id,
            conversation.id,
            role="assistant",
            content=HOSTILE[answered],
            parent_id=question.id,
            model_id="demo-swift",
        ).id
    reset_for_tests()
    return conversation.public_id


@pytest.fixture
def hostile_app(tmp_path, monkeypatch):
    public_id = store_hostile_conversation(tmp_path, monkeypatch)
    server = AppServer(tmp_path)
    yield f"{server.url}/?c={public_id}"
    server.stop()


def test_hostile_text_is_inert_in_chromium(new_context, hostile_app):
    page = new_context().new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_app)
    shown = "document.querySelectorAll('[data-testid=\"stChatMessage\"]').length"
    page.wait_for_function(f"{shown} > 0", timeout=60_000)
    wait_idle(page)
    while (earlier := page.get_by_role("button", name="earlier message")).count():
        earlier.first.click()
        wait_idle(page)
    page.wait_for_function(f"{shown} >= {len(EVEN)}", timeout=60_000)
    found = page.evaluate(INSPECT)
    page.close()
    assert dialogs == []
    assert found["scripts"] == 0 and found["handlers"] == [] and found["unsafe_links"] == []
    assert found["images"] == []
    assert "<script>alert(document.cookie)</script>" in found["text"]  # shown, as text
