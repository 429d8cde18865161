"""Votes in plain sight through their service (core/feedback_votes.py): a new
"which is better" choice replaces the earlier one, and a person's votes and
their CSV are theirs only."""

from __future__ import annotations

import pytest

from core.chat import Choice
from core.demo.replies import StreamReply, text_stream
from core.errors import RecordNotFound
from core.feedback import TIE_CHOICE
from core.feedback_votes import FeedbackVotes
from core.store.feedback import UP
from core.store.users import ensure_user


@pytest.fixture
def answers(make_chat, server, db):
    """Three answers of alice's to one question, as a comparison's columns."""
    chat, alice = make_chat(), ensure_user("alice")
    ids = []
    for text in ("First.", "Second.", "Third."):
        server.push(lambda r, text=text: StreamReply(text_stream("r1", answer=[text])))
        sent = chat.send(alice.id, None, "Which river is longest?", Choice("m"))
        chat.worker.wait(sent.assistant_message_id)
        ids.append(sent.assistant_message_id)
    return alice, ids


def test_a_new_choice_replaces_the_earlier_one(answers):
    alice, ids = answers
    votes = FeedbackVotes()
    votes.choose_better(alice.id, ids, 0)
    assert votes.better_of(alice.id, ids) == 0

    votes.choose_better(alice.id, ids, 2)
    assert votes.better_of(alice.id, ids) == 2
    votes.choose_better(alice.id, ids, TIE_CHOICE)
    assert votes.better_of(alice.id, ids) == TIE_CHOICE
    assert len(votes.board_votes()) == 3  # one vote per pair of columns, no leftovers

    votes.choose_better(alice.id, ids, None)
    assert votes.better_of(alice.id, ids) is None
    assert votes.board_votes() == []


def test_votes_are_their_owners_only(answers):
    alice, ids = answers
    bob = ensure_user("bob")
    votes = FeedbackVotes()
    votes.set_thumb(alice.id, ids[0], UP)

    with pytest.raises(RecordNotFound):
        votes.set_thumb(bob.id, ids[1], UP)
    with pytest.raises(RecordNotFound):
        votes.choose_better(bob.id, ids, 0)
    assert votes.thumb_of(alice.id, ids[0]) == UP
    assert "Which river" in votes.csv_of(alice.id)
    assert "Which river" not in votes.csv_of(bob.id)
