"""One send is one unit of work: the conversation, the question, its files and
the drafted answer are stored together or not at all."""

import pytest
from sqlalchemy import func, select

from core.chat import ChatService, Choice
from core.errors import StorageError
from core.store import conversations as conversation_store
from core.store import web_sources as web_store
from core.store.db import engine, session
from core.store.models import Conversation, Message
from core.store.users import ensure_user
from core.worker import Worker
from tests.conftest import local_catalog
from tests.transactions import answers_refused, shared_rate_counts, write_transactions


@pytest.fixture
def service(db, server):
    worker = Worker(local_catalog(server, fallback=True, policy={"messages_per_minute": 100}))
    yield ChatService(worker.catalog, worker)
    worker.shutdown()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def stored_counts(user_id: int) -> tuple[int, int]:
    with session() as db:
        conversations = db.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.user_id == user_id)
        )
        messages = db.scalar(
            select(func.count())
            .select_from(Message)
            .join(Conversation)
            .where(Conversation.user_id == user_id)
        )
    return conversations, messages


def test_a_new_chat_send_writes_in_one_transaction(service, user, server):
    engine()  # the engine exists before counting starts
    with write_transactions() as counted:
        sent = service.send(user.id, None, "Question?", Choice("m", web_search=False))
    service.worker.wait(sent.assistant_message_id)
    assert len(counted) == 1 + shared_rate_counts()


def test_a_follow_up_writes_in_one_transaction(service, user, server):
    first = service.send(user.id, None, "Question?", Choice("m"))
    service.worker.wait(first.assistant_message_id)
    with write_transactions() as counted:
        second = service.send(user.id, first.conversation_id, "And then?", Choice("m"))
    service.worker.wait(second.assistant_message_id)
    assert len(counted) == 1 + shared_rate_counts()


def test_a_new_chat_that_fails_after_its_question_leaves_nothing(service, user, server):
    with answers_refused(), pytest.raises(StorageError):
        service.send(user.id, None, "Question?", Choice("m", web_search=True))
    assert stored_counts(user.id) == (0, 0)
    # Nothing was held: the next send (the page's "Send again") is stored whole.
    sent = service.send(user.id, None, "Question?", Choice("m"))
    service.worker.wait(sent.assistant_message_id)
    assert stored_counts(user.id) == (1, 2)


def test_a_follow_up_that_fails_leaves_the_conversation_as_it_was(service, user, server):
    first = service.send(user.id, None, "Question?", Choice("m"))
    service.worker.wait(first.assistant_message_id)
    before = conversation_store.get_conversation(user.id, first.conversation_id)
    with answers_refused(), pytest.raises(StorageError):
        service.send(user.id, first.conversation_id, "And then?", Choice("fast", web_search=True))
    assert stored_counts(user.id) == (1, 2)
    after = conversation_store.get_conversation(user.id, first.conversation_id)
    assert (after.current_leaf_id, after.model_id) == (before.current_leaf_id, before.model_id)
    assert not web_store.switch_of(user.id, first.conversation_id)


def test_a_drafted_chat_is_stored_whole_or_not_at_all(service, user):
    with answers_refused(), pytest.raises(StorageError):
        service.draft(user.id, "Question?", Choice("m"), kind="batch", system_prompt=None)
    assert stored_counts(user.id) == (0, 0)
    with write_transactions() as counted:
        service.draft(user.id, "Question?", Choice("m"), kind="batch", system_prompt=None)
    assert (len(counted), stored_counts(user.id)) == (1, (1, 2))
