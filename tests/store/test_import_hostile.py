"""Import files made by an attacker: they never reach another person's
conversation, never store a value that breaks a page, get one clear reason,
and never hold the database's write lock for long."""

import copy
import json
import threading
import time

import pytest
from sqlalchemy import event

from core.errors import ImportRejected
from core.export import parse_json
from core.i18n import LOCALES, Translator
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.db import engine
from core.store.transfer import (
    CHUNK_MESSAGES,
    _derived_id,
    export_conversations,
    import_conversations,
)
from core.store.users import ensure_user
from ui.your_data import import_message


@pytest.fixture
def alice(db):
    return ensure_user("alice")


@pytest.fixture
def mallory(db):
    return ensure_user("mallory")


def chat_of(user, *texts, title="Chat"):
    conversation = conversation_store.create_conversation(user.id, "m", title=title)
    parent = None
    for index, text in enumerate(texts):
        role = "user" if index % 2 == 0 else "assistant"
        parent = message_store.append_message(
            user.id, conversation.id, role=role, content=text, parent_id=parent and parent.id
        ).id
        parent = message_store.get_message(user.id, parent)
    return conversation


def contents(user, conversation_id):
    return [m.content for m in message_store.branch(user.id, conversation_id)]


# ---------------------------------------------------------------- ownership


def test_a_planted_derived_id_does_not_catch_another_persons_import(alice, mallory):
    """Mallory shares an export of her conversation X with Alice. Before that,
    she took the id X would be derived to for Alice. Alice's import must not
    land in Mallory's conversation (Mallory would read it), nor read it."""
    shared = chat_of(mallory, "Mallory's question", "Mallory's answer")
    file = export_conversations(mallory.id, [shared.id])
    trap = copy.deepcopy(file)
    trap_conversation = trap["conversations"][0]
    trap_conversation["id"] = _derived_id(shared.public_id, alice.id)
    for message in trap_conversation["messages"]:
        message["id"] = message["id"][::-1]  # ids of her own
    trap_conversation["messages"][1]["parent"] = trap_conversation["messages"][0]["id"]
    trap_conversation["current_leaf"] = trap_conversation["messages"][1]["id"]
    import_conversations(mallory.id, trap)
    trapped = {c.id: c for c in conversation_store.list_conversations(mallory.id)}
    before = {cid: contents(mallory, cid) for cid in trapped}

    alices_copy = copy.deepcopy(file)
    alices_copy["conversations"][0]["messages"].append(
        {
            **alices_copy["conversations"][0]["messages"][1],
            "id": "ab" * 16,
            "content": "Alice's private follow-up",
        }
    )
    summary = import_conversations(alice.id, alices_copy)

    assert {cid: contents(mallory, cid) for cid in trapped} == before  # nothing landed there
    assert summary.conversations_added == 1 and summary.messages_present == 0
    (mine,) = conversation_store.list_conversations(alice.id)
    assert mine.id not in trapped
    texts = [m["content"] for m in export_conversations(alice.id)["conversations"][0]["messages"]]
    assert "Alice's private follow-up" in texts
    # and importing it again still adds nothing
    assert import_conversations(alice.id, alices_copy).messages_added == 0


def test_a_planted_derived_message_id_neither_breaks_nor_joins_the_import(alice, mallory):
    shared = chat_of(mallory, "Shared question", "Shared answer")
    file = export_conversations(mallory.id, [shared.id])
    alice_first = import_conversations(alice.id, file)
    assert alice_first.conversations_added == 1
    (copy_of_alice,) = conversation_store.list_conversations(alice.id)
    # Mallory guesses the ids of the next messages Alice would import from her.
    follow_up = {**file["conversations"][0]["messages"][1], "id": "cd" * 16}
    file["conversations"][0]["messages"].append(follow_up)
    mallorys = export_conversations(mallory.id, [shared.id])
    mallorys["conversations"][0]["messages"].append(follow_up)
    import_conversations(mallory.id, mallorys)  # Mallory holds "cd…" herself now
    planted = copy.deepcopy(mallorys)
    planted["conversations"][0]["messages"][-1]["id"] = _derived_id(
        "cd" * 16, alice.id, copy_of_alice.id
    )
    import_conversations(mallory.id, planted)

    summary = import_conversations(alice.id, file)  # used to fail: the derived id was taken
    assert summary.messages_added == 1
    assert len(export_conversations(alice.id)["conversations"][0]["messages"]) == 3
    mallory_messages = export_conversations(mallory.id)["conversations"][0]["messages"]
    assert len(mallory_messages) == 4  # hers, untouched


