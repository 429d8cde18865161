"""Search, versions, edit and resend, pin and archive: the chat page as a person uses it."""

from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.users import local_user
from tests.app.conftest import shown, texts


def send(at, text):
    at.chat_input[0].set_value(text).run()
    return at


def current_branch():
    user = local_user()
    conversation = conversation_store.list_conversations(user.id)[0]
    return message_store.branch(user.id, conversation.id)


def captions(at):
    return [c.value for c in at.caption]


def test_sidebar_search_opens_the_conversation_at_the_message(app):
    app.run()
    send(app, "Remember the tortoise")
    app.button(key="new-chat").click().run()
    send(app, "用中文解释量子计算")
    tortoise_question = next(
        m
        for c in conversation_store.list_conversations(local_user().id)
        for m in message_store.branch(local_user().id, c.id)
        if m.content == "Remember the tortoise"
    )
    app.sidebar.text_input(key="search-query").set_value("tortoise").run()
    assert not app.exception
    hit_keys = [b.key for b in app.sidebar.button if (b.key or "").startswith("hit-")]
    assert f"hit-{tortoise_question.conversation_id}-{tortoise_question.id}" in hit_keys
    assert not any((b.key or "").startswith("conv-") for b in app.sidebar.button)  # results only
    hit = app.sidebar.button(key=f"hit-{tortoise_question.conversation_id}-{tortoise_question.id}")
    assert "**tortoise**" in hit.label
    hit.click().run()
    assert app.session_state["conversation_id"] == tortoise_question.conversation_id
    assert app.session_state["focus_message"] == (
        tortoise_question.conversation_id,
        tortoise_question.id,
    )
    assert "Remember the tortoise" in texts(app)
    assert "量子" not in texts(app)

    app.sidebar.text_input(key="search-query").set_value("量子").run()  # two characters
    assert any(
        "**量子**" in b.label for b in app.sidebar.button if (b.key or "").startswith("hit-")
    )
    app.sidebar.text_input(key="search-query").set_value('NEAR("x" OR *').run()
    assert "Nothing found." in captions(app)
    app.sidebar.text_input(key="search-query").set_value("").run()
    assert any((b.key or "").startswith("conv-") for b in app.sidebar.button)


def test_regenerate_then_page_between_the_answers(app):
    app.run()
    send(app, "Tell me a fact")
    first_answer = current_branch()[-1]
    app.button(key=f"regenerate-{first_answer.id}").click().run()
    assert not app.exception
    branch = current_branch()
    second_answer = branch[-1]
    assert second_answer.id != first_answer.id and second_answer.status == "complete"
    assert "2 / 2" in captions(app)
    app.button(key=f"prev-{second_answer.id}").click().run()
    assert "1 / 2" in captions(app)
    assert current_branch()[-1].id == first_answer.id
    send(app, "And another")  # the conversation goes on from the chosen answer
    assert [m.parent_id for m in current_branch()][2] == first_answer.id


def test_edit_a_question_and_resend_keeps_the_old_branch(app):
    app.run()
    send(app, "What is a tortoiss?")
    question = current_branch()[0]
    app.button(key=f"edit-{question.id}").click().run()
    app.text_area(key=f"edit-text-{question.id}").set_value("What is a tortoise?")
    app.button(key=f"edit-send-{question.id}").click().run()
    assert not app.exception
    branch = current_branch()
    assert branch[0].content == "What is a tortoise?" and branch[1].status == "complete"
    assert "What is a tortoise?" in texts(app) and "tortoiss" not in texts(app)
    assert "2 / 2" in captions(app)
    app.button(key=f"prev-{branch[0].id}").click().run()
    assert "What is a tortoiss?" in texts(app)
    assert current_branch()[0].content == "What is a tortoiss?"


