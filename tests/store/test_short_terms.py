"""Terms of one or two characters ("量子", "AI", "C"): found through the side index of
characters and pairs on SQLite (core/store/grams.py), with the same results as the
scan they replace; an existing database gets the index for the messages it holds."""

import random
import uuid

import pytest
from sqlalchemy import event, text

import core.store.search as search_module
from core.store import conversations as conversation_store
from core.store import erase, open_store, reset_for_tests
from core.store import messages as message_store
from core.store.db import engine
from core.store.grams import grams, word
from core.store.schema import alembic_config, head_revision
from core.store.search import search
from core.store.users import ensure_user
from core.store.views import QUEUED, STREAMING
from tests.databases import on_sqlite


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def chat(user, turns, title="chat"):
    conversation = conversation_store.create_conversation(user.id, "demo-thinker", title=title)
    parent = None
    for role, content, *reasoning in turns:
        parent = message_store.append_message(
            user.id,
            conversation.id,
            role=role,
            content=content,
            reasoning=reasoning[0] if reasoning else "",
            parent_id=parent and parent.id,
        )
    return conversation


def contents(user, query, **options):
    return [
        message_store.get_message(user.id, hit.message_id).content
        for hit in search(user.id, query, **options)
        if hit.message_id is not None
    ]


TEXTS = (
    "量子计算的原理是什么？",
    "我喜欢量子",  # the term at the very end
    "量子",  # the whole text
    "AI is everywhere",
    "what about ai?",
    "Said the main rain",
    "C",
    "C++ and C#",
    "ÄI with an umlaut",
    "日本語の計算",
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("量子", ["量子计算的原理是什么？", "我喜欢量子", "量子"]),
        ("子", ["量子计算的原理是什么？", "我喜欢量子", "量子"]),
        ("AI", ["AI is everywhere", "what about ai?", "Said the main rain"]),
        ("ai", ["AI is everywhere", "what about ai?", "Said the main rain"]),
        ("C", ["C", "C++ and C#"]),
        ("C#", ["C++ and C#"]),
        ("++", ["C++ and C#"]),
        ("ÄI", ["ÄI with an umlaut"]),  # LIKE folds ASCII only: not "ai"
        ("量子 AI", []),
        ("计算", ["量子计算的原理是什么？"]),  # simplified, not the Japanese 計算
        ("n r", ["Said the main rain"]),  # two short terms, both required
        ("%", []),
        ("_", []),
    ],
)
def test_short_terms_find_what_contains_them(alice, query, expected):
    for text_ in TEXTS:
        chat(alice, [("user", text_)])
    assert sorted(contents(alice, query)) == sorted(expected)


def test_newest_first_and_only_the_users_own(alice):
    bob = ensure_user("bob")
    for n in range(5):
        chat(alice, [("user", f"第{n}个量子问题")])
    chat(bob, [("user", "bob的量子")])
    assert contents(alice, "量子") == [f"第{n}个量子问题" for n in reversed(range(5))]
    assert contents(bob, "量子") == ["bob的量子"]


def test_reasoning_only_on_request(alice):
    chat(alice, [("user", "q"), ("assistant", "The answer.", "thinking about AI")])
    assert contents(alice, "AI") == []
    assert contents(alice, "AI", include_reasoning=True) == ["The answer."]
    hit = search(alice.id, "AI", include_reasoning=True)[0]
    assert hit.in_reasoning and hit.snippet.match == "AI"


def test_answers_are_found_once_finished_and_not_after_a_retry(alice):
    conversation = chat(alice, [("user", "q")])
    question = message_store.branch(alice.id, conversation.id)[0]
    answer = message_store.append_message(
        alice.id, conversation.id, role="assistant", parent_id=question.id, status=QUEUED
    )
    message_store.save_progress(answer.id, status=STREAMING, content="半个量子")
    assert contents(alice, "量子") == []
    message_store.finish(answer.id, status="complete", content="一整个量子")
    assert contents(alice, "量子") == ["一整个量子"]
    message_store.save_progress(answer.id, status=QUEUED, content="")
    assert contents(alice, "量子") == []
    message_store.finish(answer.id, status="complete", content="又一个答案")
    assert contents(alice, "量子") == []
    assert contents(alice, "答案") == ["又一个答案"]


