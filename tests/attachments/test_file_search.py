"""Search finds what attached files say, through an index, and opens the
question the file was attached to."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.attachments import read_attachment
from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import erase
from core.store import messages as message_store
from core.store.db import session
from core.store.search import search
from core.store.users import ensure_user
from tests.attachments import files


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def ask(user, question, *attached, title="Contract review"):
    conversation = conversation_store.create_conversation(user.id, "demo-thinker", title=title)
    message = message_store.append_message(
        user.id, conversation.id, role="user", content=question, parent_id=None
    )
    attachment_store.attach(user.id, message.id, list(attached))
    return conversation, message


def contract():
    return read_attachment(
        "contract.docx", files.docx(["The supplier bears the indemnification for late delivery."])
    )


def test_a_word_in_an_attached_file_is_found_and_names_the_file(alice):
    _, question = ask(alice, "Please read this", contract())
    ask(alice, "Unrelated", read_attachment("notes.md", b"# Groceries"), title="Shopping")
    (hit,) = search(alice.id, "indemnification")
    assert hit.in_file == "contract.docx"
    assert hit.message_id == question.id and hit.role == "user"
    assert hit.snippet.match == "indemnification"
    assert "late delivery" in hit.snippet.after


def test_chinese_terms_of_two_characters_are_found_in_files(alice):
    text_file = read_attachment("合同.txt", "第一条：甲方应于三十日内付款。".encode("gbk"))
    _, question = ask(alice, "看看", text_file)
    (hit,) = search(alice.id, "甲方")
    assert (hit.message_id, hit.in_file) == (question.id, "合同.txt")
    (hit,) = search(alice.id, "三十日内")
    assert hit.in_file == "合同.txt"


def test_a_question_matching_in_its_text_and_two_files_is_listed_once_per_place(alice):
    second = read_attachment("annex.md", b"Annex: indemnification caps")
    _, question = ask(alice, "Is indemnification capped?", contract(), second)
    hits = search(alice.id, "indemnification")
    # Its text, then its best-ranked file (the short annex says it more densely).
    assert [(h.message_id, h.in_file) for h in hits] == [
        (question.id, None),
        (question.id, "annex.md"),
    ]


def test_no_one_finds_another_persons_files(alice):
    ask(alice, "Please read this", contract())
    assert search(ensure_user("bob").id, "indemnification") == []


def test_a_deleted_conversations_files_are_not_found_nor_indexed(alice):
    conversation, _ = ask(alice, "Please read this", contract())
    erase.delete_conversation(alice.id, conversation.id)
    assert search(alice.id, "indemnification") == []
    with session() as db:
        if db.bind.dialect.name == "sqlite":
            # The index forgot the text too, not just the row.
            left = db.scalar(
                text("SELECT count(*) FROM attachments_fts WHERE attachments_fts MATCH :q"),
                {"q": '"indemnification"'},
            )
            assert left == 0


def test_the_files_text_is_in_an_index_not_scanned(alice):
    ask(alice, "Please read this", contract())
    with session() as db:
        if db.bind.dialect.name == "sqlite":
            hits = db.scalar(
                text("SELECT count(*) FROM attachments_fts WHERE attachments_fts MATCH :q"),
                {"q": '"indemnification"'},
            )
            assert hits == 1
        else:
            index = db.scalar(text("SELECT to_regclass('ix_attachments_text_trgm') IS NOT NULL"))
            assert index
