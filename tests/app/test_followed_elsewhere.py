"""A conversation opened on a replica that is not writing its answer: the page shows
the text saved so far with a working Stop, refuses a new question, and shows the
finished answer once it ends. "Another replica" is an answer row written straight
to the database, as the writer's saves are; this process's worker knows nothing of it.
(Its timer, `st.fragment(run_every=…)`, is not simulated by AppTest: each `run()`
is one look at the database. tests/e2e/test_replicas_journey.py follows a real one.)"""

from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import stops as stop_store
from core.store.comparisons import COMPARE
from core.store.users import local_user
from core.store.views import COMPLETE, STOPPED, STREAMING
from tests.app.conftest import texts


def conversation_being_answered(text: str, *, kind: str = "chat"):
    """A question and the start of its answer, as another replica saved them."""
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
    return conversation, answer


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
