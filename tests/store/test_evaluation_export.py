"""A person's feedback votes and batches travel in their export and go with
"delete all my data"; import leaves them out and still accepts the file."""

import json

import pytest
from sqlalchemy import func, select

from core.export import parse_json, to_json
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store import conversations as conversation_store
from core.store import erase
from core.store import feedback as feedback_store
from core.store import judging as judging_store
from core.store import messages as message_store
from core.store.batches import NewPrompt
from core.store.db import session
from core.store.judging import JudgeView
from core.store.models import (
    Batch,
    BatchCell,
    BatchColumn,
    BatchJudge,
    BatchJudgement,
    BatchPrompt,
    BatchPromptCriteria,
    FeedbackVote,
)
from core.store.transfer import export_conversations, import_conversations
from core.store.users import ensure_user

ASSERTIONS = {"contains": ["paris"]}


def answered(user, question, answer):
    conversation = conversation_store.create_conversation(
        user.id, "demo-thinker", title=question, system_prompt="Be brief."
    )
    q = message_store.append_message(
        user.id, conversation.id, role="user", content=question, parent_id=None
    )
    return message_store.append_message(
        user.id,
        conversation.id,
        role="assistant",
        content=answer,
        parent_id=q.id,
        model_id="demo-thinker",
    )


def judged_batch(user):
    """Two prompts (one with criteria) on two columns; one cell answered, judged twice."""
    batch = batch_store.create_batch(
        user.id,
        "Capitals",
        [
            NewPrompt(
                "fr",
                "Capital of France?",
                expected="Paris",
                rubric="Names the city.",
                assertions=json.dumps(ASSERTIONS),
            ),
            NewPrompt("de", "Capital of Germany?", system_prompt="One word."),
        ],
        [
            ModelSettings("demo-thinker", thinking=True),
            ModelSettings("demo-swift", temperature=0.7),
        ],
        concurrency=2,
    )
    columns = batch_store.batch_columns(user.id, batch.id)
    judging_store.set_judge(user.id, batch.id, JudgeView("demo-thinker", "pairwise", columns[0].id))
    cell = batch_store.batch_cells(user.id, batch.id)[1]  # France on the second column
    answer = answered(user, "Capital of France?", "Paris.")
    batch_store.attach_message(user.id, cell.id, answer.id)
    reply = answered(user, "judge this", '{"verdict": "A>B"}')
    judging_store.record_judgement(user.id, cell.id, False, reply.id)
    return batch, answer, reply


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def test_the_export_holds_my_votes_and_my_batches_with_their_judging(alice):
    bob = ensure_user("bob")
    thumbed = answered(alice, "What is a tortoise?", "A reptile.")
    feedback_store.set_thumb(alice.id, thumbed.id, "down")
    a, b = answered(alice, "Sort?", "sorted()"), answered(alice, "Sort?", "list.sort()")
    feedback_store.set_preference(alice.id, a.id, b.id, "b")
    batch, answer, reply = judged_batch(alice)
    feedback_store.set_thumb(bob.id, answered(bob, "Bob's secret", "ok").id, "up")
    judged_batch(bob)

    document = parse_json(to_json(export_conversations(alice.id)).encode())

    thumb, preference = document["feedback"]
    assert (thumb["kind"], thumb["value"], thumb["answer"]) == ("thumbs", "down", thumbed.public_id)
    assert thumb["prompt"] == "What is a tortoise?"
    assert thumb["settings"]["system_prompt"] == "Be brief."
    assert (preference["answer"], preference["other_answer"]) == (a.public_id, b.public_id)
    assert preference["value"] == "b"
    exported_answers = {m["id"] for c in document["conversations"] for m in c["messages"]}
    assert {thumb["answer"], preference["other_answer"]} <= exported_answers  # joinable

    (mine,) = document["batches"]  # not Bob's
    assert (mine["id"], mine["name"], mine["concurrency"]) == (batch.public_id, "Capitals", 2)
    assert [(c["model_id"], c["thinking"], c["temperature"]) for c in mine["columns"]] == [
        ("demo-thinker", True, None),
        ("demo-swift", None, 0.7),
    ]
    france, germany = mine["prompts"]
    assert (france["id"], france["expected"], france["rubric"]) == (
        "fr",
        "Paris",
        "Names the city.",
    )
    assert france["assertions"] == ASSERTIONS
    assert (germany["system_prompt"], germany["expected"], germany["assertions"]) == (
        "One word.",
        None,
        None,
    )
    assert mine["judge"] == {"model_id": "demo-thinker", "mode": "pairwise", "baseline_column": 0}
    assert {"prompt": 0, "column": 1, "answer": answer.public_id} in mine["cells"]
    assert len(mine["cells"]) == 4
    assert mine["judgements"] == [
        {"prompt": 0, "column": 1, "swapped": False, "reply": reply.public_id}
    ]
    assert reply.public_id in exported_answers  # the judge's words are in the file
    assert "Bob's secret" not in to_json(document)


