"""In a real browser: hostile questions and answers render inert.

The AppTest checks prove what we send to the browser; this proves what the
browser makes of it. A conversation full of hostile text is stored, the app
is started on it, and headless Chromium opens it from its URL: no dialog may
open, and the messages may hold no script, no frame, no event handler
attribute, no link to an unsafe scheme and no image.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.users import local_user
from tests.hostile import HOSTILE

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def hostile_conversation(db) -> str:
    user = local_user()
    conversation = conversation_store.create_conversation(user.id, "demo-swift", title="Hostile")
    parent = None
    # A question and an answer each hold one text: fewer messages than the
    # page's first screenful (40), so every one of them is on the page.
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
    return conversation.public_id


def test_hostile_text_is_inert_in_chromium(hostile_conversation, db):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db, OLLAMA_URL="off")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    dialogs: list[str] = []
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            deadline = time.monotonic() + 60
            while True:  # the server takes a few seconds to start
                try:
                    page.goto(f"http://127.0.0.1:{port}/?c={hostile_conversation}")
                    break
                except playwright.Error:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            shown = "document.querySelectorAll('[data-testid=\"stChatMessage\"]').length"
            page.wait_for_function(f"{shown} >= {len(EVEN)}", timeout=60_000)
            found = page.evaluate(INSPECT)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert dialogs == []
    assert found["scripts"] == 0 and found["handlers"] == [] and found["unsafe_links"] == []
    assert found["images"] == []
    assert "<script>alert(document.cookie)</script>" in found["text"]  # shown, as text
