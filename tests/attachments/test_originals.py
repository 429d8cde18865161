"""Attached files keep their original bytes: downloadable again, stored once
per person and content, capped, exported and imported, and erased for real."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from core.attachments import read_attachment
from core.catalog import parse_catalog
from core.chat import ChatService, Choice
from core.errors import FileStorageQuotaReached, ImportRejected, RecordNotFound
from core.store import attachment_files, erase
from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.db import session
from core.store.models import AttachmentFile
from core.store.transfer import export_conversations, import_conversations
from core.store.users import ensure_user
from core.worker import Worker
from tests.attachments import files

DECK = files.pptx([{"title": "Plan", "body": ["Ship in May"]}])


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def ask_with(user, *attached, title="t"):
    conversation = conversation_store.create_conversation(user.id, "demo-eye", title=title)
    question = message_store.append_message(
        user.id, conversation.id, role="user", content="Look", parent_id=None
    )
    attachment_store.attach(user.id, question.id, list(attached))
    return conversation, question


def kept_files() -> int:
    with session() as db:
        return db.scalar(select(func.count()).select_from(AttachmentFile))


def test_the_original_file_downloads_again_byte_for_byte(alice):
    pdf = files.pdf("Invoice 42")
    _, question = ask_with(alice, read_attachment("a/../in\u202evoice.pdf", pdf))
    original = attachment_files.original(alice.id, question.id, 0)
    assert original.data == pdf
    assert original.name == "invoice.pdf" and original.mime == "application/pdf"
    (summary,) = attachment_store.summaries_of(alice.id, [question.id])[question.id]
    assert summary.file_id is not None


def test_the_same_file_twice_is_kept_once(alice):
    ask_with(alice, read_attachment("deck.pptx", DECK), title="one")
    ask_with(alice, read_attachment("copy of deck.pptx", DECK), title="two")
    assert kept_files() == 1
    assert attachment_files.stored_bytes(alice.id) == len(DECK)
    assert attachment_files.new_bytes(alice.id, [DECK, DECK, b"new"]) == 3


def test_a_kept_file_goes_with_the_last_conversation_that_has_it(alice):
    first, _ = ask_with(alice, read_attachment("deck.pptx", DECK), title="one")
    second, question = ask_with(alice, read_attachment("deck.pptx", DECK), title="two")
    erase.delete_conversation(alice.id, first.id)
    assert attachment_files.original(alice.id, question.id, 0).data == DECK
    erase.delete_conversation(alice.id, second.id)
    assert kept_files() == 0


def test_deleting_all_ones_data_deletes_every_kept_file(alice):
    ask_with(alice, read_attachment("deck.pptx", DECK), read_attachment("a.md", b"# A"))
    ask_with(alice, read_attachment("b.md", b"# B"), title="two")
    assert kept_files() == 3
    erase.delete_all_conversations(alice.id)
    assert kept_files() == 0


def test_people_never_share_a_kept_file(alice):
    bob = ensure_user("bob")
    _, alices = ask_with(alice, read_attachment("deck.pptx", DECK))
    bobs_conversation, _ = ask_with(bob, read_attachment("deck.pptx", DECK))
    assert kept_files() == 2
    with pytest.raises(RecordNotFound):
        attachment_files.original(bob.id, alices.id, 0)
    # Bob's copy is his own: erasing his conversation leaves Alice's file.
    erase.delete_conversation(bob.id, bobs_conversation.id)
    assert attachment_files.original(alice.id, alices.id, 0).data == DECK
    assert kept_files() == 1


def test_a_file_read_back_and_attached_again_keeps_its_original(alice):
    # What an edited question does: it keeps the files of the one it replaces.
    _, first = ask_with(alice, read_attachment("deck.pptx", DECK))
    kept = attachment_store.of_messages(alice.id, [first.id])[first.id]
    assert kept[0].original is None and kept[0].file_id is not None
    _, second = ask_with(alice, *kept, title="edited")
    assert attachment_files.original(alice.id, second.id, 0).data == DECK
    assert kept_files() == 1


def test_a_file_id_of_someone_elses_is_not_taken_over(alice):
    bob = ensure_user("bob")
    _, alices = ask_with(alice, read_attachment("deck.pptx", DECK))
    (stolen,) = attachment_store.of_messages(alice.id, [alices.id])[alices.id]
    _, bobs = ask_with(bob, stolen)  # a forged Attachment naming Alice's file
    with pytest.raises(RecordNotFound):
        attachment_files.original(bob.id, bobs.id, 0)


def test_export_carries_the_original_and_import_restores_it_once(alice):
    conversation, _ = ask_with(alice, read_attachment("deck.pptx", DECK))
    document = export_conversations(alice.id)
    (entry,) = document["conversations"][0]["messages"][0]["attachments"]
    assert base64.b64decode(entry["original"]) == DECK
    erase.delete_conversation(alice.id, conversation.id)
    assert kept_files() == 0
    import_conversations(alice.id, document)
    restored = conversation_store.list_conversations(alice.id)[0]
    (message,) = message_store.branch(alice.id, restored.id)
    assert attachment_files.original(alice.id, message.id, 0).data == DECK
    # The same file attached again afterwards is the copy the import kept.
    ask_with(alice, read_attachment("deck again.pptx", DECK), title="again")
    assert kept_files() == 1


def test_an_import_with_an_original_that_is_not_base64_is_refused(alice):
    ask_with(alice, read_attachment("deck.pptx", DECK))
    document = export_conversations(alice.id)
    document["conversations"][0]["messages"][0]["attachments"][0]["original"] = "not base64!"
    with pytest.raises(ImportRejected) as refused:
        import_conversations(ensure_user("bob").id, document)
    assert refused.value.field == "original"


def test_an_import_past_the_kept_files_cap_is_refused_before_writing(alice):
    ask_with(alice, read_attachment("deck.pptx", DECK))
    document = export_conversations(alice.id)
    bob = ensure_user("bob")
    with pytest.raises(ImportRejected) as refused:
        import_conversations(bob.id, document, max_stored_file_bytes=len(DECK) - 1)
    assert refused.value.reason == "over_file_quota"
    assert conversation_store.list_conversations(bob.id) == []


def test_a_send_past_the_kept_files_cap_is_refused_before_storing(db, server, alice):
    worker = Worker(
        parse_catalog(
            {
                "providers": {"p1": {"label": "Cloud", "base_url": server.base_url("p1")}},
                "models": {"text": {"label": "Text", "routes": [{"provider": "p1"}]}},
                "policy": {"messages_per_minute": 100, "max_stored_files_mb": 0.05},
            }
        )
    )
    chat = ChatService(worker.catalog, worker)
    try:
        page = read_attachment("page.txt", b"x" * 30_000)
        sent = chat.send(alice.id, None, "One", Choice("text"), files=[page])
        chat.worker.wait(sent.assistant_message_id)
        # The same file again is referred to, not stored again: it fits.
        again = chat.send(alice.id, sent.conversation_id, "Two", Choice("text"), files=[page])
        chat.worker.wait(again.assistant_message_id)
        other = read_attachment("other.txt", b"y" * 30_000)
        with pytest.raises(FileStorageQuotaReached):
            chat.send(alice.id, sent.conversation_id, "Three", Choice("text"), files=[other])
        assert kept_files() == 1
        # Text alone still goes.
        chat.worker.wait(
            chat.send(alice.id, sent.conversation_id, "Four", Choice("text")).assistant_message_id
        )
    finally:
        worker.shutdown()


def test_the_policy_per_file_cap_refuses_larger_files():
    from core.attachments import AttachmentRefused

    with pytest.raises(AttachmentRefused) as refused:
        read_attachment("big.txt", b"a" * 600_000, max_bytes=512 * 1024)
    assert refused.value.reason == "too_big" and refused.value.reason_params["limit"] == 0.5
    assert read_attachment("ok.txt", b"a" * 1000, max_bytes=512 * 1024).original == b"a" * 1000


def test_max_file_mb_above_what_the_readers_are_bounded_for_is_refused():
    from core.attachments import limits
    from core.catalog import CatalogError
    from core.catalog_schema import FILE_MB_CEILING

    assert FILE_MB_CEILING * 1024 * 1024 == limits.MAX_FILE_BYTES
    base = {
        "providers": {"p": {"label": "P", "base_url": "http://127.0.0.1:9/v1"}},
        "models": {"m": {"label": "M", "routes": [{"provider": "p"}]}},
    }
    assert parse_catalog({**base, "policy": {"max_file_mb": 2}}).policy.max_file_mb == 2
    with pytest.raises(CatalogError, match="max_file_mb"):
        parse_catalog({**base, "policy": {"max_file_mb": 50}})


def test_an_image_downloads_as_uploaded_not_as_the_copy_sent_to_models(alice):
    png = files.png(2000, 100)
    shot = read_attachment("shot.png", png)
    assert shot.mime == "image/jpeg" and shot.image != png  # downscaled, re-encoded
    _, question = ask_with(alice, shot)
    original = attachment_files.original(alice.id, question.id, 0)
    assert (original.data, original.mime) == (png, "image/png")
