"""The chat page as a person uses it, through Streamlit's AppTest."""

from core.services import services
from core.store import conversations as conversation_store
from core.store import erase
from core.store.users import local_user
from tests.app.conftest import shown, texts


def send(at, text):
    at.chat_input[0].set_value(text).run()
    # The page follows the answer until it is done, then reruns once more.
    return at


def test_first_visit_offers_examples_and_a_demo_model(app):
    app.run()
    assert not app.exception
    assert app.selectbox[0].value == "demo-thinker"
    assert "What can I help you with?" in texts(app)
    assert any("Python function" in b.label for b in app.button)


def test_ask_the_reasoning_demo_and_see_reasoning_then_answer(app):
    app.run()
    send(app, "Explain python code for sorting")
    assert not app.exception
    answer = texts(app)
    assert "This is the offline demo model" in answer
    assert "Explain python code for sorting" in answer  # the question is shown
    panels = [e for e in app.expander if "Thought for" in e.label]
    assert panels, [e.label for e in app.expander]
    assert "Demo Thinker · offline · via Demo Cloud East (offline)" in answer


def test_switch_model_mid_conversation(app):
    app.run()
    send(app, "First question")
    app.selectbox[0].set_value("demo-swift").run()
    send(app, "Second question")
    user = local_user()
    conversation = conversation_store.list_conversations(user.id)[0]
    assert conversation.model_id == "demo-swift"
    from core.store import messages as message_store

    answers = [m for m in message_store.branch(user.id, conversation.id) if m.role == "assistant"]
    assert [a.model_id for a in answers] == ["demo-thinker", "demo-swift"]
    assert not answers[1].reasoning  # the fast model does not think
    captions = [c.value for c in app.caption]
    assert any(c.startswith("Demo Swift · offline") for c in captions)


def test_reopen_a_conversation_from_the_sidebar(app):
    app.run()
    send(app, "Remember the tortoise")
    app.button(key="new-chat").click().run()
    assert "What can I help you with?" in texts(app)
    conversation = conversation_store.list_conversations(local_user().id)[0]
    app.button(key=f"conv-{conversation.id}").click().run()
    assert "Remember the tortoise" in texts(app)
    assert "This is the offline demo model" in texts(app)


def test_unavailable_model_explains_how_to_enable_it(app):
    app.run()
    app.selectbox[0].set_value("deepseek-v4-flash").run()
    warnings = [shown(w.value) for w in app.warning]
    assert any("DEEPSEEK_API_KEY" in w for w in warnings)
    assert app.chat_input[0].disabled
    assert services().catalog.models["deepseek-v4-flash"].has_thinking_switch
    assert any(t.label == "Deep thinking" for t in app.toggle)


def test_chinese_browser_gets_a_chinese_page(app):
    app.session_state["locale"] = "zh"
    app.run()
    assert "有什么可以帮你？" in texts(app)


def test_rename_and_delete_a_conversation(app):
    app.run()
    send(app, "Name me later")
    user = local_user()
    conversation = conversation_store.list_conversations(user.id)[0]
    assert conversation.title == "Name me later"  # automatic title
    app.button(key=f"menu-{conversation.id}").click().run()
    app.text_input(key=f"rename-{conversation.id}").set_value("Tortoise facts")
    app.button(key=f"save-title-{conversation.id}").click().run()
    assert conversation_store.get_conversation(user.id, conversation.id).title == "Tortoise facts"
    assert app.sidebar.button(key=f"conv-{conversation.id}").label == "Tortoise facts"
    app.button(key=f"menu-{conversation.id}").click().run()
    assert app.text_input(key=f"rename-{conversation.id}").value == "Tortoise facts"
    app.checkbox(key=f"confirm-delete-{conversation.id}").check().run()
    app.button(key=f"delete-{conversation.id}").click().run()
    assert conversation_store.list_conversations(user.id) == []
    assert "What can I help you with?" in texts(app)


def test_an_example_question_is_sent_with_one_click(app):
    app.run()
    example = next(b for b in app.button if b.key == "example-0")
    example.click().run()
    conversation = conversation_store.list_conversations(local_user().id)[0]
    assert conversation.title.startswith("Explain how a reasoning model thinks")
    assert app.sidebar.button(key=f"conv-{conversation.id}")  # listed in the same run
    assert "This is the offline demo model" in texts(app)


def test_a_message_that_cannot_be_sent_stays_on_screen_and_can_be_sent_again(app):
    app.run()
    send(app, "First question")
    user = local_user()
    conversation = conversation_store.list_conversations(user.id)[0]
    erase.delete_conversation(user.id, conversation.id)  # say, in another tab
    send(app, "Words I do not want to type twice")
    assert "Words I do not want to type twice" in [c.value for c in app.code]
    app.button(key="send-again").click().run()
    titles = [c.title for c in conversation_store.list_conversations(user.id)]
    assert titles == ["Words I do not want to type twice"]
    assert not app.code
    assert "This is the offline demo model" in texts(app)


def test_a_long_conversation_opens_at_its_newest_messages_and_pages_back(app):
    from core.store import messages as message_store

    app.run()  # opens the store
    user = local_user()
    conversation = conversation_store.create_conversation(user.id, "demo-swift")
    parent = None
    for turn in range(25):
        question = message_store.append_message(
            user.id, conversation.id, role="user", content=f"Question number {turn}",
            parent_id=parent,
        )  # fmt: skip
        parent = message_store.append_message(
            user.id, conversation.id, role="assistant", content=f"Answer number {turn}",
            parent_id=question.id, model_id="demo-swift",
        ).id  # fmt: skip
    app.run()
    app.button(key=f"conv-{conversation.id}").click().run()

    def questions_shown() -> list[int]:
        return [int(line.split()[-1]) for line in texts(app).split("\n")
                if line.startswith("Question number")]  # fmt: skip

    assert questions_shown() == list(range(15, 25))  # the newest 20 messages
    for expected_label, first in [("Show 20 earlier", 5), ("Show 10 earlier", 0)]:
        earlier = next(b for b in app.button if b.label.startswith("Show "))
        assert earlier.label.startswith(expected_label)
        earlier.click().run()
        assert questions_shown() == list(range(first, 25))
    assert not any(b.label.startswith("Show ") for b in app.button)
