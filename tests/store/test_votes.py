"""Arena votes in the store: one per battle, on that battle's own answers, and
counted by the leaderboard even after the battle is deleted.

The arena (tests/test_arena.py) refuses bad votes before they reach the store;
these tests call the store directly, as any other caller could, to check that
the store keeps the same rules on its own.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.errors import RecordNotFound, VoteRefused
from core.leaderboard import current_leaderboard, votes_csv
from core.ratings import A_BETTER, B_BETTER, TIE
from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import votes as vote_store
from core.store.comparisons import ARENA, COMPARE
from core.store.users import ensure_user


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def answered(user_id: int, mode: str = ARENA, models=("m", "fast")) -> tuple[int, int, int]:
    """A comparison of two columns with one complete answer each: (id, answer A, answer B)."""
    conversations, answers = [], []
    for model in models:
        conversation = conversation_store.create_conversation(user_id, model, kind=mode)
        question = message_store.append_message(
            user_id, conversation.id, role="user", content="Q", parent_id=None
        )
        answer = message_store.append_message(
            user_id, conversation.id, role="assistant", content="A", parent_id=question.id,
            model_id=model, requested_model_id=model,
        )  # fmt: skip
        conversations.append(conversation.id)
        answers.append(answer.id)
    comparison = comparison_store.create_comparison(user_id, mode, conversations)
    return comparison.id, answers[0], answers[1]


def vote(
    user_id: int, battle_id: int, a: int, b: int, outcome: str = A_BETTER, models=("m", "fast")
):
    return vote_store.record_vote(
        user_id, battle_id, outcome, message_a_id=a, message_b_id=b,
        model_a=models[0], model_b=models[1],
    )  # fmt: skip


def test_a_comparison_from_the_compare_page_cannot_be_voted_on(alice):
    # Side-by-side comparisons show the model names: a vote there is not blind.
    comparison, a, b = answered(alice.id, mode=COMPARE)
    with pytest.raises(RecordNotFound):
        vote(alice.id, comparison, a, b)
    assert vote_store.vote_stamp().count == 0
    assert vote_store.vote_tallies() == []


def test_a_second_vote_on_a_battle_is_refused_and_the_first_one_stays(alice):
    battle, a, b = answered(alice.id)
    first = vote(alice.id, battle, a, b, A_BETTER)
    with pytest.raises(VoteRefused) as refused:
        vote(alice.id, battle, a, b, B_BETTER)  # another tab, or a replayed click
    assert refused.value.detail == "already_voted"
    assert vote_store.vote_for(alice.id, battle) == first
    assert vote_store.vote_tallies() == [("m", "fast", A_BETTER, 1)]


def test_only_the_battles_own_answers_on_their_own_sides_can_be_judged(alice):
    battle, a, b = answered(alice.id)
    _other, other_a, other_b = answered(alice.id)
    refused = [
        (b, a),  # sides swapped: the outcome would credit the wrong model
        (other_a, b),  # an answer of another battle
        (a, other_b),
        (a, 10**9),  # no such message
    ]
    for message_a, message_b in refused:
        with pytest.raises(RecordNotFound):
            vote(alice.id, battle, message_a, message_b)
    assert vote_store.vote_stamp().count == 0
    assert vote(alice.id, battle, a, b).message_a_id == a  # the right pair still can


def test_votes_on_deleted_battles_still_count_on_the_leaderboard(alice):
    bob = ensure_user("bob")
    kept, a, b = answered(alice.id)
    vote(alice.id, kept, a, b, A_BETTER)
    deleted, a, b = answered(alice.id)
    vote(alice.id, deleted, a, b, A_BETTER)
    bobs, a, b = answered(bob.id)
    vote(bob.id, bobs, a, b, TIE)

    comparison_store.delete_comparison(alice.id, deleted)

    # The battle and its answers are gone, the judgement is not.
    assert sorted(vote_store.vote_tallies()) == [("m", "fast", A_BETTER, 2), ("m", "fast", TIE, 1)]
    assert current_leaderboard(rounds=2).votes == 3
    rows = vote_store.all_votes()
    assert [row["outcome"] for row in rows] == [A_BETTER, A_BETTER, TIE]  # oldest first
    assert all(set(row) == {"id", "created_at", "model_a", "model_b", "outcome"} for row in rows)
    assert "alice" not in votes_csv() and "bob" not in votes_csv()
    # The voter no longer finds it among their battles.
    with pytest.raises(RecordNotFound):
        vote_store.vote_for(alice.id, deleted)
    assert set(vote_store.votes_for(alice.id, [kept, deleted])) == {kept}


def test_a_person_reads_only_their_own_votes(alice):
    bob = ensure_user("bob")
    mine, a, b = answered(alice.id)
    vote(alice.id, mine, a, b)
    bobs, a, b = answered(bob.id)
    vote(bob.id, bobs, a, b)
    assert set(vote_store.votes_for(alice.id, [mine, bobs])) == {mine}
    assert vote_store.votes_for(alice.id, []) == {}
    with pytest.raises(RecordNotFound):
        vote_store.vote_for(alice.id, bobs)
    # Everyone's votes feed the leaderboard.
    assert vote_store.vote_tallies() == [("m", "fast", A_BETTER, 2)]


def test_a_vote_from_another_tab_landing_first_makes_this_one_already_voted(alice):
    # Two tabs vote on one battle at the same moment: the other tab's vote is
    # stored after this one checked for a vote and before it writes its own.
    battle, a, b = answered(alice.id)
    landed = []

    def other_tab_votes_first(db, _context, _instances):
        landed.append(vote(alice.id, battle, a, b, B_BETTER))

    event.listen(Session, "before_flush", other_tab_votes_first, once=True)
    try:
        with pytest.raises(VoteRefused) as refused:
            vote(alice.id, battle, a, b, A_BETTER)
    finally:
        if event.contains(Session, "before_flush", other_tab_votes_first):
            event.remove(Session, "before_flush", other_tab_votes_first)
    assert refused.value.detail == "already_voted"
    assert vote_store.vote_for(alice.id, battle) == landed[0]  # the first one counts
    assert vote_store.vote_tallies() == [("m", "fast", B_BETTER, 1)]
