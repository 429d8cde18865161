"""Stop works from any process: one that is not writing the answer leaves a request
in the database, and the writer stops within about a second, keeping the text."""

from core.chat import Choice
from core.demo.replies import StreamReply, text_stream
from core.store import messages as message_store
from core.store.users import ensure_user
from core.store.views import COMPLETE, STOPPED
from tests.fake_time import wait_for_progress


def slow(words, delay=0.05):
    return lambda r: StreamReply(text_stream("r1", answer=list(words), delay=delay))


def first_words(chat, user, answer_id: int) -> None:
    """Wait until the writer has the answer's first words (told by its progress, not
    a timer), so a stop from now on keeps some text."""
    wait_for_progress(chat.worker.progress_of(user.id, answer_id), lambda s: s.answer)


def test_stop_pressed_on_another_process_stops_the_writer(make_chat, server):
    user = ensure_user("alice")
    writer, elsewhere = make_chat(), make_chat()  # two workers: two replicas' worth
    server.push(slow([f"w{i} " for i in range(200)]))
    sent = writer.send(user.id, None, "Go on and on", Choice("m"))
    answer_id = sent.assistant_message_id
    first_words(writer, user, answer_id)
    assert not elsewhere.worker.cancel(answer_id)  # not its answer to cancel
    assert elsewhere.stop(user.id, answer_id)  # so it asks through the database
    snapshot = writer.worker.wait(answer_id, timeout=10)
    assert snapshot.outcome == STOPPED
    stored = message_store.get_message(user.id, answer_id)
    assert stored.status == STOPPED and stored.content.startswith("w0 ")
    assert len(stored.content) < len("".join(f"w{i} " for i in range(200)))


def test_an_old_stop_request_does_not_stop_a_later_retry(make_chat, server):
    user = ensure_user("alice")
    writer, elsewhere = make_chat(), make_chat()
    server.push(slow([f"w{i} " for i in range(200)]))
    sent = writer.send(user.id, None, "Go", Choice("m"))
    first_words(writer, user, sent.assistant_message_id)
    assert elsewhere.stop(user.id, sent.assistant_message_id)
    writer.worker.wait(sent.assistant_message_id, timeout=10)
    server.push(slow(["a ", "full ", "answer"], delay=0.6))  # outlives a save or two
    writer.retry(user.id, sent.assistant_message_id, Choice("m"))
    assert writer.worker.wait(sent.assistant_message_id, timeout=15).outcome == COMPLETE


def test_stop_on_a_finished_answer_does_nothing(make_chat, server):
    user = ensure_user("alice")
    service = make_chat()
    sent = service.send(user.id, None, "Hi", Choice("m"))
    service.worker.wait(sent.assistant_message_id)
    assert not make_chat().stop(user.id, sent.assistant_message_id)
