"""Search: what the list of results holds, whichever path found them (the FTS5
index or the side index of characters and pairs on SQLite; trigram ILIKEs or the
dated grams on PostgreSQL): how many of one conversation, where the limit cuts,
archived and non-chat conversations, words split between an answer and its
reasoning, % or _ typed by a person, and files among many messages."""

from collections import Counter

import pytest

import core.store.search as search_module
from core.attachments import read_attachment
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.db import engine
from core.store.search import PER_CONVERSATION, TITLE_HITS, search
from tests.attachments.test_file_search import ask
from tests.databases import on_sqlite
from tests.store.test_search import alice, chat, contents, found  # noqa: F401 (alice: a fixture)


@pytest.mark.parametrize("query", ["heron", "鹭"])  # the index of long terms; of short ones
def test_one_long_conversation_does_not_fill_the_list(alice, query):  # noqa: F811
    quiet = chat(alice, [("user", "a heron 鹭, once")])
    talkative = chat(
        alice, [(("user", "assistant")[n % 2], f"heron 鹭 number {n}") for n in range(6)]
    )
    hits = search(alice.id, query)
    per_chat = Counter(hit.conversation_id for hit in hits)
    assert per_chat == {talkative.id: PER_CONVERSATION, quiet.id: 1}


@pytest.mark.parametrize("query", ["egret", "白鹭"])
def test_titles_come_first_and_the_limit_counts_them(alice, query):  # noqa: F811
    for n in range(TITLE_HITS + 2):
        chat(alice, [("user", "nothing to see")], title=f"Egret 白鹭 notes {n}")
    for n in range(6):
        chat(alice, [("user", f"egret 白鹭 sighting {n}")])
    everything = search(alice.id, query, limit=50)
    titles = [hit.title for hit in everything if hit.message_id is None]
    # At most TITLE_HITS titles, the most recently active first (all equally relevant).
    assert titles == [f"Egret 白鹭 notes {n}" for n in reversed(range(2, TITLE_HITS + 2))]
    assert len(everything) == TITLE_HITS + 6
    page = search(alice.id, query, limit=TITLE_HITS + 2)
    # The limit counts the titles: two messages after them, the first two of the full list.
    assert page == everything[: TITLE_HITS + 2]


@pytest.mark.parametrize("query", ["ibis", "朱鹮"])
def test_archived_conversations_are_found_and_marked_archived(alice, query):  # noqa: F811
    shelved = chat(alice, [("user", "an ibis 朱鹮 story")], title="Ibis 朱鹮 archive")
    conversation_store.update_conversation(alice.id, shelved.id, archived=True)
    chat(alice, [("user", "a current ibis 朱鹮")])
    title, *messages = search(alice.id, query)
    assert (title.title, title.message_id, title.archived) == ("Ibis 朱鹮 archive", None, True)
    assert sorted((hit.title, hit.archived) for hit in messages) == [
        ("Ibis 朱鹮 archive", True),
        ("chat", False),
    ]


@pytest.mark.parametrize("query", ["crane", "仙鹤", "Crane comparison"])
def test_only_chats_are_searched_not_comparisons_or_batches(alice, query):  # noqa: F811
    for kind in ("compare", "batch"):
        conversation = conversation_store.create_conversation(
            alice.id, "demo-thinker", title=f"Crane comparison {kind}", kind=kind
        )
        message_store.append_message(
            alice.id,
            conversation.id,
            role="user",
            content=f"crane 仙鹤 in a {kind}",
            parent_id=None,
        )
    chat(alice, [("user", "crane 仙鹤 in a chat")], title="Crane comparison chat")
    assert {hit.title for hit in search(alice.id, query)} == {"Crane comparison chat"}


ANSWER = "A walrus, says AI."
REASONING = "thinking of a penguin, 企鹅"


@pytest.mark.parametrize("query", ["walrus penguin", "AI 鹅", "walrus 鹅", "AI penguin"])
def test_words_split_between_answer_and_reasoning(alice, query):  # noqa: F811
    """With reasoning searched, every word must occur in the message, in either part."""
    chat(alice, [("user", "q"), ("assistant", ANSWER, REASONING)])
    chat(alice, [("user", "q"), ("assistant", "A penguin 企鹅 alone.")])
    assert contents(alice, query) == []
    assert contents(alice, query, include_reasoning=True) == [ANSWER]
    (hit,) = search(alice.id, query, include_reasoning=True)
    # The snippet shows the answer's word: the answer is what opens.
    assert not hit.in_reasoning and hit.snippet.match in {"walrus", "AI"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("5%", ["5% off"]),  # not "50 off"
        ("a_c", ["a_c here"]),  # not "abc here"
        ("_c", ["a_c here"]),
        ("%%", []),
        ("__", []),
        ("\\c", ["a\\c too"]),
    ],
)
def test_percent_and_underscore_are_found_as_typed(alice, query, expected):  # noqa: F811
    """LIKE's wildcards typed by a person are plain characters, in messages and titles."""
    for text_ in ("5% off", "50 off", "a_c here", "abc here", "a\\c too"):
        chat(alice, [("user", text_)], title=text_)
    hits = search(alice.id, query)
    assert sorted(hit.title for hit in hits if hit.message_id is None) == expected
    assert sorted(contents(alice, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("AI safety", ["AI safety notes"]),  # not "safety first", which has no "AI"
        ("量 计算机", ["量子计算机笔记"]),
        ("safety 量", []),
    ],
)
def test_titles_must_hold_short_and_long_words_alike(alice, query, expected):  # noqa: F811
    for title in ("AI safety notes", "safety first", "量子计算机笔记", "计算机"):
        chat(alice, [("user", "nothing to see")], title=title)
    assert [title for title, _ in found(alice, query)] == expected


@pytest.mark.parametrize("query", ["indemnity", "甲方"])
def test_a_file_is_listed_even_when_many_messages_match(alice, query):  # noqa: F811
    """Messages and files are taken in turn: a file is not pushed off the list by a
    page of messages that say the word too."""
    terms = read_attachment("terms.txt", "甲方 bears the indemnity.".encode())
    _, question = ask(alice, "Please read this", terms)
    for n in range(25):
        chat(alice, [("user", f"indemnity 甲方 note {n}")])
    hits = search(alice.id, query)
    assert len(hits) == 20
    assert [(hit.message_id, hit.in_file) for hit in hits if hit.in_file] == [
        (question.id, "terms.txt")
    ]
    assert hits[1].in_file == "terms.txt"  # after the best message, before the rest


@pytest.mark.skipif(on_sqlite(), reason="PostgreSQL looks older messages up band by band")
def test_postgres_finds_old_reasoning_in_its_band(alice, monkeypatch):  # noqa: F811
    """A short term only in the reasoning of answers older than the window read
    first is found, newest band first, when reasoning is searched (its own index)."""
    for band in (1, 4):
        with engine().begin() as conn:  # the next message gets an id in this band
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('messages', 'id'), {band * 8192 + 5})"
            )
        chat(alice, [("user", "q"), ("assistant", f"answer {band}", f"思考 AI {band}")])
    chat(alice, [("user", "a later question"), ("assistant", "a later answer")])
    monkeypatch.setattr(search_module, "GRAMS_WINDOW", 2)  # read 2, look the rest up
    assert contents(alice, "AI") == []
    assert contents(alice, "AI", include_reasoning=True) == ["answer 4", "answer 1"]
    assert contents(alice, "思考", include_reasoning=True, limit=1) == ["answer 4"]
    hits = search(alice.id, "AI", include_reasoning=True)
    assert [hit.in_reasoning for hit in hits] == [True, True]
