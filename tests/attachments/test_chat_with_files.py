"""Attached files reach the model, through the real SDK to a local server."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.attachments import AttachmentRefused, read_attachment
from core.catalog import parse_catalog
from core.chat import ChatService, Choice
from core.store import attachments as attachment_store
from core.store import erase
from core.store.db import session
from core.store.models import AttachmentRow, Message
from core.store.users import ensure_user
from core.worker import Worker
from tests.attachments import files

WRAPPED = "[file name]: 合同.txt\n[file content begin]\n第一条：甲方付款。\n[file content end]\n"


def catalog_with(server, *, vision_model: bool = True, text_model_names: str | None = None):
    models = {
        "text": {"label": "Text R1", "routes": [{"provider": "p1", "model": "r1"}]},
    }
    if text_model_names:
        models["text"]["describe_images_with"] = text_model_names
    if vision_model:
        models["eye"] = {
            "label": "Eye VL",
            "vision": True,
            "routes": [{"provider": "p1", "model": "vl"}],
        }
    return parse_catalog(
        {
            "providers": {"p1": {"label": "Cloud", "base_url": server.base_url("p1")}},
            "models": models,
            "policy": {"messages_per_minute": 100},
        }
    )


@pytest.fixture
def make_service(db, server):
    workers = []

    def make(**options) -> ChatService:
        worker = Worker(catalog_with(server, **options))
        workers.append(worker)
        return ChatService(worker.catalog, worker)

    yield make
    for worker in workers:
        worker.shutdown()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def user_texts(request) -> list[str]:
    texts = []
    for message in request.messages:
        if message["role"] != "user":
            continue
        content = message["content"]
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content)
        texts.append(content)
    return texts


def test_file_text_is_sent_on_the_first_and_every_later_turn(make_service, user, server):
    chat = make_service()
    contract = read_attachment("合同.txt", "第一条：甲方付款。".encode("gbk"))
    first = chat.send(user.id, None, "总结一下", Choice("text"), files=[contract])
    chat.worker.wait(first.assistant_message_id)
    second = chat.send(user.id, first.conversation_id, "And the second point?", Choice("text"))
    chat.worker.wait(second.assistant_message_id)
    assert user_texts(server.requests[0]) == [WRAPPED + "总结一下"]
    assert user_texts(server.requests[1]) == [WRAPPED + "总结一下", "And the second point?"]


def test_a_file_without_a_question_is_sent(make_service, user, server):
    chat = make_service()
    sent = chat.send(user.id, None, "  ", Choice("text"), files=[read_attachment("a.md", b"# A")])
    chat.worker.wait(sent.assistant_message_id)
    assert user_texts(server.requests[0]) == [
        "[file name]: a.md\n[file content begin]\n# A\n[file content end]"
    ]


def test_a_vision_model_receives_the_image_as_a_content_part(make_service, user, server):
    chat = make_service()
    shot = read_attachment("shot.png", files.png(64, 32))
    sent = chat.send(user.id, None, "What colour?", Choice("eye"), files=[shot])
    chat.worker.wait(sent.assistant_message_id)
    content = server.requests[0].messages[-1]["content"]
    assert content[0]["type"] == "text"
    assert content[0]["text"].startswith("[file name]: shot.png\n")  # named, then shown
    assert content[0]["text"].endswith("What colour?")
    assert content[1]["type"] == "image_url"
    assert content[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_a_text_only_model_gets_a_vision_models_description(make_service, user, server):
    chat = make_service()
    shot = read_attachment("shot.png", files.png(64, 32))
    sent = chat.send(user.id, None, "What is in it?", Choice("text"), files=[shot])
    chat.worker.wait(sent.assistant_message_id)
    describe, answer = server.requests
    assert describe.model == "vl"
    assert describe.messages[-1]["content"][1]["type"] == "image_url"
    assert answer.model == "r1"
    sent_text = answer.messages[-1]["content"]
    assert isinstance(sent_text, str)  # no image part to a text-only model
    assert "[file name]: shot.png" in sent_text
    assert "described by Eye VL:)\nHello world" in sent_text


def test_with_no_vision_model_the_send_is_refused_and_nothing_stored(make_service, user, server):
    chat = make_service(vision_model=False)
    shot = read_attachment("shot.png", files.png(64, 32))
    with pytest.raises(AttachmentRefused) as refused:
        chat.send(user.id, None, "What is in it?", Choice("text"), files=[shot])
    assert refused.value.reason == "no_vision_none"
    assert server.requests == []
    with session() as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_attachments_are_erased_with_the_conversation(make_service, user, server):
    chat = make_service()
    doc = read_attachment("c.docx", files.docx(["Secret clause"]))
    sent = chat.send(user.id, None, "Read", Choice("text"), files=[doc])
    chat.worker.wait(sent.assistant_message_id)
    stored = attachment_store.of_messages(user.id, [sent.user_message_id])
    assert stored[sent.user_message_id][0].text == "Secret clause"
    assert attachment_store.of_messages(ensure_user("mallory").id, [sent.user_message_id]) == {}
    erase.delete_conversation(user.id, sent.conversation_id)
    with session() as db:
        assert db.scalar(select(func.count()).select_from(AttachmentRow)) == 0


def test_an_edited_question_keeps_its_files(make_service, user, server):
    chat = make_service()
    notes = read_attachment("notes.md", b"- milk\n- tea")
    first = chat.send(user.id, None, "What to buy?", Choice("text"), files=[notes])
    chat.worker.wait(first.assistant_message_id)
    edited = chat.edit(user.id, first.user_message_id, "What to buy first?", Choice("text"))
    chat.worker.wait(edited.assistant_message_id)
    assert user_texts(server.requests[1]) == [
        "[file name]: notes.md\n[file content begin]\n- milk\n- tea\n[file content end]\n"
        "What to buy first?"
    ]


def test_attached_files_count_toward_the_storage_cap(db, server, user):
    from core.errors import StorageQuotaReached
    from core.store.usage import stored_bytes

    worker = Worker(
        parse_catalog(
            {
                "providers": {"p1": {"label": "Cloud", "base_url": server.base_url("p1")}},
                "models": {"text": {"label": "Text", "routes": [{"provider": "p1"}]}},
                "policy": {"messages_per_minute": 100, "max_stored_mb": 0.05},
            }
        )
    )
    chat = ChatService(worker.catalog, worker)
    try:
        page = read_attachment("page.txt", b"x" * 30_000)
        sent = chat.send(user.id, None, "One", Choice("text"), files=[page])
        chat.worker.wait(sent.assistant_message_id)
        assert stored_bytes(user.id) >= 30_000
        with pytest.raises(StorageQuotaReached):
            chat.send(user.id, sent.conversation_id, "Two", Choice("text"), files=[page])
    finally:
        worker.shutdown()


def test_a_text_only_fallback_is_not_sent_image_parts(db, server, user):
    from core.demo.replies import ErrorReply

    catalog = parse_catalog(
        {
            "providers": {"p1": {"label": "Cloud", "base_url": server.base_url("p1")}},
            "models": {
                "eye": {
                    "label": "Eye",
                    "vision": True,
                    "fallback": "text",
                    "routes": [{"provider": "p1", "model": "vl"}],
                },
                "text": {"label": "Text", "routes": [{"provider": "p1", "model": "r1"}]},
            },
            "policy": {"messages_per_minute": 100, "max_attempts": 1, "retry_budget_s": 0.5},
        }
    )
    worker = Worker(catalog)
    chat = ChatService(catalog, worker)
    try:
        server.default = lambda r: ErrorReply(503, {"error": {"message": "busy"}})
        shot = read_attachment("shot.png", files.png(20, 20))
        sent = chat.send(user.id, None, "Look", Choice("eye"), files=[shot])
        chat.worker.wait(sent.assistant_message_id, timeout=20)
        assert server.requests and {r.model for r in server.requests} == {"vl"}
    finally:
        worker.shutdown()
