"""Images count toward the context window: OpenAI's tile estimate, on the chip
and in the request's accounting, in the turn they are sent."""

from __future__ import annotations

from core.attachments import read_attachment
from core.attachments.image_tokens import image_tokens, sent_size
from core.catalog import parse_catalog
from core.chat import ChatService, Choice
from core.store import messages as message_store
from core.store.context_use import branch_tokens
from core.store.users import ensure_user
from core.store.views import COMPLETE, ERROR
from core.worker import Worker
from tests.attachments import files


def test_openai_published_examples():
    # OpenAI's vision guide: 1024 x 1024 is 765 tokens; 2048 x 4096 is 1105.
    assert image_tokens(1024, 1024) == 765
    assert image_tokens(2048, 4096) == 1105
    assert image_tokens(512, 512) == 255
    assert image_tokens(30, 20) == 255  # one tile, however small


def test_the_estimate_is_of_the_downscaled_image_that_is_sent():
    shot = read_attachment("wide.png", files.png(4000, 1960))
    assert sent_size(4000, 1960) == (1568, 768)
    assert shot.tokens == image_tokens(1568, 768) == 1445


def vision_service(server, context_window: int) -> ChatService:
    catalog = parse_catalog(
        {
            "providers": {"p1": {"label": "Cloud", "base_url": server.base_url("p1")}},
            "models": {
                "eye": {
                    "label": "Eye VL",
                    "vision": True,
                    "context_window": context_window,
                    "max_output_tokens": 256,
                    "routes": [{"provider": "p1", "model": "vl"}],
                }
            },
            "policy": {"messages_per_minute": 100},
        }
    )
    worker = Worker(catalog)
    return ChatService(worker.catalog, worker)


def test_an_image_too_big_for_the_window_is_not_sent(db, server):
    user = ensure_user("alice")
    chat = vision_service(server, context_window=1_500)  # 1,244 tokens for the prompt
    try:
        small = read_attachment("icon.png", files.png(64, 64))  # 255
        sent = chat.send(user.id, None, "What is it?", Choice("eye"), files=[small])
        chat.worker.wait(sent.assistant_message_id)
        assert message_store.get_message(user.id, sent.assistant_message_id).status == COMPLETE
        assert len(server.requests) == 1
        # The same conversation, now with a large image: 1,445 tokens cannot fit.
        wide = read_attachment("wide.png", files.png(4000, 1960))
        again = chat.send(user.id, sent.conversation_id, "And this?", Choice("eye"), files=[wide])
        answer = message_store.get_message(user.id, again.assistant_message_id)
        assert answer.status == ERROR and answer.error_kind == "context_too_long"
        assert len(server.requests) == 1  # nothing was sent
    finally:
        chat.worker.shutdown()


def test_a_seen_image_counts_as_its_name_in_later_turns(db, server):
    user = ensure_user("alice")
    chat = vision_service(server, context_window=32_768)
    try:
        wide = read_attachment("wide.png", files.png(4000, 1960))
        sent = chat.send(user.id, None, "Describe", Choice("eye"), files=[wide])
        chat.worker.wait(sent.assistant_message_id)
        # The next question carries the image's name line, not its pixels
        # (core/attachments/for_model.py): the meter counts what will be sent.
        used = branch_tokens(user.id, sent.conversation_id)
        assert 0 < used < wide.tokens
        follow = chat.send(user.id, sent.conversation_id, "More", Choice("eye"))
        chat.worker.wait(follow.assistant_message_id)
        assert all(isinstance(m["content"], str) for m in server.requests[1].messages)
    finally:
        chat.worker.shutdown()
