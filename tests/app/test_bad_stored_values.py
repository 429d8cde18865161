"""An account whose database holds impossible values (written by an older
import: 1e20, infinity, minus a lot) still opens every page, and "Delete all
my data" stays reachable and works. A refused import says why in one sentence."""

import copy
import json

from sqlalchemy import text

from core.store import conversations as conversation_store
from core.store import transfer
from core.store.db import session
from core.store.users import local_user
from tests.app.conftest import texts


def send(at, words):
    at.chat_input[0].set_value(words).run()


def corrupt_every_timestamp():
    # Bound as parameters: a literal 9e999 is infinity to SQLite but an error
    # to PostgreSQL, while both store the float infinity.
    values = {"huge": 1e20, "tiny": -1e300, "inf": float("inf")}
    with session() as db:
        db.execute(text("UPDATE conversations SET updated_at = :huge, created_at = :inf"), values)
        db.execute(text("UPDATE messages SET created_at = :tiny, updated_at = :inf"), values)


def test_impossible_dates_in_the_database_break_no_page(app):
    app.run()
    send(app, "Remember the tortoise")
    app.button(key="new-chat").click().run()
    send(app, "A second chat")
    corrupt_every_timestamp()

    app.run()
    assert not app.exception
    assert any((b.key or "").startswith("conv-") for b in app.sidebar.button)
    app.sidebar.text_input(key="search-query").set_value("tortoise").run()
    assert not app.exception
    app.sidebar.text_input(key="search-query").set_value("").run()
    for page in ("pages/chat.py", "pages/compare.py", "pages/batch.py", "pages/leaderboard.py"):
        app.switch_page(page).run()
        assert not app.exception, page

    app.switch_page("pages/chat.py").run()
    app.session_state["your-data"] = True  # open the lazy "Your data" panel
    app.run()
    app.checkbox(key="confirm-delete-all").check().run()
    app.button(key="delete-all").click().run()
    assert not app.exception
    assert conversation_store.list_conversations(local_user().id) == []


def test_a_hostile_import_file_gets_one_clear_sentence(app):
    app.run()
    send(app, "Something to export")
    user = local_user()
    document = transfer.export_conversations(user.id)
    bad = copy.deepcopy(document)
    bad["conversations"][0]["updated_at"] = 1e20
    app.session_state["your-data"] = True
    app.run()
    app.file_uploader(key="import-file").set_value(
        ("bad.json", json.dumps(bad).encode(), "application/json")
    )
    app.run()
    app.button(key="import").click().run()
    assert not app.exception
    (error,) = app.error
    assert error.value == (
        "This file cannot be imported: the date in “updated_at” is impossible (conversation 1)."
    )
    assert len(conversation_store.list_conversations(user.id)) == 1

    app.file_uploader(key="import-file").set_value(
        ("deep.json", b"[" * 200_000 + b"]" * 200_000, "application/json")
    )
    app.run()
    app.button(key="import").click().run()
    assert not app.exception
    assert "nested too deeply" in app.error[0].value
    assert "Something to export" in texts(app)
