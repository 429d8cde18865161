"""Attached files travel in the JSON export and come back through import."""

from __future__ import annotations

import base64
import copy

import pytest

from core.attachments import read_attachment
from core.errors import ImportRejected
from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import erase
from core.store import messages as message_store
from core.store.transfer import export_conversations, import_conversations
from core.store.users import ensure_user
from tests.attachments import files


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def chat_with_files(user):
    conversation = conversation_store.create_conversation(user.id, "demo-eye")
    question = message_store.append_message(
        user.id, conversation.id, role="user", content="Compare", parent_id=None
    )
    attached = [
        read_attachment("表.xlsx", files.xlsx({"S": [["a", "b"], [1, 2]]})),
        read_attachment("pic.png", files.png(30, 20)),
    ]
    attachment_store.attach(user.id, question.id, attached)
    return conversation, question, attached


def test_export_then_import_after_deletion_restores_the_files(alice):
    conversation, question, attached = chat_with_files(alice)
    document = export_conversations(alice.id)
    entry = document["conversations"][0]["messages"][0]["attachments"]
    assert [f["name"] for f in entry] == ["表.xlsx", "pic.png"]
    assert entry[1]["image"] == base64.b64encode(attached[1].image).decode()
    erase.delete_conversation(alice.id, conversation.id)
    assert attachment_store.of_messages(alice.id, [question.id]) == {}
    import_conversations(alice.id, document)
    restored = conversation_store.list_conversations(alice.id)[0]
    (message,) = message_store.branch(alice.id, restored.id)
    back = attachment_store.of_messages(alice.id, [message.id])[message.id]
    assert [(f.name, f.text, f.image, f.tokens) for f in back] == [
        (f.name, f.text, f.image, f.tokens) for f in attached
    ]
    assert export_conversations(alice.id)["conversations"][0]["messages"][0]["attachments"] == (
        entry
    )


def test_an_import_whose_image_is_not_an_image_is_refused(alice):
    chat_with_files(alice)
    document = copy.deepcopy(export_conversations(alice.id))
    bad = document["conversations"][0]["messages"][0]["attachments"][1]
    bad["image"] = base64.b64encode(b"MZ\x90\x00 not a picture").decode()
    bob = ensure_user("bob")
    with pytest.raises(ImportRejected):
        import_conversations(bob.id, document)
    assert conversation_store.list_conversations(bob.id) == []


def test_the_context_use_counts_the_branch_and_its_files(alice):
    from core.store.context_use import branch_tokens

    conversation, question, attached = chat_with_files(alice)
    used = branch_tokens(alice.id, conversation.id)
    sheet, image = attached
    # The sheet's text is sent on every turn; the image (seen by a vision model
    # when asked) is only named in later ones: its name line, not its pixels.
    assert sheet.tokens + len("Compare") // 4 <= used < sheet.tokens + image.tokens
    big = read_attachment("long.txt", ("word " * 5000).encode())
    other = message_store.append_message(
        alice.id, conversation.id, role="user", content="More", parent_id=question.id
    )
    attachment_store.attach(alice.id, other.id, [big])
    assert branch_tokens(alice.id, conversation.id) >= used + big.tokens