def test_exporting_chosen_conversations_leaves_votes_and_batches_out(alice):
    thumbed = answered(alice, "What is a tortoise?", "A reptile.")
    feedback_store.set_thumb(alice.id, thumbed.id, "up")
    document = export_conversations(alice.id, [thumbed.conversation_id])
    assert "feedback" not in document and "batches" not in document


def test_a_full_export_imports_its_conversations_and_leaves_the_rest(alice):
    feedback_store.set_thumb(alice.id, answered(alice, "Q?", "A.").id, "up")
    judged_batch(alice)
    bob = ensure_user("bob")
    summary = import_conversations(bob.id, parse_json(to_json(export_conversations(alice.id))))
    assert summary.conversations_added == 3  # the thumbed chat, the answer, the judge's reply
    assert feedback_store.feedback_of(bob.id) == [] and batch_store.list_batches(bob.id) == []


def rows_of(user_id):
    """How many rows of each evaluation table belong to the user."""
    with session() as db:
        batch_ids = select(Batch.id).where(Batch.user_id == user_id)
        prompt_ids = select(BatchPrompt.id).where(BatchPrompt.batch_id.in_(batch_ids))
        count = lambda table, where: db.scalar(select(func.count()).select_from(table).where(where))  # noqa: E731
        return {
            "batches": count(Batch, Batch.user_id == user_id),
            "prompts": count(BatchPrompt, BatchPrompt.batch_id.in_(batch_ids)),
            "columns": count(BatchColumn, BatchColumn.batch_id.in_(batch_ids)),
            "cells": count(BatchCell, BatchCell.batch_id.in_(batch_ids)),
            "criteria": count(BatchPromptCriteria, BatchPromptCriteria.prompt_id.in_(prompt_ids)),
            "judges": count(BatchJudge, BatchJudge.batch_id.in_(batch_ids)),
            "judgements": count(BatchJudgement, BatchJudgement.batch_id.in_(batch_ids)),
            "feedback": count(FeedbackVote, FeedbackVote.user_id == user_id),
        }


def test_deleting_all_my_data_erases_my_votes_batches_criteria_and_judgements(alice):
    bob = ensure_user("bob")
    for user in (alice, bob):
        feedback_store.set_thumb(user.id, answered(user, "Q?", "A.").id, "up")
        judged_batch(user)
    before = rows_of(alice.id)
    assert before == {
        "batches": 1,
        "prompts": 2,
        "columns": 2,
        "cells": 4,
        "criteria": 1,
        "judges": 1,
        "judgements": 1,
        "feedback": 1,
    }
    erase.delete_all_conversations(alice.id)
    assert set(rows_of(alice.id).values()) == {0}
    assert batch_store.list_batches(alice.id) == []
    with session() as db:  # the prompts and the reference answer are gone, not just unlinked
        assert db.scalar(select(func.count()).where(BatchPromptCriteria.expected == "Paris")) == 1
    assert rows_of(bob.id) == before  # Bob's are untouched
    assert export_conversations(alice.id)["batches"] == []


def test_forged_votes_and_batches_in_a_file_reach_no_board(alice):
    # A file may claim anything: a thousand thumbs up for one model, a batch of
    # judgements. Only its conversations are read; the boards see nothing of it.
    answer = answered(alice, "Q?", "A.")
    document = export_conversations(alice.id)
    vote = {
        "kind": "thumbs",
        "value": "up",
        "answer": answer.public_id,
        "other_answer": None,
        "model_id": "demo-swift",
        "other_model_id": None,
        "settings": {},
        "prompt": "Q?",
        "created_at": 1.0e9,
    }
    document["feedback"] = [vote] * 1000
    document["batches"] = [{"id": "f" * 32, "name": "forged", "columns": "not a list"}]
    bob = ensure_user("bob")
    assert import_conversations(bob.id, parse_json(to_json(document))).conversations_added == 1
    assert feedback_store.all_feedback() == []
    assert batch_store.list_batches(bob.id) == [] and batch_store.list_batches(alice.id) == []
