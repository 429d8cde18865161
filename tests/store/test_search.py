"""Search: what a person finds, in what order, whatever they type."""

import pytest
from sqlalchemy import event, text

from core.store import conversations as conversation_store
from core.store import erase
from core.store import messages as message_store
from core.store.db import engine
from core.store.search import make_snippet, parse_query, search
from core.store.users import ensure_user
from core.store.views import QUEUED, STREAMING
from tests.databases import on_sqlite


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def chat(user, turns, title="chat"):
    """A conversation of (role, content[, reasoning]) turns, one after another."""
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


def found(user, query, **options):
    return [(hit.title, hit.snippet.match) for hit in search(user.id, query, **options)]


def contents(user, query, **options):
    hits = search(user.id, query, **options)
    return [
        message_store.get_message(user.id, hit.message_id).content
        for hit in hits
        if hit.message_id is not None
    ]


def test_finds_questions_and_answers_with_a_snippet(alice):
    chat(alice, [("user", "How fast is a tortoise?"), ("assistant", "A tortoise walks slowly.")])
    chat(alice, [("user", "Something else entirely")])
    hits = search(alice.id, "TORTOISE")
    assert [h.role for h in hits] == ["assistant", "user"] or [h.role for h in hits] == [
        "user",
        "assistant",
    ]
    snippet = next(h.snippet for h in hits if h.role == "user")
    assert (snippet.before, snippet.match, snippet.after) == ("How fast is a ", "tortoise", "?")


def test_ranking_title_first_then_the_most_relevant_message(alice):
    chat(alice, [("user", "A long message " + "about many things " * 30 + "and one parrot.")])
    chat(alice, [("user", "parrot parrot: the parrot says parrot")])
    chat(alice, [("user", "nothing here")], title="Parrot care")
    hits = search(alice.id, "parrot")
    assert hits[0].message_id is None and hits[0].title == "Parrot care"
    assert [c[:6] for c in contents(alice, "parrot")] == ["parrot", "A long"]


def test_relevance_outranks_recency(alice):
    chat(alice, [("user", "parrot parrot: the parrot says parrot")])
    chat(alice, [("user", "q"), ("assistant", "reply", "a parrot, perhaps")])
    chat(alice, [("user", "A long message " + "about many things " * 30 + "and one parrot.")])
    assert [c[:6] for c in contents(alice, "parrot")] == ["parrot", "A long"]


def test_answers_outrank_reasoning_which_is_searched_only_on_request(alice):
    chat(alice, [("user", "q"), ("assistant", "The answer.", "thinking of a walrus")])
    chat(alice, [("user", "q"), ("assistant", "A walrus is large.")])
    assert contents(alice, "walrus") == ["A walrus is large."]
    assert contents(alice, "walrus", include_reasoning=True) == [
        "A walrus is large.",
        "The answer.",
    ]
    reasoning_hit = search(alice.id, "walrus", include_reasoning=True)[1]
    assert reasoning_hit.in_reasoning and reasoning_hit.snippet.match == "walrus"


def test_every_word_must_occur_and_quotes_make_a_phrase(alice):
    chat(alice, [("user", "red apples and green pears")])
    chat(alice, [("user", "green apples")])
    assert len(contents(alice, "apples green")) == 2
    assert contents(alice, "apples pears") == ["red apples and green pears"]
    assert contents(alice, '"green apples"') == ["green apples"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("量子计算", ["量子计算的原理是什么？"]),  # four characters: the trigram index
        ("原理是", ["量子计算的原理是什么？"]),
        ("量子", ["量子计算的原理是什么？", "我喜欢量子"]),  # two: LIKE
        ("量", ["量子计算的原理是什么？", "我喜欢量子"]),  # one
        ("量子 原理", ["量子计算的原理是什么？"]),  # short and long together
        ("計算", ["日本語の計算"]),  # Japanese kanji, distinct from simplified 计算
        ("カタカナ", ["カタカナです"]),
        ("한국어", ["한국어 텍스트"]),
    ],
)
def test_chinese_japanese_and_korean(alice, query, expected):
    for text_ in (
        "量子计算的原理是什么？",
        "我喜欢量子",
        "日本語の計算",
        "カタカナです",
        "한국어 텍스트",
    ):
        chat(alice, [("user", text_)])
    assert sorted(contents(alice, query)) == sorted(expected)


TRICKY = (
    'He said "hi" and NEAR(x, y) AND a*b^2, content:foo {reasoning}: -minus +plus '
    "50% off_the_charts O'Reilly back\\slash, NOT this OR that, \"unbalanced"
)


