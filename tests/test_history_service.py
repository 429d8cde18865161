"""Deleting and erasing as one service call each (core/history.py, core/your_data.py):
whoever calls them, what runs is stopped first, everything is erased for real,
and nobody reaches another person's conversations."""

from __future__ import annotations

import json

import pytest

from core.attachments import read_attachment
from core.batch import BatchRunner
from core.chat import Choice
from core.demo.replies import StreamReply, text_stream
from core.errors import ImportRejected, RecordNotFound
from core.history import History
from core.i18n import Translator
from core.personas import Persona, create_persona, personas_for
from core.store import attachments as attachment_store
from core.store import messages as message_store
from core.store.users import ensure_user
from core.store.views import STOPPED
from core.your_data import YourData
from tests.fake_time import wait_for_progress


def endless(words: int = 400):
    """An answer that goes on long enough to be deleted while it streams."""
    return lambda r: StreamReply(
        text_stream("r1", answer=[f"zebra{i} " for i in range(words)], delay=0.05)
    )


@pytest.fixture
def chat(make_chat):
    return make_chat()


@pytest.fixture
def batches(chat):
    runner = BatchRunner(chat)
    yield runner
    runner.shutdown()


@pytest.fixture
def people(db):
    return ensure_user("alice"), ensure_user("bob")


def streaming(chat, server, user, text="Tell me about quagga stripes", **options):
    """Send `text` and wait until its answer is being written."""
    server.push(endless())
    sent = chat.send(user.id, None, text, Choice("m"), **options)
    progress = chat.worker.progress_of(user.id, sent.assistant_message_id)
    wait_for_progress(progress, lambda snapshot: snapshot.answer.startswith("zebra0 zebra1"))
    return sent


def test_deleting_a_conversation_stops_its_answer_and_erases_everything(chat, server, people):
    alice, _ = people
    history = History(chat)
    note = read_attachment("notes.txt", b"quagga notes")
    sent = streaming(chat, server, alice, files=[note])

    history.delete(alice.id, sent.conversation_id)

    # The answer was stopped, not left writing into a row that is gone.
    assert chat.worker.wait(sent.assistant_message_id).outcome == STOPPED
    with pytest.raises(RecordNotFound):
        history.conversation(alice.id, sent.conversation_id)
    for message_id in (sent.user_message_id, sent.assistant_message_id):
        with pytest.raises(RecordNotFound):
            message_store.get_message(alice.id, message_id)
    assert attachment_store.summaries_of(alice.id, [sent.user_message_id]) == {}
    assert history.search(alice.id, "quagga", include_reasoning=True) == []
    assert history.search(alice.id, "zebra0", include_reasoning=True) == []
    assert history.conversations(alice.id) == []


def test_another_persons_conversation_is_neither_stopped_nor_deleted(chat, server, people):
    alice, bob = people
    history = History(chat)
    sent = streaming(chat, server, alice)

    with pytest.raises(RecordNotFound):
        history.delete(bob.id, sent.conversation_id)

    progress = chat.worker.progress_of(alice.id, sent.assistant_message_id)
    assert progress is not None and not progress.done  # still being written
    assert history.conversation(alice.id, sent.conversation_id).id == sent.conversation_id
    chat.stop(alice.id, sent.assistant_message_id)
    chat.worker.wait(sent.assistant_message_id)


def test_another_persons_conversation_cannot_be_opened_renamed_or_paged(chat, server, people):
    alice, bob = people
    history = History(chat)
    server.push(lambda r: StreamReply(text_stream("r1", answer=["Fine."])))
    sent = chat.send(alice.id, None, "Hello", Choice("m"))
    chat.worker.wait(sent.assistant_message_id)
    public_id = history.conversation(alice.id, sent.conversation_id).public_id

    refused = [
        lambda: history.conversation(bob.id, sent.conversation_id),
        lambda: history.find(bob.id, public_id),
        lambda: history.rename(bob.id, sent.conversation_id, "mine now"),
        lambda: history.set_archived(bob.id, sent.conversation_id, True),
        lambda: history.choose_version(bob.id, sent.assistant_message_id),
        lambda: history.reveal(bob.id, sent.assistant_message_id),
    ]
    for attempt in refused:
        with pytest.raises(RecordNotFound):
            attempt()
    kept = history.conversation(alice.id, sent.conversation_id)
    assert (kept.title, kept.archived) == ("Hello", False)
    assert history.export(bob.id)["conversations"] == []


def test_erasing_everything_stops_answers_and_leaves_others_alone(chat, batches, server, people):
    alice, bob = people
    t = Translator("en")
    data = YourData(chat.catalog, chat, batches)
    server.push(lambda r: StreamReply(text_stream("r1", answer=["Bob's answer."])))
    bobs = chat.send(bob.id, None, "Bob's question", Choice("m"))
    chat.worker.wait(bobs.assistant_message_id)
    create_persona(alice.id, Persona(key="", name="Editor", icon="✍️", system_prompt="Edit."))
    sent = streaming(chat, server, alice)

    assert data.erase_all(alice.id) == 1

    assert chat.worker.wait(sent.assistant_message_id).outcome == STOPPED
    assert History(chat).conversations(alice.id) == []
    assert data.export_all(alice.id)["conversations"] == []
    assert [p.name for p in personas_for(alice.id, t) if not p.builtin] == []
    assert len(data.export_all(bob.id)["conversations"]) == 1


def test_an_import_file_over_the_cap_is_refused_and_nothing_is_written(make_chat, server, people):
    alice, bob = people
    chat = make_chat(policy={"messages_per_minute": 100, "max_import_mb": 0.001})
    runner = BatchRunner(chat)
    data = YourData(chat.catalog, chat, runner)
    runner.shutdown()  # no batch here: only the caps are under test
    server.push(lambda r: StreamReply(text_stream("r1", answer=["x" * 2000])))
    sent = chat.send(alice.id, None, "A long one", Choice("m"))
    chat.worker.wait(sent.assistant_message_id)
    exported = json.dumps(data.export_all(alice.id)).encode()
    assert len(exported) > 1000

    with pytest.raises(ImportRejected):
        data.import_file(bob.id, exported)
    assert data.export_all(bob.id)["conversations"] == []


def test_an_export_imported_by_another_person_becomes_theirs(chat, batches, server, people):
    alice, bob = people
    data = YourData(chat.catalog, chat, batches)
    server.push(lambda r: StreamReply(text_stream("r1", answer=["Forty-two."])))
    sent = chat.send(alice.id, None, "The answer?", Choice("m"))
    chat.worker.wait(sent.assistant_message_id)

    summary = data.import_file(bob.id, json.dumps(data.export_all(alice.id)).encode())

    assert (summary.conversations_added, summary.messages_added) == (1, 2)
    [theirs] = History(chat).conversations(bob.id)
    shown = History(chat).branch(bob.id, theirs.id, last=10)
    assert [m.content for m in shown] == ["The answer?", "Forty-two."]
