"""Whatever anyone types or pastes: sent, stored, reloaded and shown, inert.

Each hostile text goes through the chat page (send → store), then a fresh
session opens the conversation from its URL (reload → render). What is
stored is what was typed (lone surrogates become U+FFFD: UTF-8 cannot carry
them), no Markdown element allows HTML, and none keeps a live link to an
unsafe scheme or an image that would load by itself.
"""

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.chat import Choice
from core.demo.replies import ChunkFactory, Data, Done, Raw, StreamReply, text_stream
from core.markdown import prepare_markdown, too_heavy_for_markdown
from core.services import services
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.users import local_user
from core.text import clean_text
from tests.app.conftest import APP, TIMEOUT, shown, texts
from tests.app.scripted import scripted_models_file
from tests.hostile import HOSTILE, MEGABYTE, live_images, live_unsafe_links

# A browser sends UTF-8 only (it replaces a lone surrogate before sending), and
# AppTest cannot carry one either: this text comes in through the service, as
# text from a model's JSON escapes does.
BROWSER_CANNOT_SEND = {"lone surrogate"}


def only_conversation():
    """The messages of the local user's one conversation."""
    user = local_user()
    [conversation] = conversation_store.list_conversations(user.id)
    return message_store.branch(user.id, conversation.id)


def rendered_markdown(at):
    return [element.proto for element in at.markdown]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_round_trips_and_renders_inert(app, name):
    text = HOSTILE[name]
    app.run()
    if name in BROWSER_CANNOT_SEND:
        services().chat.send(local_user().id, None, text, Choice("demo-swift"))
    else:
        app.chat_input[0].set_value(text).run()
    assert not app.exception

    user = local_user()
    [conversation] = conversation_store.list_conversations(user.id)
    question = message_store.branch(user.id, conversation.id)[0]
    assert question.content == clean_text(text)

    reloaded = AppTest.from_file(APP, default_timeout=TIMEOUT)
    reloaded.query_params["c"] = conversation.public_id
    reloaded.run()
    assert not reloaded.exception
    for proto in rendered_markdown(reloaded):
        assert not proto.allow_html
        assert live_unsafe_links(proto.body) == []
        assert live_images(proto.body) == []
    # The question is on the page: as prepared Markdown, or as plain text when heavy.
    stored = clean_text(text)
    if too_heavy_for_markdown(stored):
        assert stored[:5_000] in [t.value for t in reloaded.text]
    else:
        assert prepare_markdown(stored) in [p.body for p in rendered_markdown(reloaded)]


def test_a_megabyte_paste_is_stored_whole_and_refused_with_both_numbers(app):
    text = HOSTILE["megabyte"]
    app.run()
    app.chat_input[0].set_value(text).run()
    assert not app.exception
    [error] = [shown(e.value) for e in app.error]
    # The model's context window is far smaller: the count and the limit are both given.
    assert "214,29" in error and "57,344" in error, error
    user = local_user()
    [conversation] = conversation_store.list_conversations(user.id)
    question, answer = message_store.branch(user.id, conversation.id)
    assert len(question.content) == MEGABYTE and answer.error_kind == "context_too_long"
    # Shown as plain text: its start now, the rest only when asked for.
    assert any("plain text" in c.value for c in app.caption)
    assert max(len(t.value) for t in app.text) <= 5_000
    assert not [m for m in app.markdown if len(m.value) > 10_000]


MODEL_SAYS = [
    "script tag",
    "img onerror",
    "javascript link",
    "data link",
    "remote image",
    "html in markdown",
    "rtl override",
    "megabyte of markup",
]


@pytest.fixture
def scripted_app(app, server, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELS_FILE", scripted_models_file(tmp_path, server))
    return app


@pytest.mark.parametrize("name", MODEL_SAYS)
def test_hostile_model_answer_renders_inert(scripted_app, server, name):
    """The same holds for what a model answers, live and after a reload."""
    server.push(StreamReply(text_stream("m1", answer=[HOSTILE[name]])))
    scripted_app.run()
    scripted_app.chat_input[0].set_value("say something nasty").run()
    assert not scripted_app.exception
    answer = only_conversation()[-1]
    assert answer.status == "complete" and answer.content == HOSTILE[name]
    for proto in rendered_markdown(scripted_app):
        assert not proto.allow_html
        assert live_unsafe_links(proto.body) == [] and live_images(proto.body) == []


def test_a_model_that_sends_broken_unicode_still_finishes(scripted_app, server):
    """A JSON "\\ud800" escape is a lone surrogate once decoded: neither SQLite nor
    the page can carry one. It used to leave the answer "streaming" for ever."""
    chunks = ChunkFactory("m1")
    broken = b"data: " + json.dumps(chunks.chunk({"content": "half \ud83d emoji"})).encode()
    server.push(StreamReply([Raw(broken + b"\n\n"), Data(chunks.chunk({}, "stop")), Done()]))
    scripted_app.run()
    scripted_app.chat_input[0].set_value("hello").run()
    assert not scripted_app.exception
    answer = only_conversation()[-1]
    assert (answer.status, answer.content) == ("complete", "half \ufffd emoji")
    assert len(scripted_app.chat_input) == 1 and not scripted_app.chat_input[0].disabled


def test_conversation_whose_model_left_the_catalog_opens_and_asks_for_another(app):
    services()  # the database, as the app opens it
    user = local_user()
    conversation = conversation_store.create_conversation(user.id, "retired-model", title="Old")
    question = message_store.append_message(
        user.id, conversation.id, role="user", content="old question", parent_id=None
    )
    message_store.append_message(
        user.id,
        conversation.id,
        role="assistant",
        content="old answer",
        parent_id=question.id,
        model_id="retired-model",
        requested_model_id="retired-model",
    )
    app.query_params["c"] = conversation.public_id
    app.run()
    assert not app.exception
    assert "retired-model, which is no longer in the catalog" in shown(app.warning[0].value)
    assert "old question" in texts(app) and "old answer" in texts(app)
    assert app.selectbox[0].value == "demo-thinker"  # a model that exists, to continue with
    app.chat_input[0].set_value("new question").run()
    assert not app.exception
    answer = message_store.branch(user.id, conversation.id)[-1]
    assert (answer.status, answer.model_id) == ("complete", "demo-thinker")
