"""Web search on the chat page (AppTest), with the offline demo search corpus."""

from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import web_sources as web_store
from core.store.users import local_user
from tests.app.conftest import texts


def toggle(at, label):
    return next(w for w in at.toggle if w.label == label)


def answers():
    user = local_user()
    conversation = conversation_store.list_conversations(user.id)[0]
    branch = message_store.branch(user.id, conversation.id)
    return conversation, [m for m in branch if m.role == "assistant"]


def test_switch_on_the_answer_cites_numbered_sources_listed_under_it(app):
    app.run()
    toggle(app, "Web search").set_value(True).run()
    app.chat_input[0].set_value("What is the weather in Tokyo today?").run()
    assert not app.exception
    shown = texts(app)
    # The citation is a numbered link to the page, and the Sources panel lists it.
    assert "[[1]](<https://weather.example.org/tokyo/today>) (weather.example.org)" in shown
    panel = next(e for e in app.expander if e.label == "1 source")
    assert (
        "1. [Tokyo weather today: mild, light rain in the evening (demo page)]"
        "(<https://weather.example.org/tokyo/today>) (weather.example.org)"
    ) in shown.splitlines()
    assert panel is not None
    conversation, [answer] = answers()
    assert web_store.switch_of(local_user().id, conversation.id) is True
    assert "[citation:1]" in answer.content  # stored as the model wrote it


def test_switch_off_no_sources(app):
    app.run()
    app.chat_input[0].set_value("What is the weather in Tokyo today?").run()
    assert not app.exception
    assert not [e for e in app.expander if "source" in e.label]
    _conversation, [answer] = answers()
    assert web_store.sources_of(local_user().id, [answer.id]) == {}


def test_the_switch_is_remembered_per_conversation(app):
    app.run()
    toggle(app, "Web search").set_value(True).run()
    app.chat_input[0].set_value("北京今天天气怎么样？").run()
    conversation, _ = answers()
    app.button(key="new-chat").click().run()
    app.button(key=f"conv-{conversation.id}").click().run()
    assert toggle(app, "Web search").value is True
    toggle(app, "Web search").set_value(False).run()
    assert web_store.switch_of(local_user().id, conversation.id) is False


def test_chinese_page_says_lianwang_sousuo(app):
    app.session_state["locale"] = "zh"
    app.run()
    assert any(w.label == "联网搜索" for w in app.toggle), [w.label for w in app.toggle]


def test_compare_columns_show_their_sources(app):
    app.run()
    app.switch_page("pages/compare.py").run()
    app.toggle(key="compare-web-search").set_value(True).run()
    app.chat_input(key="compare-input").set_value("What is the weather in Tokyo today?").run()
    assert not app.exception
    assert [e.label for e in app.expander].count("1 source") == 2
    assert texts(app).count("[[1]](<https://weather.example.org/tokyo/today>)") == 2
