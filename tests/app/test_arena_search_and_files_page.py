"""The arena page with web search on and files attached (AppTest, offline demo
models and the demo search corpus): both sides cite the same sources, the
file reaches both, and nothing names a model before the vote."""

from core.compare import CompareService
from core.store import attachments as attachment_store
from core.store import web_sources as web_store
from core.store.comparisons import ARENA, list_comparisons
from core.store.users import local_user
from tests.app.conftest import texts
from tests.app.test_arena_page import NAMES, everything_shown, open_arena
from tests.app.test_chinese_throughout import english_fragments, shown_text
from tests.attachments import files

TOKYO = "[[1]](<https://weather.example.org/tokyo/today>)"


def battle_answers():
    """The battle's latest answers, as stored."""
    user = local_user()
    battle = list_comparisons(user.id, ARENA)[0]
    return CompareService(None, kind=ARENA).detail(user.id, battle.id)  # reads the store only


def test_search_on_and_a_file_attached_both_sides_read_the_same(app):
    open_arena(app)
    app.toggle(key="arena-web-search").set_value(True).run()
    (
        app.chat_input(key="arena-input")
        .upload("notes.txt", b"Pack an umbrella.", "text/plain")
        .upload("sky.png", files.png(80, 40), "image/png")
        .set_value("What is the weather in Tokyo today?")
        .run()
    )
    assert not app.exception
    shown = everything_shown(app) + texts(app)
    for name in (*NAMES, "Demo Eye"):  # not even the model that described the image
        assert name not in shown, name
    # Each side's answer cites the same numbered source, listed in its own panel.
    assert [e.label for e in app.expander].count("1 source") == 2
    assert texts(app).count(TOKYO) == 2
    chips = texts(app)  # escaped for Markdown on the page, read as shown
    assert "notes.txt" in chips and "sky.png" in chips  # the chips under the question

    detail = battle_answers()
    user = local_user()
    answers = detail.latest_answers
    stored = web_store.sources_of(user.id, [a.id for a in answers])
    assert len(stored) == 2 and stored[answers[0].id] == stored[answers[1].id]
    kept = attachment_store.summaries_of(user.id, [a.parent_id for a in answers])
    assert all(
        sorted(f.name for f in kept[a.parent_id]) == ["notes.txt", "sky.png"] for a in answers
    )

    app.button(key="vote-tie").click().run()  # after the vote: who described the image
    assert "Demo Eye" in texts(app)


def test_no_switch_for_a_follow_up_search_stays_as_the_battle_began(app):
    open_arena(app)
    assert app.toggle(key="arena-web-search").value is False
    app.chat_input(key="arena-input").set_value("Hello?").run()
    assert not [t for t in app.toggle if t.key == "arena-web-search"]  # a battle is open
    assert not [e for e in app.expander if "source" in e.label]


def test_the_chinese_arena_with_search_and_files_is_chinese(app):
    app.session_state["locale"] = "zh"
    open_arena(app)
    assert any(t.label == "联网搜索" for t in app.toggle)
    app.toggle(key="arena-web-search").set_value(True).run()
    (
        app.chat_input(key="arena-input")
        .upload("sky.png", files.png(80, 40), "image/png")
        .set_value("东京今天天气怎么样？")
        .run()
    )
    assert not app.exception
    page = shown_text(app)
    leaked = [fragment for fragment in english_fragments() if fragment in page]
    assert not leaked, leaked