def test_deleted_conversations_are_not_found(alice):
    doomed = chat(alice, [("user", "秘密的量子"), ("assistant", "量子答案")])
    chat(alice, [("user", "留下的量子")])
    erase.delete_conversation(alice.id, doomed.id)
    assert contents(alice, "量子") == ["留下的量子"]
    assert _index_consistent()


def test_same_results_as_the_scan_on_mixed_text(alice, monkeypatch):
    """Whatever the side index finds, the scan it replaced found too, in the same order."""
    rng = random.Random(11)
    alphabet = "abcAIC 量子计算的原理 ü#+\n"
    for _ in range(60):
        chat(alice, [("user", "".join(rng.choices(alphabet, k=rng.randint(0, 12))))])
    queries = ["AI", "a", "量子", "子", "ü", "c+", "#", "理", "aI 量", "Ab"]
    with_index = {query: contents(alice, query) for query in queries}
    monkeypatch.setattr(search_module, "has_grams_index", lambda db: False)
    assert with_index == {query: contents(alice, query) for query in queries}
    assert any(with_index.values())


@pytest.mark.sqlite_only  # the side index is SQLite's
def test_a_short_term_is_looked_up_not_scanned(alice):
    for n in range(30):
        chat(alice, [("user", f"message {n}")])
    chat(alice, [("user", "the one about AI")])
    sent = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM messages" in statement or "messages_grams" in statement:
            sent.append((statement, parameters))

    event.listen(engine(), "before_cursor_execute", keep)
    try:
        assert contents(alice, "AI") == ["the one about AI"]
    finally:
        event.remove(engine(), "before_cursor_execute", keep)
    statement, parameters = next((s, p) for s, p in sent if "messages_grams MATCH" in s)
    with engine().connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        )
    # Read from the side index, newest first; messages fetched by id, none scanned.
    assert plan.startswith("SCAN messages_grams VIRTUAL TABLE INDEX")
    assert "SEARCH messages USING INTEGER PRIMARY KEY" in plan
    assert "SCAN messages " not in plan + " " and "TEMP B-TREE" not in plan


@pytest.mark.skipif(on_sqlite(), reason="PostgreSQL's index of characters and pairs")
def test_postgres_looks_short_terms_up_in_its_index(alice):
    conversation = chat(alice, [("user", "the one about AI")])
    with engine().begin() as conn:  # enough rows that reading them all is dear
        conn.execute(
            text(
                "INSERT INTO messages (public_id, conversation_id, depth, role, content,"
                " reasoning, status, usage_estimated, context_dropped, attempts,"
                " created_at, updated_at)"
                " SELECT md5(n::text), :chat, 1, 'user', 'message ' || n, '', 'complete',"
                " false, 0, 0, 0, 0 FROM generate_series(1, 5000) AS n"
            ),
            {"chat": conversation.id},
        )
        conn.exec_driver_sql("ANALYZE messages")
    sent = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if "duet_dated_grams(messages.content" in statement:
            sent.append((statement, parameters))

    event.listen(engine(), "before_cursor_execute", keep)
    try:
        assert contents(alice, "AI") == ["the one about AI"]
    finally:
        event.remove(engine(), "before_cursor_execute", keep)
    statement, parameters = sent[0]
    with engine().connect() as conn:
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "ix_messages_content_dated_grams" in plan, plan
    # The index answers; the grams are never computed row by row as a filter.
    filters = [line for line in plan.splitlines() if line.strip().startswith("Filter:")]
    assert not any("grams" in line for line in filters), plan


@pytest.mark.skipif(on_sqlite(), reason="PostgreSQL scans the newest, looks older ones up")
def test_postgres_windows_find_old_matches_in_order(alice, monkeypatch):
    """A match older than the scanned window is still found, and the order is the scan's."""
    chat(alice, [("user", "旧的量子"), ("assistant", "AI 1")])
    for n in range(12):
        chat(alice, [("user", f"filler {n}")])
    chat(alice, [("user", "新的量子 AI")])
    monkeypatch.setattr(search_module, "GRAMS_WINDOW", 3)  # 2 messages scanned, the rest looked up
    queries = ["量子", "AI", "ai 量", "旧", "zq"]
    windowed = {query: contents(alice, query) for query in queries}
    assert windowed["量子"] == ["新的量子 AI", "旧的量子"]
    monkeypatch.setattr(search_module, "has_grams_index", lambda db: False)
    assert windowed == {query: contents(alice, query) for query in queries}