# ---------------------------------------------------------------- values


def valid_file(alice):
    chat_of(alice, "Question", "Answer")
    return export_conversations(alice.id)


def damaged(path, value):
    """Put `value` at `path` (conversation fields, or ("messages", i, field))."""

    def damage(document):
        target = document["conversations"][0]
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        return document

    return damage


HOSTILE_VALUES = [
    (("updated_at",), 1e20, "bad_time"),
    (("created_at",), -1.0, "bad_time"),
    (("messages", 0, "created_at"), 1e20, "bad_time"),
    (("messages", 1, "updated_at"), float("inf"), "bad_time"),
    (("messages", 1, "created_at"), float("nan"), "bad_time"),
    (("temperature",), 1e300, "bad_value"),
    (("messages", 1, "prompt_tokens"), 2**70, "bad_value"),
    (("messages", 1, "duration_ms"), -5, "bad_value"),
    (("messages", 1, "parent"), ["not", "an", "id"], "bad_id"),
    (("messages", 1, "parent"), {"id": 1}, "bad_id"),
    (("current_leaf",), [1], "bad_id"),
    (("title",), {"nested": [[[]]]}, "bad_value"),
    (("messages", 0, "content"), ["a"], "bad_value"),
    (("kind",), "invisible", "bad_value"),
]


@pytest.mark.parametrize(("path", "value", "reason"), HOSTILE_VALUES)
def test_impossible_values_are_refused_with_one_reason(alice, path, value, reason):
    document = damaged(path, value)(valid_file(alice))
    bob = ensure_user("bob")
    with pytest.raises(ImportRejected) as refused:
        import_conversations(bob.id, document)
    assert refused.value.reason == reason
    assert refused.value.conversation == 1
    assert conversation_store.list_conversations(bob.id) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "too_deep"),
        ('{"a": ' * 50_000 + "1" + "}" * 50_000, "too_deep"),
        ('{"created_at": NaN}', "not_json"),
        ('{"created_at": Infinity}', "not_json"),
        ('{"n": ' + "9" * 5000 + "}", "not_json"),
        ("\xff\xfe", "not_json"),
    ],
    ids=["deep lists", "deep objects", "NaN", "Infinity", "5000 digits", "not UTF-8"],
)
def test_files_that_are_not_plain_json_are_refused(text, reason):
    with pytest.raises(ImportRejected) as refused:
        parse_json(text.encode("latin-1") if text.startswith("\xff") else text.encode())
    assert refused.value.reason == reason


def test_1e400_is_infinity_and_is_refused(alice):
    text = json.dumps(valid_file(alice)).replace('"updated_at": ', '"updated_at": 1e400, "x": ', 1)
    with pytest.raises(ImportRejected) as refused:
        import_conversations(ensure_user("bob").id, parse_json(text.encode()))
    assert refused.value.reason == "bad_time"


def test_a_lone_surrogate_is_stored_as_a_replacement_character(alice):
    document = valid_file(alice)
    document["conversations"][0]["messages"][0]["content"] = "broken \ud800 text"
    bob = ensure_user("bob")
    import_conversations(bob.id, parse_json(json.dumps(document).encode()))
    (conversation,) = conversation_store.list_conversations(bob.id)
    assert contents(bob, conversation.id)[0] == "broken \ufffd text"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "refusal",
    [
        ImportRejected("x", reason="not_json"),
        ImportRejected("x", reason="too_large", limit=20.0),
        ImportRejected("x", reason="over_quota", limit=500.0),
        ImportRejected("x", reason="busy"),
        ImportRejected("x", reason="structure"),
        ImportRejected("x", reason="bad_time", field="updated_at", conversation=3),
        ImportRejected("x", reason="bad_value", field="parent", conversation=1, message=7),
    ],
    ids=lambda r: r.reason,
)
def test_every_refusal_reads_as_one_sentence_in_each_language(locale, refusal):
    sentence = import_message(Translator(locale), refusal)
    assert "{" not in sentence and "import." not in sentence
    assert sentence.endswith((".", "。"))
    if refusal.message:
        assert "7" in sentence and "parent" in sentence
    if refusal.limit:
        assert str(refusal.limit) in sentence


