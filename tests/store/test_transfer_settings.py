"""A conversation's system prompt and temperature travel with its export and
are checked on import like every other field."""

import copy

import pytest

from core.chat_settings import MAX_SYSTEM_PROMPT_CHARS
from core.errors import ImportRejected
from core.export import parse_json, to_json, to_markdown
from core.i18n import Translator
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import open_store, reset_for_tests
from core.store.transfer import export_conversations, import_conversations
from core.store.users import ensure_user

PROMPT = "You are a patient teacher.\n\nExplain **step by step**; 用中文回答。"


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def chat_with_settings(user, *, system_prompt=PROMPT, temperature=0.3):
    conversation = conversation_store.create_conversation(
        user.id, "m", title="Lesson", system_prompt=system_prompt, temperature=temperature
    )
    question = message_store.append_message(
        user.id, conversation.id, role="user", content="What is 2+2?", parent_id=None
    )
    message_store.append_message(
        user.id, conversation.id, role="assistant", content="Four.", parent_id=question.id
    )
    return conversation


def test_system_prompt_and_temperature_survive_a_round_trip(alice, database_url, monkeypatch):
    chat_with_settings(alice)
    exported = export_conversations(alice.id)
    assert exported["conversations"][0]["system_prompt"] == PROMPT
    assert exported["conversations"][0]["temperature"] == 0.3
    text = to_json(exported)

    monkeypatch.setenv("DATABASE_URL", database_url("elsewhere"))
    reset_for_tests()
    open_store()
    someone = ensure_user("someone-else")
    import_conversations(someone.id, parse_json(text.encode()))
    imported = conversation_store.list_conversations(someone.id)[0]
    assert (imported.system_prompt, imported.temperature) == (PROMPT, 0.3)


def test_the_markdown_transcript_shows_the_system_prompt(alice):
    chat_with_settings(alice)
    document = export_conversations(alice.id)
    markdown = to_markdown(Translator("en"), document, str)
    assert "> **System prompt**\n>\n> You are a patient teacher.\n>\n> Explain" in markdown
    assert "*Temperature 0.3*" in markdown
    assert markdown.index("System prompt") < markdown.index("What is 2+2?")
    chinese = to_markdown(Translator("zh"), document, str)
    assert "> **系统提示词**" in chinese and "温度 0.3" in chinese


def test_a_chat_without_settings_has_no_settings_in_its_transcript(alice):
    chat_with_settings(alice, system_prompt=None, temperature=None)
    markdown = to_markdown(Translator("en"), export_conversations(alice.id), str)
    assert "System prompt" not in markdown and "Temperature" not in markdown


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", 50.0),
        ("temperature", -1),
        ("temperature", "hot"),
        ("system_prompt", "x" * (MAX_SYSTEM_PROMPT_CHARS + 1)),
        ("system_prompt", ["a", "list"]),
    ],
)
def test_impossible_settings_refuse_the_whole_file(alice, field, value):
    chat_with_settings(alice)
    document = export_conversations(alice.id)
    bad = copy.deepcopy(document["conversations"][0])
    bad.update(id="ab" * 16, **{field: value})
    for message in bad["messages"]:
        message["id"] = message["id"][::-1]
        message["parent"] = message["parent"][::-1] if message["parent"] else None
    bad["current_leaf"] = bad["current_leaf"][::-1]
    document["conversations"].append(bad)
    bob = ensure_user("bob")
    with pytest.raises(ImportRejected) as refused:
        import_conversations(bob.id, document)
    assert (refused.value.field, refused.value.conversation) == (field, 2)
    assert conversation_store.list_conversations(bob.id) == []


def test_a_blank_system_prompt_is_imported_as_none(alice):
    chat_with_settings(alice)
    document = export_conversations(alice.id)
    document["conversations"][0]["system_prompt"] = "  \n "
    bob = ensure_user("bob")
    import_conversations(bob.id, document)
    assert conversation_store.list_conversations(bob.id)[0].system_prompt is None