@pytest.mark.skipif(on_sqlite(), reason="PostgreSQL looks older messages up band by band")
def test_postgres_finds_matches_across_bands_newest_first(alice, monkeypatch):
    """Messages whose ids lie in many bands of the dated index (revision 0020: a band
    is 8,192 ids), a few matching in each: the same results, in the same order, as
    the scan, whether a page is found in the first band asked or needs them all."""
    bob = ensure_user("bob")
    expected = []
    for band in (0, 1, 3, 9, 40, 41):
        with engine().begin() as conn:  # the next message gets an id in this band
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('messages', 'id'), {band * 8192 + 5})"
            )
        chat(alice, [("user", f"第{band}段的量子"), ("assistant", f"band {band}: AI")])
        chat(bob, [("user", f"bob's 量子 {band}")])
        chat(alice, [("user", f"filler {band}")])
        expected.insert(0, f"第{band}段的量子")
    monkeypatch.setattr(search_module, "GRAMS_WINDOW", 2)  # read 2, look the rest up
    queries = ["量子", "段", "ai", "AI 量", "4", "zq"]
    by_band = {query: contents(alice, query) for query in queries}
    assert by_band["量子"] == expected
    assert [len(contents(alice, "量子", limit=n)) for n in (1, 2, 3)] == [1, 2, 3]
    monkeypatch.setattr(search_module, "has_grams_index", lambda db: False)
    assert by_band == {query: contents(alice, query) for query in queries}


def test_index_words():
    assert word("AI") == word("ai") == "61x69"
    assert word("量") == "91cf"
    assert set(grams("Ai  b").split()) == {"61", "69", "62", "61x69"}
    assert grams("") == ""
    with pytest.raises(ValueError):
        word("abc")


@pytest.mark.sqlite_only  # the revision builds a SQLite index; on PostgreSQL it does nothing
def test_an_existing_database_gets_the_index_for_its_messages(database_url, monkeypatch):
    from alembic import command

    url = database_url("old")
    monkeypatch.setenv("DATABASE_URL", url)
    reset_for_tests()
    with engine().connect() as conn:
        command.upgrade(alembic_config(conn), "0007")  # the schema before revision 0011
        conn.commit()
    with engine().begin() as conn:
        assert not conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'messages_grams'"
        ).first()
        user = conn.execute(
            text(
                "INSERT INTO users (username, display_name, role, auth_source, created_at)"
                " VALUES ('alice', 'alice', 'user', 'local', 0) RETURNING id"
            )
        ).scalar_one()
        chat_id = _insert(conn, "conversations", user_id=user, kind="chat", title="old chat",
                          title_is_auto=False, model_id="demo-thinker", pinned=False,
                          archived=False)  # fmt: skip
        for content, status in (
            ("旧的量子问题", "complete"),
            ("AI answer", "complete"),
            ("量子 still streaming", "streaming"),
        ):
            _insert(conn, "messages", conversation_id=chat_id, depth=0, role="user",
                    content=content, reasoning="", status=status, usage_estimated=False,
                    context_dropped=0, attempts=0)  # fmt: skip
    reset_for_tests()
    open_store()  # the app starts on the new code: revision 0011 runs
    with engine().connect() as conn:
        assert conn.exec_driver_sql("SELECT max(version_num) FROM alembic_version").scalar() == (
            head_revision()
        )
    alice = ensure_user("alice")
    assert contents(alice, "量子") == ["旧的量子问题"]  # the unfinished answer is left out
    assert contents(alice, "ai") == ["AI answer"]
    chat(alice, [("user", "新的量子")])  # and new messages join it
    assert contents(alice, "量子") == ["新的量子", "旧的量子问题"]
    assert _index_consistent()


def _insert(conn, table: str, **values) -> int:
    values |= {"public_id": uuid.uuid4().hex, "created_at": 0.0, "updated_at": 0.0}
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return conn.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values
    ).scalar_one()


def _index_consistent() -> bool:
    """FTS5's own check of the side index (a no-op on PostgreSQL, which has none)."""
    if not on_sqlite():
        return True
    with engine().begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO messages_grams(messages_grams) VALUES ('integrity-check')"
        )
    return True
