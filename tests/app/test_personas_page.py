"""Personas on the chat page: a new chat started from one, one's own made in the
dialog, and a conversation's system prompt and temperature changed from its menu."""

from core.i18n import Translator
from core.personas import Persona, create_persona, personas_for
from core.services import services
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.users import local_user
from tests.app.conftest import shown, texts
from tests.app.test_chinese_throughout import english_on
from tests.auth_helpers import fast_hashing  # noqa: F401 (a fixture)

PICKER = "new-chat-persona"


def send(at, text):
    at.chat_input[0].set_value(text).run()
    return at


def options(pills):
    """(icon, name) of each pill: Streamlit shows a label's leading emoji as its icon."""
    return [(o.content_icon, shown(o.content)) for o in pills.proto.options]


def only_conversation():
    (conversation,) = conversation_store.list_conversations(local_user().id)
    return conversation


def finish_answers(conversation):
    for message in message_store.branch(local_user().id, conversation.id):
        if message.role == "assistant":
            services().worker.wait(message.id)


def test_a_new_chat_starts_from_a_builtin_persona_and_shows_its_prompt(app):
    app.run()
    assert not app.exception
    picker = app.button_group(key=PICKER)
    assert ("🌐", "Translator") in options(picker)
    picker.set_value("builtin:translator").run()
    assert not app.exception
    send(app, "Bonjour tout le monde")
    conversation = only_conversation()
    translator = next(
        p for p in personas_for(local_user().id, Translator("en")) if p.name == "Translator"
    )
    assert conversation.system_prompt == translator.system_prompt
    assert conversation.temperature == 0.3
    finish_answers(conversation)
    app.run()
    (panel,) = [e for e in app.expander if "System prompt" in e.label]
    assert "Temperature 0.30" in panel.label
    assert translator.system_prompt not in texts(app)  # collapsed: not even sent
    app.session_state[f"system-conversation-{conversation.id}"] = True  # opened
    app.run()
    assert translator.system_prompt in texts(app)
    answer = message_store.branch(local_user().id, conversation.id)[-1]
    assert answer.temperature == 0.3


def test_without_a_persona_a_chat_has_no_system_prompt(app):
    app.run()
    send(app, "Hello")
    conversation = only_conversation()
    assert (conversation.system_prompt, conversation.temperature) == (None, None)
    app.run()
    assert not [e for e in app.expander if "System prompt" in e.label]


def test_making_a_persona_in_the_dialog_and_starting_from_it(app):
    app.run()
    app.button(key="manage-personas").click().run()
    assert not app.exception
    form = "persona-form-new-__new__"
    app.text_input(key=f"{form}-name").set_value("   ")
    app.button(key=f"{form}-save").click().run()
    assert any("needs a name" in shown(e.value) for e in app.error)
    assert personas_for(local_user().id, Translator("en"))[-1].builtin  # nothing kept

    app.text_input(key=f"{form}-name").set_value("Pirate")
    app.text_input(key=f"{form}-icon").set_value("🏴‍☠️")
    app.text_area(key=f"{form}-prompt").set_value("Talk like a pirate, matey.")
    app.selectbox(key=f"{form}-model").set_value("demo-swift")
    app.checkbox(key=f"{form}-set-temperature").check()
    app.slider(key=f"{form}-temperature").set_value(1.2)
    app.button(key=f"{form}-save").click().run()
    assert not app.exception
    pirate = personas_for(local_user().id, Translator("en"))[-1]
    assert (pirate.name, pirate.icon, pirate.model_id, pirate.temperature) == (
        "Pirate",
        "🏴‍☠️",
        "demo-swift",
        1.2,
    )
    # The new persona is chosen for the next chat, with its model.
    assert app.button_group(key=PICKER).value == pirate.key
    send(app, "Where is the treasure?")
    conversation = only_conversation()
    assert conversation.system_prompt == "Talk like a pirate, matey."
    assert (conversation.temperature, conversation.model_id) == (1.2, "demo-swift")


def test_editing_and_deleting_ones_own_persona(app):
    app.run()  # opens the database
    user = local_user()
    mine = create_persona(user.id, Persona("", "Poet", "🪶", "Answer in verse."))
    app.run()
    assert ("🪶", "Poet") in options(app.button_group(key=PICKER))
    app.button(key="manage-personas").click().run()
    app.selectbox(key="persona-editing").set_value(mine.key).run()
    form = f"persona-form-{mine.key}"
    app.text_area(key=f"{form}-prompt").set_value("Answer in haiku.")
    app.button(key=f"{form}-save").click().run()
    assert not app.exception
    assert personas_for(user.id, Translator("en"))[-1].system_prompt == "Answer in haiku."
    app.button(key="manage-personas").click().run()
    app.selectbox(key="persona-editing").set_value(mine.key).run()
    app.checkbox(key=f"persona-delete-ok-{mine.key}").check().run()
    app.button(key=f"persona-delete-{mine.key}").click().run()
    assert not app.exception
    assert all(p.builtin for p in personas_for(user.id, Translator("en")))
    assert ("🪶", "Poet") not in options(app.button_group(key=PICKER))