@pytest.mark.parametrize(
    "query",
    [
        '"hi"',
        "NEAR(x,",
        "AND",
        "a*b^2",
        "content:foo",
        "{reasoning}:",
        "-minus",
        "+plus",
        "50%",
        "off_the",
        "O'Reilly",
        "back\\slash",
        '"unbalanced',
        'said "hi',
        "NOT",
        "OR",
        "*",
        "^",
    ],
)
def test_operators_and_quotes_are_plain_text(alice, query):
    chat(alice, [("user", TRICKY)])
    chat(alice, [("user", "an unrelated message: NOTHING ELSE")])
    assert TRICKY in contents(alice, query)


@pytest.mark.parametrize("query", ['"', '""', "   ", "%", "_", "\\", "NEAR(", "'; DROP TABLE x;--"])
def test_odd_queries_find_nothing_and_break_nothing(alice, query):
    chat(alice, [("user", "plain words only")])
    assert contents(alice, query) == []


def test_query_parsing():
    assert parse_query('  a   "b  c" d ') == ["a", "b c", "d"]
    assert parse_query('say "hi') == ["say", "hi"]
    assert parse_query('"" x') == ["x"]
    assert parse_query("Tortoise tortoise") == ["Tortoise"]


def test_snippet_is_one_line_around_the_match():
    text_ = "first line\n\n" + "word " * 20 + "needle " + "tail " * 40
    snippet = make_snippet(text_, ["NEEDLE"])
    assert snippet.match == "needle"
    assert snippet.before.startswith("…") and "\n" not in snippet.before
    assert snippet.after.endswith("…")


def test_nobody_finds_another_users_messages(alice):
    bob = ensure_user("bob")
    chat(alice, [("user", "alice's secret pelican")], title="pelican plans")
    chat(bob, [("user", "bob's pelican")])
    assert contents(bob, "pelican") == ["bob's pelican"]
    assert [h.title for h in search(bob.id, "pelican plans")] == []
    assert contents(bob, "pe") == ["bob's pelican"]  # the LIKE path too


def test_answers_enter_the_index_when_finished_and_leave_when_retried(alice):
    conversation = chat(alice, [("user", "q")])
    question = message_store.branch(alice.id, conversation.id)[0]
    answer = message_store.append_message(
        alice.id, conversation.id, role="assistant", parent_id=question.id, status=QUEUED
    )
    message_store.save_progress(answer.id, status=STREAMING, content="half a flamingo")
    assert contents(alice, "flamingo") == []
    message_store.finish(answer.id, status="complete", content="a whole flamingo")
    assert contents(alice, "flamingo") == ["a whole flamingo"]
    message_store.save_progress(answer.id, status=QUEUED, content="")  # Retry starts over
    assert contents(alice, "flamingo") == []
    assert integrity_ok()


def test_renamed_titles_are_found_by_their_new_name(alice):
    conversation = chat(alice, [("user", "q")], title="Old name")
    conversation_store.rename_conversation(alice.id, conversation.id, "Capybara notes")
    assert found(alice, "capybara") == [("Capybara notes", "Capybara")]
    assert found(alice, "Old name") == []


@pytest.mark.sqlite_only  # FTS5's own index
def test_deleting_removes_from_the_index(alice):
    doomed = chat(alice, [("user", "the axolotl question"), ("assistant", "axolotl answer")])
    kept = chat(alice, [("user", "another axolotl")])
    erase.delete_conversation(alice.id, doomed.id)
    assert contents(alice, "axolotl") == ["another axolotl"]
    with engine().connect() as conn:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, messages_fts, instance)"
        )
        indexed_rows = set(conn.execute(text("SELECT DISTINCT doc FROM temp.vocab")).scalars())
    remaining = {m.id for m in message_store.branch(alice.id, kept.id)}
    assert indexed_rows == remaining
    assert integrity_ok()


@pytest.mark.sqlite_only  # secure_delete; PostgreSQL frees dead rows at VACUUM
def test_deleting_everything_leaves_no_text_in_the_file(alice, db, tmp_path):
    marker = "zebra-quokka-7731"
    conversation = chat(alice, [("user", f"my secret {marker}"), ("assistant", f"{marker}!")])
    with engine().connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert marker.encode() in file_bytes(tmp_path)  # it was written to the file
    assert erase.delete_all_conversations(alice.id) == 1
    assert search(alice.id, marker) == []
    with pytest.raises(Exception, match="conversation"):
        conversation_store.get_conversation(alice.id, conversation.id)
    assert marker.encode() not in file_bytes(tmp_path)
    assert marker[:9].encode() not in file_bytes(tmp_path)


