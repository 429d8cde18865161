"""A conversation opened on a replica that is not writing its answer: the page shows
the text saved so far with a working Stop, refuses a new question, and shows the
finished answer once it ends. "Another replica" is an answer row written straight
to the database, as the writer's saves are; this process's worker knows nothing of it.
(Its timer, `st.fragment(run_every=…)`, is not simulated by AppTest: each `run()`
is one look at the database. tests/e2e/test_replicas_journey.py follows a real one.)"""

import time

from sqlalchemy import update

from core.chat import STUCK_AFTER_S
from core.store import batches as batch_store
from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import stops as stop_store
from core.store.comparisons import ARENA, COMPARE
from core.store.db import session
from core.store.models import Message
from core.store.users import local_user
from core.store.views import COMPLETE, STOPPED, STREAMING
from tests.app.conftest import shown, texts

ANOTHER_PROCESS = "b" * 32  # a replica's id (core/store/processes.py)


def conversation_being_answered(text: str, *, kind: str = "chat", owner=ANOTHER_PROCESS):
    """A question and the start of its answer, as another replica saved them
    (`owner=None`: as this process left it, its row written by this process)."""
    user = local_user()
    conversation = conversation_store.create_conversation(user.id, "demo-swift", kind=kind)
    question = message_store.append_message(
        user.id, conversation.id, role="user", content="Tell me a long story", parent_id=None
    )
    answer = message_store.append_message(
        user.id,
        conversation.id,
        role="assistant",
        content=text,
        parent_id=question.id,
        status=STREAMING,
        model_id="demo-swift",
        requested_model_id="demo-swift",
    )
    if owner is not None:  # another replica's row: it names that process as its writer
        set_message(answer.id, owner_process=owner)
    return conversation, answer


def set_message(message_id: int, **values) -> None:
    with session() as db:
        db.execute(update(Message).where(Message.id == message_id).values(**values))


def test_an_answer_written_elsewhere_is_shown_stoppable_and_holds_the_input(app):
    app.run()
    conversation, answer = conversation_being_answered("Once upon a time")
    app.query_params["c"] = conversation.public_id
    app.run()
    assert not app.exception
    page = texts(app)
    assert "Once upon a time" in page
    assert "Being written in another window" in page
    assert app.chat_input(key="chat-input").disabled
    assert not [b for b in app.button if b.key and b.key.startswith("regenerate")]

    # The writer saves more: the next look shows it.
    message_store.save_progress(answer.id, content="Once upon a time, a tortoise")
    app.run()
    assert "Once upon a time, a tortoise" in texts(app)

    app.button(key=f"stop-{answer.id}").click().run()
    assert stop_store.stop_requested(answer.id, since=0)  # the writer will read it
    assert "Stopping…" in texts(app)

    # The writer stops and saves the end: the page renders it, and the input is free.
    message_store.finish(answer.id, status=STOPPED, content="Once upon a time, a tortoise")
    app.run()
    assert not app.exception
    page = texts(app)
    assert "Stopped. The text so far is kept." in page
    assert "Being written in another window" not in page
    assert not app.chat_input(key="chat-input").disabled


def test_a_comparison_column_written_elsewhere_is_followed_and_holds_the_input(app):
    app.run()
    user = local_user()
    first, answering = conversation_being_answered("Column one so far", kind=COMPARE)
    second, done = conversation_being_answered("", kind=COMPARE)
    message_store.finish(done.id, status=COMPLETE, content="Column two, finished")
    comparison = comparison_store.create_comparison(
        user.id, COMPARE, [first.id, second.id], title="Story"
    )
    app.switch_page("pages/compare.py")
    app.query_params["cmp"] = comparison.public_id
    app.run()
    assert not app.exception
    page = texts(app)
    assert "Column one so far" in page and "Column two, finished" in page
    assert "Being written in another window" in page
    assert app.chat_input(key="compare-input").disabled

    app.button(key="compare-stop").click().run()
    assert stop_store.stop_requested(answering.id, since=0)

    message_store.finish(answering.id, status=STOPPED, content="Column one so far")
    app.run()
    assert "Being written in another window" not in texts(app)
    assert not app.chat_input(key="compare-input").disabled


