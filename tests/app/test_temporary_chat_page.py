"""The temporary chat as a person uses it: the switch on a new chat, an answer,
a reload that finds it again, and nothing in the history, the search or the database."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.store import conversations as conversation_store
from core.store.users import local_user
from tests.app.conftest import APP, TIMEOUT, texts
from tests.auth_helpers import fast_hashing, sign_up_through_page  # noqa: F401
from tests.test_temporary_chat import rows_in_every_table

QUESTION = "Remember the tortoise, privately"


def turn_on(at: AppTest) -> str:
    at.toggle(key="temporary-off").set_value(True).run()
    assert not at.exception
    value = at.query_params["tmp"]
    return value if isinstance(value, str) else value[0]


def test_a_temporary_chat_is_answered_kept_across_a_reload_and_never_stored(app):
    app.run()
    before = rows_in_every_table()
    chat_id = turn_on(app)
    assert "Temporary chat: not saved" in texts(app)
    app.chat_input(key="temporary-input").set_value(QUESTION).run()
    assert not app.exception
    shown = texts(app)
    assert QUESTION in shown
    assert len(app.chat_message) == 2

    reloaded = AppTest.from_file(APP, default_timeout=TIMEOUT)
    reloaded.query_params["tmp"] = chat_id
    reloaded.run()
    assert not reloaded.exception
    assert QUESTION in texts(reloaded)
    assert [m.markdown[0].value for m in reloaded.chat_message][1:] == [
        m.markdown[0].value for m in app.chat_message
    ][1:]

    reloaded.sidebar.text_input(key="search-query").set_value("tortoise").run()
    assert "Nothing found." in [c.value for c in reloaded.caption]
    assert conversation_store.list_conversations(local_user().id) == []
    assert rows_in_every_table() == before


def test_turning_it_off_forgets_it(app):
    app.run()
    chat_id = turn_on(app)
    app.chat_input(key="temporary-input").set_value(QUESTION).run()
    app.toggle(key="temporary-on").set_value(False).run()
    assert not app.exception
    assert "tmp" not in app.query_params
    assert QUESTION not in texts(app)
    assert app.toggle(key="temporary-off").value is False  # back on a new, saved chat

    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params["tmp"] = chat_id
    again.run()
    assert "That temporary chat is gone" in again.info[0].value
    assert QUESTION not in texts(again)


def test_the_switch_is_in_chinese_too(app):
    app.session_state["locale"] = "zh"
    app.run()
    assert app.toggle(key="temporary-off").label == "临时对话"
    turn_on(app)
    assert any("临时对话" in c.value for c in app.caption)


def test_another_person_with_the_address_finds_nothing(app, monkeypatch, fast_hashing):  # noqa: F811
    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    sign_up_through_page(app, "alice")
    chat_id = turn_on(app)
    app.chat_input(key="temporary-input").set_value(QUESTION).run()
    assert QUESTION in texts(app)

    bob = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_up_through_page(bob, "bob")
    bob.query_params["tmp"] = chat_id
    bob.run()
    assert not bob.exception
    assert "That temporary chat is gone" in bob.info[0].value
    assert QUESTION not in texts(bob)
    app.run()  # still Alice's
    assert QUESTION in texts(app)
