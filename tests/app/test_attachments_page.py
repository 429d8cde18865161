"""Attaching files on the chat page, through Streamlit's AppTest (1.67 stages
files on the chat input with `upload`)."""

from markdown_it import MarkdownIt

from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.users import local_user
from tests.app.conftest import shown, texts
from tests.attachments import files


def question_of(user):
    conversation = conversation_store.list_conversations(user.id)[0]
    return next(m for m in message_store.branch(user.id, conversation.id) if m.role == "user")


def test_the_limit_is_shown_beside_the_input(app):
    app.run()
    assert any("10 MB each" in c.value for c in app.caption)


def test_a_pdf_is_read_sent_and_shown_as_a_chip(app):
    app.run()
    pdf = files.pdf("Quarterly revenue rose")
    app.chat_input[0].upload("report.pdf", pdf, "application/pdf").set_value("Summarise").run()
    assert not app.exception
    user = local_user()
    question = question_of(user)
    stored = attachment_store.of_messages(user.id, [question.id])[question.id]
    assert [(f.name, f.format) for f in stored] == [("report.pdf", "pdf")]
    assert "Quarterly revenue rose" in stored[0].text
    captions = [shown(c.value) for c in app.caption]
    assert any("report.pdf" in c and "tokens" in c for c in captions), captions
    # The demo model names what it was sent, and does not pretend to have read it.
    assert "I received these attachments" in texts(app)


def test_a_refused_file_is_listed_and_the_question_still_goes(app):
    app.run()
    bomb = files.zip_bomb_docx(120)
    app.chat_input[0].upload("plan.docx", bomb).set_value("What is in it?").run()
    assert not app.exception
    warnings = shown(" ".join(w.value for w in app.warning))
    assert "plan.docx" in warnings and "zip bomb" in warnings
    user = local_user()
    question = question_of(user)
    assert question.content == "What is in it?"
    assert attachment_store.of_messages(user.id, [question.id]) == {}


def test_an_image_to_a_text_only_model_is_described_by_the_demo_vision_model(app):
    app.run()
    app.chat_input[0].upload("chart.png", files.png(80, 40), "image/png").set_value("Read it").run()
    assert not app.exception
    user = local_user()
    question = question_of(user)
    stored = attachment_store.of_messages(user.id, [question.id])[question.id]
    assert stored[0].note == "described_by:demo-eye"
    assert "described by Demo Eye" in stored[0].text
    captions = " ".join(c.value for c in app.caption)
    assert "described by Demo Eye · offline" in captions


def test_the_context_a_conversation_fills_is_shown_before_the_next_send(app):
    app.run()
    text = files.docx(["clause " * 3000])
    app.chat_input[0].upload("long.docx", text).set_value("Check").run()
    assert not app.exception
    captions = " ".join(c.value for c in app.caption)
    assert "This conversation takes about" in captions
    assert "tokens Demo Thinker · offline reads" in captions


def test_a_file_larger_than_the_context_window_is_said_not_trimmed_silently(app):
    app.run()
    huge = ("lorem ipsum dolor sit amet " * 14000).encode()  # about 70k tokens
    app.chat_input[0].upload("huge.txt", huge, "text/plain").set_value("Summarise").run()
    assert not app.exception
    errors = " ".join(e.value for e in app.error)
    assert "too long for this model" in errors
    warnings = " ".join(w.value for w in app.warning)
    assert "Demo Thinker · offline reads" in warnings


def test_a_hostile_file_name_is_shown_as_literal_text(app):
    app.run()
    name = "![x](https:evil.example) [click](javascript:alert(1)) **bold** `x`.txt"
    app.chat_input[0].upload(name, b"hello", "text/plain").set_value("Read").run()
    assert not app.exception
    chip = next(c.value for c in app.caption if "tokens" in c.value and "evil" in c.value)
    # Every Markdown character escaped: the browser shows the name as it was
    # written, with no image, link, bold or code in it.
    assert shown(chip).startswith(f":material/attach_file: {name} · 5 B")
    [inline] = [token for token in MarkdownIt("commonmark").parse(chip) if token.type == "inline"]
    assert [child.type for child in inline.children] == ["text"]


def test_compare_gives_the_file_to_every_column(app):
    from core.store import comparisons as comparison_store
    from core.store.comparisons import COMPARE

    app.run()
    app.switch_page("pages/compare.py").run()
    table = files.xlsx({"Prices": [["item", "eur"], ["tea", 3]]})
    app.chat_input(key="compare-input").upload("prices.xlsx", table).set_value("Cheapest?").run()
    assert not app.exception
    user = local_user()
    comparison = comparison_store.list_comparisons(user.id, COMPARE)[0]
    for conversation_id in comparison.conversation_ids:
        (question, *_) = message_store.branch(user.id, conversation_id)
        (stored,) = attachment_store.of_messages(user.id, [question.id])[question.id]
        assert "| tea | 3 |" in stored.text
    assert texts(app).count("I received these attachments") == 2
    assert any("prices.xlsx" in shown(c.value) and "tokens" in c.value for c in app.caption)


def test_a_sent_file_can_be_downloaded_again_from_its_chip(app):
    app.run()
    pdf = files.pdf("Quarterly revenue rose")
    app.chat_input[0].upload("report.pdf", pdf, "application/pdf").set_value("Summarise").run()
    assert not app.exception
    (button,) = app.get("download_button")
    assert button.proto.label == "Download"
    # The bytes are read only when pressed: the page holds a deferred link.
    assert button.proto.deferred_file_id or button.proto.url
    from core.store import attachment_files

    question = question_of(local_user())
    assert attachment_files.original(local_user().id, question.id, 0).data == pdf


def test_search_finds_a_files_text_names_the_file_and_opens_its_question(app):
    app.run()
    data = files.docx(["Clause 9: the indemnification ends after two years."])
    app.chat_input[0].upload("contract.docx", data).set_value("Read it").run()
    app.button(key="new-chat").click().run()
    app.chat_input[0].set_value("Something else").run()
    question = next(
        m
        for c in conversation_store.list_conversations(local_user().id)
        for m in message_store.branch(local_user().id, c.id)
        if m.content == "Read it"
    )
    app.sidebar.text_input(key="search-query").set_value("indemnification").run()
    assert not app.exception
    hit = app.sidebar.button(key=f"hit-{question.conversation_id}-{question.id}-file")
    assert "**indemnification**" in hit.label
    assert "in the attached file contract" in shown(hit.label)
    hit.click().run()
    assert app.session_state["focus_message"] == (question.conversation_id, question.id)
    assert "Something else" not in texts(app)
