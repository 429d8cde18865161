"""Per-user limits hold across every tab and session of a user, not per tab.

They are counted by the process-wide worker and rate limiter; a second tab
(a second AppTest session of the same account) meets the same count, and
another user is not affected.
"""

import pytest
from streamlit.testing.v1 import AppTest

from core.chat import Choice
from core.demo.replies import ErrorReply, StreamReply, error_body, text_stream
from core.services import services
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.users import local_user, login_of
from tests.app.conftest import APP, TIMEOUT, shown, texts
from tests.app.scripted import scripted_models_file
from tests.auth_helpers import (
    fast_hashing,  # noqa: F401 (a fixture)
    sign_in_through_page,
    sign_up_through_page,
)


def limited_app(app, server, tmp_path, monkeypatch, policy):
    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.setenv("ALLOW_SIGNUP", "true")  # off by default; these tests sign up
    monkeypatch.setenv("MODELS_FILE", scripted_models_file(tmp_path, server, policy=policy))
    return app


@pytest.mark.usefixtures("fast_hashing")
def test_messages_per_minute_count_every_tab_of_a_user(app, server, tmp_path, monkeypatch):
    first_tab = limited_app(app, server, tmp_path, monkeypatch, "messages_per_minute = 2")
    sign_up_through_page(first_tab, "alice")
    for text in ("one", "two"):
        first_tab.chat_input[0].set_value(text).run()
    second_tab = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in_through_page(second_tab, "alice")
    second_tab.chat_input[0].set_value("three").run()
    assert not second_tab.exception
    [error] = [e.value for e in second_tab.error]
    assert error.startswith("You are sending messages faster than this app allows. Wait ")
    # Refused before anything was stored; what was typed stays on screen to send again.
    alice = login_of("alice").user
    stored = [
        m.content
        for c in conversation_store.list_conversations(alice.id)
        for m in message_store.branch(alice.id, c.id)
    ]
    assert "three" not in stored
    assert "three" in texts(second_tab) + "".join(c.value for c in second_tab.code)
    assert any(b.label == "Send again" for b in second_tab.button)  # nothing typed is lost
    # Bob has his own count.
    bob = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_up_through_page(bob, "bob")
    bob.chat_input[0].set_value("hello").run()
    assert not bob.error and "Hello world" in texts(bob)


@pytest.mark.usefixtures("fast_hashing")
def test_answers_at_once_count_every_session_of_a_user(app, server, tmp_path, monkeypatch):
    tab = limited_app(app, server, tmp_path, monkeypatch, "per_user_generations = 1")
    sign_up_through_page(tab, "carol")
    carol = login_of("carol").user
    server.default = lambda r: StreamReply(
        text_stream("m1", answer=[f"w{i} " for i in range(200)], delay=0.05)
    )
    # Another tab of Carol's is having a long answer written.
    elsewhere = services().chat.send(carol.id, None, "a long one", Choice("scripted"))
    try:
        tab.chat_input[0].set_value("and another").run()
        assert not tab.exception
        assert "limited to 1 per person" in tab.error[0].value
        assert len(conversation_store.list_conversations(carol.id)) == 1  # nothing stored
    finally:
        services().chat.stop(carol.id, elsewhere.assistant_message_id)
        services().worker.wait(elsewhere.assistant_message_id)


def test_a_cap_reached_is_said_plainly_and_nothing_is_stored(app, server, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "MODELS_FILE", scripted_models_file(tmp_path, server, policy="max_stored_mb = 0.0001")
    )
    app.run()
    app.chat_input[0].set_value("x" * 150).run()  # 150 bytes; the cap is 100
    assert not app.exception
    [error] = [e.value for e in app.error]
    assert shown(error).startswith("Your conversations take up 0.0001 MB, the most this app keeps")
    assert any(b.label == "Send again" for b in app.button)
    assert conversation_store.list_conversations(local_user().id) == []
    assert server.requests == []


def test_a_refused_retry_says_why_and_keeps_the_answer(app, server, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "MODELS_FILE", scripted_models_file(tmp_path, server, policy="max_tokens_per_day = 5")
    )
    server.push(ErrorReply(500, error_body("upstream broke")))
    app.run()
    app.chat_input[0].set_value("hello").run()
    user = local_user()
    (conversation,) = conversation_store.list_conversations(user.id)
    answer = message_store.branch(user.id, conversation.id)[-1]
    services().worker.wait(answer.id)
    app.run()
    assert message_store.get_message(user.id, answer.id).status == "error"
    # Another conversation used up the day's tokens meanwhile.
    used = services().chat.send(user.id, None, "spend", Choice("scripted"))
    services().worker.wait(used.assistant_message_id)
    app.button(key=f"retry-{answer.id}").click().run()
    assert not app.exception
    assert any("today's allowance of 5 tokens" in e.value for e in app.error)
    assert message_store.get_message(user.id, answer.id).error_kind == "server_error"