def test_an_answer_this_process_has_not_started_is_waiting_and_a_stuck_one_is_settled(app):
    """Not "in another window": this process wrote the row and its worker does not
    run it (about to start, or its final save failed for good)."""
    app.run()
    conversation, answer = conversation_being_answered("Once upon", owner=None)
    app.query_params["c"] = conversation.public_id
    app.run()
    page = texts(app)
    assert "Waiting to start" in page
    assert "Being written in another window" not in page
    assert app.chat_input(key="chat-input").disabled

    set_message(answer.id, updated_at=time.time() - STUCK_AFTER_S - 5)  # no save for long
    app.run()
    assert not app.exception
    warnings = shown("\n".join(w.value for w in app.warning))
    assert "could not be saved when it ended" in warnings  # interrupted, its text kept
    assert "Once upon" in texts(app)
    assert not app.chat_input(key="chat-input").disabled  # the conversation goes on


def progress_text(app) -> str:
    return app.get("progress")[0].proto.text


def test_a_batch_run_by_another_replica_is_followed_and_not_run_twice(app):
    app.run()
    user = local_user()
    prompts = [batch_store.NewPrompt(f"q{i}", f"Question {i}") for i in range(2)]
    batch = batch_store.create_batch(
        user.id, "set.csv", prompts, [batch_store.ModelSettings("demo-swift")], concurrency=1
    )
    first_cell = batch_store.batch_cells(user.id, batch.id)[0]
    _conversation, answer = conversation_being_answered("Half an answer", kind="batch")
    batch_store.attach_message(user.id, first_cell.id, answer.id)

    app.switch_page("pages/batch.py")
    app.query_params["batch"] = batch.public_id
    app.run()
    assert not app.exception
    assert "Being run in another window" in texts(app)
    assert "0 of 2 done · 1 running" in progress_text(app)
    keys = {b.key for b in app.button}
    assert "batch-resume" not in keys  # the other replica starts the pending cell
    assert "batch-delete" not in keys

    message_store.finish(answer.id, status=COMPLETE, content="A whole answer")
    app.run()  # one look of the page's timer
    assert "1 of 2 done · 0 running" in progress_text(app)
    assert "Being run in another window" not in texts(app)
    assert "batch-resume" in {b.key for b in app.button}  # nobody runs it: offered again


def test_an_arena_battle_answered_elsewhere_is_followed_and_holds_vote_and_input(app):
    app.run()
    user = local_user()
    first, answer_a = conversation_being_answered("Left so far", kind=ARENA)
    second, answer_b = conversation_being_answered("Right so far", kind=ARENA)
    battle = comparison_store.create_comparison(user.id, ARENA, [first.id, second.id])
    app.switch_page("pages/arena.py")
    app.query_params["battle"] = battle.public_id
    app.run()
    assert not app.exception
    page = texts(app)
    assert "Left so far" in page and "Right so far" in page
    assert "Being written in another window" in page
    assert app.chat_input(key="arena-input").disabled
    assert not [b for b in app.button if b.key and b.key.startswith("vote-")]

    message_store.save_progress(answer_a.id, content="Left so far, and more")
    app.run()
    assert "Left so far, and more" in texts(app)

    app.button(key="arena-stop").click().run()
    assert stop_store.stop_requested(answer_a.id, since=0)
    assert stop_store.stop_requested(answer_b.id, since=0)

    for answer in (answer_a, answer_b):
        message_store.finish(answer.id, status=COMPLETE, content="A full answer")
    app.run()
    assert "Being written in another window" not in texts(app)
    assert not app.chat_input(key="arena-input").disabled
    assert [b for b in app.button if b.key and b.key.startswith("vote-")]
