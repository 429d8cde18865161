"""A conversation's system prompt and temperature, as the model receives them:
the prompt first, before the whole history, counted in the context budget; the
temperature in the request; both changeable later, only by the owner."""

from dataclasses import replace
from types import MappingProxyType

import pytest

from core.chat import Choice
from core.chat_settings import ChatSettings, save_settings, settings_of
from core.errors import RecordNotFound, SettingsRejected
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.context_use import branch_tokens
from core.store.users import ensure_user
from core.tokens import count_text

TRANSLATE = "You are a translator. Translate everything into French."


@pytest.fixture
def chat(make_chat):
    return make_chat()


@pytest.fixture
def alice(db):
    return ensure_user("alice").id


def ask(chat, user, conversation_id, text, **options):
    sent = chat.send(user, conversation_id, text, Choice("m"), **options)
    chat.worker.wait(sent.assistant_message_id)
    return sent


def test_the_system_prompt_is_sent_first_with_every_question(chat, alice, server):
    first = ask(chat, alice, None, "Hello", system_prompt=TRANSLATE)
    assert server.requests[-1].messages == [
        {"role": "system", "content": TRANSLATE},
        {"role": "user", "content": "Hello"},
    ]
    ask(chat, alice, first.conversation_id, "Good night")
    assert server.requests[-1].messages == [
        {"role": "system", "content": TRANSLATE},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hello world"},
        {"role": "user", "content": "Good night"},
    ]


def test_a_chat_without_a_system_prompt_sends_none(chat, alice, server):
    ask(chat, alice, None, "Hello", system_prompt="   ")
    assert [m["role"] for m in server.requests[-1].messages] == ["user"]


def test_the_system_prompt_is_kept_when_old_turns_are_dropped_to_fit(chat, alice, server):
    small = replace(chat.catalog.models["m"], context_window=2000, max_output_tokens=500)
    chat.catalog = replace(chat.catalog, models=MappingProxyType({"m": small}))
    prompt = "Always answer politely. " * 300  # about 1,200 tokens of a 1,500 budget
    sent = ask(chat, alice, None, "one " * 200, system_prompt=prompt)
    second = ask(chat, alice, sent.conversation_id, "two " * 200)
    messages = server.requests[-1].messages
    # Without the prompt both questions and the answer would fit; with it, the
    # first exchange is left out, and the prompt stays first.
    assert messages[0] == {"role": "system", "content": prompt.strip()}
    assert messages[1:] == [{"role": "user", "content": "two " * 200}]
    answer = message_store.get_message(alice, second.assistant_message_id)
    assert answer.context_dropped == 2


def test_a_system_prompt_too_long_for_the_model_refuses_the_answer_not_the_question(
    chat, alice, server
):
    small = replace(chat.catalog.models["m"], context_window=1000, max_output_tokens=200)
    chat.catalog = replace(chat.catalog, models=MappingProxyType({"m": small}))
    sent = chat.send(alice, None, "Hi", Choice("m"), system_prompt="Be brief. " * 400)
    answer = message_store.get_message(alice, sent.assistant_message_id)
    assert answer.error_kind == "context_too_long" and server.requests == []
    assert message_store.get_message(alice, sent.user_message_id).content == "Hi"


def test_the_context_caption_counts_the_system_prompt(chat, alice):
    plain = ask(chat, alice, None, "Hello")
    prompted = ask(chat, alice, None, "Hello", system_prompt=TRANSLATE)
    difference = branch_tokens(alice, prompted.conversation_id) - branch_tokens(
        alice, plain.conversation_id
    )
    assert difference == count_text(TRANSLATE) + 4  # the prompt and its message framing


def test_settings_changed_later_apply_to_the_next_answer(chat, alice, server):
    sent = ask(chat, alice, None, "Hello", system_prompt=TRANSLATE)
    assert "temperature" not in server.requests[-1].body
    save_settings(alice, sent.conversation_id, ChatSettings("Answer in German.", temperature=0.25))
    assert settings_of(alice, sent.conversation_id) == ChatSettings("Answer in German.", 0.25)
    follow_up = ask(chat, alice, sent.conversation_id, "And now?")
    request = server.requests[-1]
    assert request.messages[0] == {"role": "system", "content": "Answer in German."}
    assert request.body["temperature"] == 0.25
    assert message_store.get_message(alice, follow_up.assistant_message_id).temperature == 0.25
    # Regenerating uses them too, and the newest ones after another change.
    chat.regenerate(alice, follow_up.assistant_message_id, Choice("m"))
    chat.worker.wait(server_last_answer(alice, sent.conversation_id))
    assert server.requests[-1].body["temperature"] == 0.25
    save_settings(alice, sent.conversation_id, ChatSettings("Answer in German.", 0.9))
    latest = message_store.get_message(alice, server_last_answer(alice, sent.conversation_id))
    chat.regenerate(alice, latest.id, chat.choice_of(latest))  # "Regenerate" on the page
    chat.worker.wait(server_last_answer(alice, sent.conversation_id))
    assert server.requests[-1].body["temperature"] == 0.9
    # Cleared: no system message, the model's own temperature.
    save_settings(alice, sent.conversation_id, ChatSettings(None, None))
    ask(chat, alice, sent.conversation_id, "Plain?")
    assert server.requests[-1].messages[0]["role"] == "user"
    assert "temperature" not in server.requests[-1].body


def server_last_answer(user, conversation_id):
    conversation = conversation_store.get_conversation(user, conversation_id)
    return conversation.current_leaf_id


def test_bad_settings_are_refused_and_nothing_changes(chat, alice):
    sent = ask(chat, alice, None, "Hello", system_prompt=TRANSLATE)
    for bad in (ChatSettings("x" * 20_001), ChatSettings(TRANSLATE, 7.0)):
        with pytest.raises(SettingsRejected):
            save_settings(alice, sent.conversation_id, bad)
    assert settings_of(alice, sent.conversation_id) == ChatSettings(TRANSLATE, None)
    with pytest.raises(SettingsRejected):
        chat.send(alice, None, "Hi", Choice("m"), system_prompt="x" * 20_001)


def test_another_user_cannot_read_or_change_a_chats_settings(chat, alice):
    sent = ask(chat, alice, None, "Hello", system_prompt=TRANSLATE)
    bob = ensure_user("bob").id
    with pytest.raises(RecordNotFound):
        settings_of(bob, sent.conversation_id)
    with pytest.raises(RecordNotFound):
        save_settings(bob, sent.conversation_id, ChatSettings("pwned", 2.0))
    assert settings_of(alice, sent.conversation_id) == ChatSettings(TRANSLATE, None)