def file_bytes(folder) -> bytes:
    return b"".join(path.read_bytes() for path in folder.glob("chat.db*"))


def integrity_ok() -> bool:
    """FTS5's own consistency check (PostgreSQL keeps its indexes consistent itself)."""
    with engine().begin() as conn:
        if conn.dialect.name != "sqlite":
            return True
        for table in ("messages_fts", "conversations_fts"):
            # Internal consistency (rank 1 would also compare with the messages
            # table, which holds unfinished answers the index leaves out).
            conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
    return True


@pytest.mark.sqlite_only
def test_every_connection_overwrites_deleted_records(db):
    # Many SQLite builds do by default, not all: the store asks for it.
    with engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def nothing_left_to_merge() -> bool:
    """Whether the index is one segment: no deleted entries linger in older ones."""
    with engine().begin() as conn:
        raw = conn.connection.driver_connection
        before = raw.total_changes
        conn.exec_driver_sql("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')")
        return raw.total_changes - before <= 1


@pytest.mark.sqlite_only  # FTS5's segments
@pytest.mark.parametrize("in_background", [False, True])
def test_deleted_entries_are_merged_out_of_the_index(alice, monkeypatch, in_background):
    for n in range(30):  # one transaction each: many index segments
        chat(alice, [("user", f"message number {n} about a narwhal")])
    doomed = chat(alice, [("user", "the narwhal secret")])
    if in_background:
        monkeypatch.setattr(erase, "SMALL_INDEX", 0)
    erase.delete_conversation(alice.id, doomed.id)
    assert erase.wait_for_merges(timeout=20)
    assert nothing_left_to_merge()
    assert "the narwhal secret" not in contents(alice, "narwhal")
    assert integrity_ok()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tortoise", ["A tortoise, 乌龟"]),
        ("乌龟", ["A tortoise, 乌龟"]),
        ("50%", ["50% off_the charts"]),
        ("off_the", ["50% off_the charts"]),
        ('NEAR("x" OR', []),
    ],
)
def test_without_the_index_search_falls_back_to_like(alice, monkeypatch, query, expected):
    """What SQLite without FTS5 (and PostgreSQL without pg_trgm) get: the same answers,
    newest first."""
    import core.store.search as search_module

    monkeypatch.setattr(search_module, "has_search_index", lambda db: False)
    monkeypatch.setattr(search_module, "has_trigram_index", lambda db: False)
    chat(alice, [("user", "A tortoise, 乌龟"), ("user", "50% off_the charts")])
    chat(ensure_user("bob"), [("user", "bob's tortoise 乌龟 50% off_the")])
    assert contents(alice, query) == expected


@pytest.mark.skipif(on_sqlite(), reason="PostgreSQL's trigram indexes")
def test_postgresql_finds_long_terms_through_the_trigram_indexes(alice):
    """Enough rows that a scan would cost more: the plan of search's own query uses
    the GIN index for a long term, and the short-term path leaves it alone."""
    conversation = chat(alice, [("user", "the one pangolin")])
    with engine().begin() as conn:
        conn.execute(
            text(
                "INSERT INTO messages (public_id, conversation_id, depth, role, content,"
                " reasoning, status, usage_estimated, context_dropped, attempts,"
                " created_at, updated_at)"
                " SELECT md5(g::text), :c, 1, 'user', 'filler text number ' || g, '',"
                " 'complete', false, 0, 0, 0, 0 FROM generate_series(1, 20000) g"
            ),
            {"c": conversation.id},
        )
        conn.exec_driver_sql("ANALYZE messages")
    plans = explained_plans(lambda: contents(alice, "pangolin"))
    assert any("ix_messages_content_trgm" in plan for plan in plans)
    assert contents(alice, "pangolin") == ["the one pangolin"]


def explained_plans(run) -> list[str]:
    """EXPLAIN of every statement `run` sends that reads messages with ILIKE."""
    sent = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if "ILIKE" in statement and "FROM messages" in statement:
            sent.append((statement, parameters))

    event.listen(engine(), "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(engine(), "before_cursor_execute", keep)
    with engine().connect() as conn:
        return [
            "\n".join(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
            for statement, parameters in sent
        ]