def test_the_conversation_menu_changes_the_system_prompt_and_temperature(app):
    app.run()
    send(app, "First question")
    conversation = only_conversation()
    finish_answers(conversation)
    app.run()
    cid = conversation.id
    app.button(key=f"menu-{cid}").click().run()
    assert not [e for e in app.expander if "System prompt" in e.label]
    app.text_area(key=f"system-prompt-{cid}").set_value("Answer in one sentence.")
    app.checkbox(key=f"set-temperature-{cid}").check().run()  # the slider comes alive
    app.slider(key=f"temperature-{cid}").set_value(0.2)
    app.button(key=f"save-settings-{cid}").click().run()
    assert not app.exception
    changed = only_conversation()
    assert (changed.system_prompt, changed.temperature) == ("Answer in one sentence.", 0.2)
    assert [e for e in app.expander if "System prompt · Temperature 0.20" in e.label]
    send(app, "Second question")
    finish_answers(conversation)
    answer = message_store.branch(local_user().id, cid)[-1]
    assert answer.temperature == 0.2
    # Emptied and unticked: back to no system prompt and the model's temperature.
    app.button(key=f"menu-{cid}").click().run()
    app.text_area(key=f"system-prompt-{cid}").set_value("  ")
    app.checkbox(key=f"set-temperature-{cid}").uncheck()
    app.button(key=f"save-settings-{cid}").click().run()
    assert (only_conversation().system_prompt, only_conversation().temperature) == (None, None)
    assert not [e for e in app.expander if "System prompt" in e.label]


def test_personas_in_chinese(app):
    app.session_state["locale"] = "zh"
    app.run()
    assert not app.exception
    shown_options = options(app.button_group(key=PICKER))
    assert ("🌐", "翻译") in shown_options and ("🧑‍💻", "编程助手") in shown_options
    assert app.button_group(key=PICKER).label == "从角色开始"
    app.button_group(key=PICKER).set_value("builtin:teacher").run()
    app.button(key="manage-personas").click().run()
    assert english_on(app) == []  # the dialog, the chosen persona's panel
    app.button(key="manage-personas").click().run()
    send(app, "你好")
    conversation = only_conversation()
    assert conversation.system_prompt.startswith("你是一位耐心的老师")  # the Chinese prompt
    finish_answers(conversation)
    app.run()
    app.button(key=f"menu-{conversation.id}").click().run()
    assert not app.exception
    assert english_on(app) == []  # the menu's settings


def test_signed_in_people_never_see_or_use_each_others_personas(
    app,
    monkeypatch,
    fast_hashing,  # noqa: F811
):
    from streamlit.testing.v1 import AppTest

    from core.store.users import login_of
    from tests.app.conftest import APP, TIMEOUT
    from tests.auth_helpers import sign_up_through_page

    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.delenv("ADMINS", raising=False)
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    alice = app
    sign_up_through_page(alice, "alice")
    mine = create_persona(
        login_of("alice").user.id, Persona("", "Alice's spy", "🕵️", "Alice's secret prompt")
    )
    alice.run()
    assert ("🕵️", "Alice's spy") in options(alice.button_group(key=PICKER))

    bob = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_up_through_page(bob, "bob")
    assert not bob.exception
    assert ("🕵️", "Alice's spy") not in options(bob.button_group(key=PICKER))
    bob.button(key="manage-personas").click().run()
    assert bob.selectbox(key="persona-editing").options == ["New persona"]
    # A forged choice (Alice's id in Bob's session) starts a plain chat.
    bob.session_state[PICKER] = mine.key
    bob.chat_input[0].set_value("Hello").run()
    assert not bob.exception
    (conversation,) = conversation_store.list_conversations(login_of("bob").user.id)
    assert conversation.system_prompt is None
    assert "Alice's secret prompt" not in texts(bob)


def test_delete_all_my_data_deletes_ones_personas(app):
    app.run()
    create_persona(local_user().id, Persona("", "Poet", "🪶", "Answer in verse."))
    app.session_state["your-data"] = True  # open the lazy "Your data" panel
    app.run()
    app.checkbox(key="confirm-delete-all").check().run()
    app.button(key="delete-all").click().run()
    assert not app.exception
    assert all(p.builtin for p in personas_for(local_user().id, Translator("en")))
    assert ("🪶", "Poet") not in options(app.button_group(key=PICKER))