def test_cancel_editing_changes_nothing(app):
    app.run()
    send(app, "Keep me")
    question = current_branch()[0]
    app.button(key=f"edit-{question.id}").click().run()
    app.button(key=f"edit-cancel-{question.id}").click().run()
    assert current_branch()[0].content == "Keep me"
    assert app.button(key=f"edit-{question.id}")


def test_pin_and_archive_from_the_conversation_menu(app):
    app.run()
    send(app, "First chat")
    app.button(key="new-chat").click().run()
    send(app, "Second chat")
    user = local_user()
    second, first = conversation_store.list_conversations(user.id)
    app.button(key=f"menu-{second.id}").click().run()
    app.button(key=f"pin-{second.id}").click().run()
    assert "Pinned" in captions(app)
    assert conversation_store.get_conversation(user.id, second.id).pinned
    app.button(key=f"menu-{second.id}").click().run()
    app.button(key=f"archive-{second.id}").click().run()
    keys = [b.key for b in app.sidebar.button]
    assert f"conv-{second.id}" not in keys and f"conv-{first.id}" in keys
    assert any("archived" in c for c in captions(app))
    app.session_state["archived"] = True  # open the lazy "Archived" panel
    app.run()
    assert app.sidebar.button(key=f"archived-{second.id}").label == "Second chat"
    app.button(key="unarchive").click().run()
    assert f"conv-{second.id}" in [b.key for b in app.sidebar.button]


def test_copy_offers_the_markdown_source_only_when_opened(app):
    app.run()
    send(app, "Explain python code for sorting")
    answer = current_branch()[-1]
    assert [c.value for c in app.code] == []  # lazy: nothing sent until opened
    app.session_state[f"copy-{answer.id}"] = True  # what opening the popover does
    app.run()
    assert [(c.language, c.value) for c in app.code] == [("markdown", answer.content)]


def test_regenerate_with_another_model(app):
    app.run()
    send(app, "Tell me a fact")
    first = current_branch()[-1]
    app.session_state[f"regenerate-with-{first.id}"] = True
    app.run()
    app.button(key=f"regenerate-{first.id}-demo-swift").click().run()
    assert not app.exception
    second = current_branch()[-1]
    assert (first.model_id, second.model_id) == ("demo-thinker", "demo-swift")
    assert "2 / 2" in captions(app)


def test_delete_all_my_data(app):
    app.run()
    send(app, "Something private")
    app.session_state["your-data"] = True  # open the lazy "Your data" panel
    app.run()
    assert app.button(key="delete-all").disabled
    app.checkbox(key="confirm-delete-all").check().run()
    app.button(key="delete-all").click().run()
    assert not app.exception
    assert conversation_store.list_conversations(local_user().id) == []
    assert "Your conversations were deleted." in [shown(s.value) for s in app.success]
    assert not app.checkbox(key="confirm-delete-all").value
    assert "What can I help you with?" in texts(app)


def test_import_an_export_from_the_sidebar(app):
    from core.export import to_json
    from core.store.transfer import export_conversations

    app.run()
    send(app, "Keep this for later")
    user = local_user()
    exported = to_json(export_conversations(user.id)).encode()
    app.session_state["your-data"] = True
    app.run()
    app.checkbox(key="confirm-delete-all").check().run()
    app.button(key="delete-all").click().run()
    assert conversation_store.list_conversations(user.id) == []
    app.file_uploader(key="import-file").set_value(("duet.json", exported, "application/json"))
    app.run()
    app.button(key="import").click().run()
    assert not app.exception
    assert "Imported: new conversations 1, new messages 2, already here 0." in [
        shown(s.value) for s in app.success
    ]
    assert [c.title for c in conversation_store.list_conversations(user.id)] == [
        "Keep this for later"
    ]
    app.button(key="import").click().run()  # the same file again changes nothing
    assert len(conversation_store.list_conversations(user.id)) == 1
    app.file_uploader(key="import-file").set_value(("bad.json", b"{not json", "application/json"))
    app.run()
    app.button(key="import").click().run()
    assert any("cannot be imported" in e.value for e in app.error)
