"""Text a database refuses (NUL; lone surrogates) is stored the same on every database,
whichever way it comes in, and a failed write names its real cause."""

import json

import psycopg
import pytest
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from core.errors import (
    StorageBusy,
    StorageCorrupt,
    StorageError,
    StorageFull,
    StorageReadOnly,
    StorageRefused,
    StorageUnreachable,
)
from core.export import parse_json
from core.i18n import Translator
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import open_store, reset_for_tests
from core.store.db import session
from core.store.errors import storage_error
from core.store.models import User
from core.store.search import search
from core.store.transfer import export_conversations, import_conversations
from core.store.users import ensure_user, get_user
from tests.databases import on_sqlite
from ui.errors import describe

NUL = "\x00"
SHOWN = "\ufffd"  # what CommonMark renders for NUL, and what is stored


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def test_nul_is_stored_as_the_character_a_page_shows_for_it(alice):
    conversation = conversation_store.create_conversation(
        alice.id, "demo-thinker", title=f"title{NUL}x", system_prompt=f"be{NUL}brief"
    )
    question = message_store.append_message(
        alice.id, conversation.id, role="user", content=f"before{NUL}after", parent_id=None
    )
    answer = message_store.append_message(
        alice.id, conversation.id, role="assistant", parent_id=question.id, status="queued"
    )
    message_store.finish(
        answer.id, status="complete", content=f"an{NUL}swer", reasoning=f"th{NUL}ink"
    )
    stored = conversation_store.get_conversation(alice.id, conversation.id)
    assert (stored.title, stored.system_prompt) == (f"title{SHOWN}x", f"be{SHOWN}brief")
    texts = [(m.content, m.reasoning) for m in message_store.branch(alice.id, conversation.id)]
    assert texts == [(f"before{SHOWN}after", ""), (f"an{SHOWN}swer", f"th{SHOWN}ink")]
    assert [h.message_id for h in search(alice.id, f"before{NUL}after")] == [question.id]


def test_an_imported_file_with_nul_and_lone_surrogates_is_stored_cleaned(alice):
    conversation = conversation_store.create_conversation(alice.id, "demo-thinker", title="t")
    message_store.append_message(
        alice.id, conversation.id, role="user", content="placeholder", parent_id=None
    )
    document = export_conversations(alice.id)
    raw = json.dumps(document).replace("placeholder", "nul \\u0000 and \\ud800 alone")
    bob = ensure_user("bob")
    import_conversations(bob.id, parse_json(raw.encode()))
    [imported] = conversation_store.list_conversations(bob.id)
    [message] = message_store.branch(bob.id, imported.id)
    assert message.content == f"nul {SHOWN} and {SHOWN} alone"


def test_a_name_from_a_sign_on_provider_with_nul_is_stored(db):
    user = ensure_user(f"eve{NUL}", display_name=f"Eve{NUL}")
    stored = get_user(user.id)
    assert (stored.username, stored.display_name) == (f"eve{SHOWN}", f"Eve{SHOWN}")
    assert ensure_user(f"eve{NUL}").id == user.id  # found again by the same name


@pytest.mark.skipif(on_sqlite(), reason="SQLite does not enforce VARCHAR lengths")
def test_a_value_the_server_refuses_is_named_as_such(db):
    with pytest.raises(StorageRefused) as refused, session() as s:
        s.execute(insert(User).values(username="x" * 65, created_at=0))
    message = describe(Translator("en"), refused.value.kind, refused.value.detail)
    assert "refused" in message and "value too long" in message
    assert "disk space" not in message


def test_an_unreachable_server_is_named_as_such(monkeypatch, tmp_path):
    # A socket directory with no server in it: psycopg fails before any SQL.
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://duet@/duet?host={tmp_path}")
    reset_for_tests()
    with pytest.raises(StorageUnreachable) as unreachable:
        open_store()
    message = describe(Translator("en"), unreachable.value.kind, unreachable.value.detail)
    assert "cannot be reached" in message and str(tmp_path) in message
    assert "disk space" not in message
    reset_for_tests()


@pytest.mark.parametrize(
    ("driver_error", "named"),
    [
        (psycopg.errors.DiskFull, StorageFull),
        (psycopg.errors.OutOfMemory, StorageFull),
        (psycopg.errors.TooManyConnections, StorageBusy),
        (psycopg.errors.ReadOnlySqlTransaction, StorageReadOnly),
        (psycopg.errors.DataCorrupted, StorageCorrupt),
        (psycopg.errors.DeadlockDetected, StorageBusy),
        (psycopg.errors.LockNotAvailable, StorageBusy),
        (psycopg.errors.QueryCanceled, StorageBusy),
        (psycopg.errors.AdminShutdown, StorageUnreachable),
        (psycopg.errors.InvalidPassword, StorageUnreachable),
        (psycopg.errors.InvalidCatalogName, StorageUnreachable),
        (psycopg.errors.StringDataRightTruncation, StorageRefused),
        (psycopg.errors.UniqueViolation, StorageRefused),
        (psycopg.errors.UndefinedTable, StorageError),
    ],
)
def test_postgresql_errors_are_named_by_their_sqlstate(driver_error, named):
    wrapped = OperationalError("SELECT 1", {}, driver_error("what the server said"))
    error = storage_error(wrapped)
    assert type(error) is named and error.detail == "what the server said"
