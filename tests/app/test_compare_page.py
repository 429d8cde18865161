"""The compare page: two models answer one prompt side by side, with their metrics."""

from core.store import comparisons as comparison_store
from core.store.comparisons import COMPARE
from core.store.users import local_user
from tests.app.conftest import texts


def open_compare(app):
    app.run()
    app.switch_page("pages/compare.py").run()
    return app


def ask(app, text):
    app.chat_input(key="compare-input").set_value(text).run()


def test_two_models_answer_side_by_side_with_metrics(app):
    open_compare(app)
    assert app.selectbox(key="compare-col-0-model").value == "demo-thinker"
    assert app.selectbox(key="compare-col-1-model").value == "demo-swift"
    ask(app, "Explain python code for sorting")
    assert not app.exception
    page = texts(app)
    assert page.count("This is the offline demo model") == 2  # one answer per column
    assert "1 · Demo Thinker · offline" in page and "2 · Demo Swift · offline" in page
    assert [e.label for e in app.expander if "Thought for" in e.label]  # the thinker's panel
    captions = "\n".join(c.value for c in app.caption)
    assert captions.count("first answer token") == 2
    assert "Served by Demo Cloud" in captions and "(offline) · demo-swift" in captions
    assert "Fastest" in page
    comparison = comparison_store.list_comparisons(local_user().id, COMPARE)[0]
    assert len(comparison.conversation_ids) == 2


def test_follow_up_goes_to_every_column_and_reopens_from_history(app):
    open_compare(app)
    app.segmented_control(key="compare-count").set_value(3).run()
    app.selectbox(key="compare-col-2-model").set_value("demo-swift").run()
    app.number_input(key="compare-temp-2").set_value(0.3).run()
    ask(app, "First question")
    ask(app, "Second question")
    assert not app.exception
    page = texts(app)
    assert "3 · Demo Swift · offline · T 0.3" in page
    assert page.count("Second question") >= 1
    comparison = comparison_store.list_comparisons(local_user().id, COMPARE)[0]
    assert len(comparison.conversation_ids) == 3

    app.button(key="compare-new").click().run()
    assert "Column 1" in texts(app)  # a fresh setup
    app.button(key=f"compare-open-{comparison.id}").click().run()
    assert "Second question" in texts(app) and "First question" in texts(app)


def test_two_prompt_variants_on_one_model(app):
    open_compare(app)
    app.selectbox(key="compare-col-0-model").set_value("demo-swift").run()
    app.text_area(key="compare-system-0").set_value("Answer in one sentence.").run()
    app.text_area(key="compare-system-1").set_value("Answer with a list.").run()
    ask(app, "What is a tortoise?")
    assert not app.exception
    page = texts(app)
    assert "1 · Demo Swift · offline · system: Answer in one sentence." in page
    assert "2 · Demo Swift · offline · system: Answer with a list." in page
    comparison = comparison_store.list_comparisons(local_user().id, COMPARE)[0]
    from core.store import conversations as conversation_store

    prompts = [
        conversation_store.get_conversation(local_user().id, cid).system_prompt
        for cid in comparison.conversation_ids
    ]
    assert prompts == ["Answer in one sentence.", "Answer with a list."]
