"""Regenerate and edit keep every branch; the model is sent the chosen branch only."""

import pytest

from core.chat import ChatService, Choice
from core.demo.replies import StreamReply, text_stream
from core.store import messages as message_store
from core.store.users import ensure_user
from core.worker import Worker
from tests.conftest import local_catalog


@pytest.fixture
def service(db, server):
    catalog = local_catalog(server, fallback=True, policy={"messages_per_minute": 100})
    worker = Worker(catalog)
    yield ChatService(catalog, worker)
    worker.shutdown()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def says(text):
    return lambda r: StreamReply(text_stream(r.model, answer=[text]))


def ask(service, user, conversation_id, text, reply, server):
    server.push(says(reply))
    sent = service.send(user.id, conversation_id, text, Choice("m"))
    service.worker.wait(sent.assistant_message_id)
    return sent


def shown(user, conversation_id):
    return [m.content for m in message_store.branch(user.id, conversation_id)]


def test_regenerate_keeps_both_answers_and_continues_from_the_chosen_one(service, user, server):
    first = ask(service, user, None, "Q1", "A1", server)
    conversation = first.conversation_id
    server.push(says("A1 again"))
    again = service.regenerate(user.id, first.assistant_message_id, Choice("m"))
    service.worker.wait(again.assistant_message_id)
    assert shown(user, conversation) == ["Q1", "A1 again"]
    assert message_store.siblings(user.id, again.assistant_message_id) == [
        first.assistant_message_id,
        again.assistant_message_id,
    ]
    # The regeneration was sent the question only, not the answer it replaces.
    assert server.requests[-1].messages == [{"role": "user", "content": "Q1"}]

    message_store.choose(user.id, first.assistant_message_id)  # page back to "1 / 2"
    assert shown(user, conversation) == ["Q1", "A1"]
    ask(service, user, conversation, "Q2", "A2", server)
    assert server.requests[-1].messages == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]
    message_store.choose(user.id, again.assistant_message_id)  # and forward again
    assert shown(user, conversation) == ["Q1", "A1 again"]
    message_store.choose(user.id, first.assistant_message_id)  # its branch is as it was left
    assert shown(user, conversation) == ["Q1", "A1", "Q2", "A2"]


def test_regenerate_with_another_model(service, user, server):
    first = ask(service, user, None, "Q1", "A1", server)
    server.push(says("fast answer"))
    other = service.regenerate(user.id, first.assistant_message_id, Choice("fast"))
    service.worker.wait(other.assistant_message_id)
    answers = [
        message_store.get_message(user.id, i)
        for i in (first.assistant_message_id, other.assistant_message_id)
    ]
    assert [(a.model_id, a.content) for a in answers] == [("m", "A1"), ("fast", "fast answer")]
    assert server.requests[-1].model == "v3"


def test_edit_branches_from_the_question_and_the_old_branch_stays(service, user, server):
    first = ask(service, user, None, "Q1", "A1", server)
    conversation = first.conversation_id
    second = ask(service, user, conversation, "Q2 with a tpyo", "A2", server)
    ask(service, user, conversation, "Q3", "A3", server)
    server.push(says("A2 for the fixed question"))
    edited = service.edit(user.id, second.user_message_id, "Q2 without a typo", Choice("m"))
    service.worker.wait(edited.assistant_message_id)
    assert shown(user, conversation) == [
        "Q1",
        "A1",
        "Q2 without a typo",
        "A2 for the fixed question",
    ]
    assert server.requests[-1].messages == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2 without a typo"},
    ]
    versions = message_store.siblings(user.id, edited.user_message_id)
    assert versions == [second.user_message_id, edited.user_message_id]
    message_store.choose(user.id, versions[0])
    assert shown(user, conversation) == ["Q1", "A1", "Q2 with a tpyo", "A2", "Q3", "A3"]
    ask(service, user, conversation, "Q4", "A4", server)
    sent = [m["content"] for m in server.requests[-1].messages]
    assert sent == ["Q1", "A1", "Q2 with a tpyo", "A2", "Q3", "A3", "Q4"]


def test_alternatives_for_a_page_of_messages_in_one_call(service, user, server):
    first = ask(service, user, None, "Q1", "A1", server)
    server.push(says("A1b"))
    again = service.regenerate(user.id, first.assistant_message_id, Choice("m"))
    service.worker.wait(again.assistant_message_id)
    server.push(says("A1c"))
    edited = service.edit(user.id, first.user_message_id, "Q1 edited", Choice("m"))
    service.worker.wait(edited.assistant_message_id)
    message_store.choose(user.id, again.assistant_message_id)
    branch = message_store.branch(user.id, first.conversation_id)
    versions = message_store.alternatives(user.id, first.conversation_id, branch)
    assert versions == {
        first.user_message_id: [first.user_message_id, edited.user_message_id],
        again.assistant_message_id: [first.assistant_message_id, again.assistant_message_id],
    }


def test_search_result_opens_the_branch_that_holds_it(service, user, server):
    first = ask(service, user, None, "Q1", "the original answer", server)
    server.push(says("a newer answer"))
    again = service.regenerate(user.id, first.assistant_message_id, Choice("m"))
    service.worker.wait(again.assistant_message_id)
    message_store.reveal(user.id, first.assistant_message_id)
    assert shown(user, first.conversation_id) == ["Q1", "the original answer"]
    message_store.reveal(user.id, first.user_message_id)  # on the branch already: no switch
    assert shown(user, first.conversation_id) == ["Q1", "the original answer"]