# ---------------------------------------------------------------- size and time


def big_file(alice, messages, size):
    chat_of(alice, "seed")
    document = export_conversations(alice.id)
    conversation = document["conversations"][0]
    template = conversation["messages"][0]
    parent = None
    conversation["messages"] = []
    for index in range(messages):
        message = {**template, "id": f"{index:032x}", "parent": parent, "content": "x" * size}
        message["role"] = "user" if index % 2 == 0 else "assistant"
        conversation["messages"].append(message)
        parent = message["id"]
    conversation["current_leaf"] = parent
    return document


def test_a_big_import_writes_in_short_transactions_and_others_keep_writing(alice, db):
    messages = CHUNK_MESSAGES * 5
    document = big_file(alice, messages, 2_000)
    bob = ensure_user("bob")
    bobs_chat = chat_of(bob, "Bob's chat")

    commits = []
    event.listen(engine(), "commit", lambda connection: commits.append(time.monotonic()))
    done = threading.Event()
    failures: list[Exception] = []
    waits: list[float] = []

    def bob_writes():
        while not done.is_set():
            started = time.monotonic()
            try:
                message_store.append_message(
                    bob.id, bobs_chat.id, role="user", content="still here", parent_id=None
                )
            except Exception as failure:  # noqa: BLE001 — any failure is the finding
                failures.append(failure)
            waits.append(time.monotonic() - started)
            time.sleep(0.005)

    writer = threading.Thread(target=bob_writes)
    writer.start()
    try:
        summary = import_conversations(ensure_user("carol").id, document)
    finally:
        done.set()
        writer.join()
    assert summary.messages_added == messages
    assert failures == []
    assert len(commits) >= messages // CHUNK_MESSAGES  # not one long transaction
    assert len(waits) >= 3  # Bob's writes went through while the import ran
    assert max(waits) < 1.5  # never stuck behind the whole import (3 s for 28 MB before)


def test_an_import_past_the_storage_cap_is_refused_before_writing(alice):
    document = big_file(alice, 10, 1_000)  # about 10 kB of text
    bob = ensure_user("bob")
    with pytest.raises(ImportRejected) as refused:
        import_conversations(bob.id, document, max_stored_bytes=5_000)
    assert refused.value.reason == "over_quota"
    assert conversation_store.list_conversations(bob.id) == []
    # what is already there takes no room: importing her own file again is fine
    stored = sum(len(m["content"]) for m in document["conversations"][0]["messages"])
    import_conversations(alice.id, document, max_stored_bytes=stored + 100)


def test_a_file_over_the_import_cap_is_refused_unread():
    with pytest.raises(ImportRejected) as refused:
        parse_json(b"[" + b" " * 2_000_000 + b"]", max_bytes=1_000_000)
    assert (refused.value.reason, refused.value.limit) == ("too_large", 1.0)


def test_one_import_at_a_time_per_person(alice, monkeypatch):
    document = big_file(alice, 4, 10)
    bob = ensure_user("bob")
    from core.store import transfer

    entered, release = threading.Event(), threading.Event()
    original = transfer._import_conversation

    def slow(user_id, conversation):
        entered.set()
        release.wait(10)
        return original(user_id, conversation)

    monkeypatch.setattr(transfer, "_import_conversation", slow)
    first = threading.Thread(target=import_conversations, args=(bob.id, document))
    first.start()
    assert entered.wait(10)
    try:
        with pytest.raises(ImportRejected) as refused:
            import_conversations(bob.id, document)
        assert refused.value.reason == "busy"
    finally:
        release.set()
        first.join()
    assert len(conversation_store.list_conversations(bob.id)) == 1
