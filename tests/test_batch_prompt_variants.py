"""Prompt variants in batches: a column may carry its own system prompt, so a team
can A/B system prompts on one model with the batch's metrics."""

import csv
import io

import pytest

from core.batch import (
    BatchRunner,
    prompt_variants,
    result_rows,
    results_csv,
    variant_columns,
)
from core.chat_settings import MAX_SYSTEM_PROMPT_CHARS
from core.demo.replies import StreamReply, text_stream
from core.errors import SettingsRejected
from core.judging.report import column_label
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store.batches import NewPrompt
from core.store.db import session
from core.store.evaluation_export import evaluations_document
from core.store.users import ensure_user

PROMPTS = [NewPrompt("p1", "One"), NewPrompt("p2", "Two", "Be terse.")]
FRENCH = "Answer in French, whatever the language of the question."


@pytest.fixture
def runner(make_chat):
    batches = BatchRunner(make_chat())
    yield batches
    batches.shutdown()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def echo_system(request):
    first = request.body["messages"][0]
    system = first["content"] if first["role"] == "system" else "none"
    question = request.body["messages"][-1]["content"]
    return StreamReply(text_stream("r1", answer=[f"{question} under {system}"], usage=(4, 3, None)))


def test_variants_typed_on_the_form_become_one_column_per_model_and_variant():
    assert prompt_variants("") == [None]  # none typed: the rows' own prompts apply
    assert prompt_variants("  \n---\n ") == [None]
    assert prompt_variants("Be terse.\n---\nBe thorough.\nCite sources.\n---\n") == [
        "Be terse.",
        "Be thorough.\nCite sources.",
    ]
    columns = variant_columns(["m", "n"], 0.5, ["A", "B"])
    assert [(c.model_id, c.system_prompt, c.temperature) for c in columns] == [
        ("m", "A", 0.5),
        ("m", "B", 0.5),
        ("n", "A", 0.5),
        ("n", "B", 0.5),
    ]


def test_a_column_variant_replaces_the_rows_system_prompt(runner, user, server):
    server.default = echo_system
    columns = [ModelSettings("m"), ModelSettings("m", system_prompt=f"  {FRENCH}\n")]
    batch = runner.create(user.id, "ab.csv", PROMPTS, columns)
    runner.wait(batch.id)
    cells = batch_store.batch_cells(user.id, batch.id)
    assert [c.message.content for c in cells] == [
        "One under none",  # no variant: the row has no system prompt
        f"One under {FRENCH}",
        "Two under Be terse.",  # no variant: the row's own
        f"Two under {FRENCH}",  # the variant replaces it
    ]
    stored = batch_store.batch_columns(user.id, batch.id)
    assert [c.system_prompt for c in stored] == [None, FRENCH]  # stripped, as chat stores it

    prompts = batch_store.batch_prompts(user.id, batch.id)
    rows = result_rows(cells, prompts, stored, runner.chat.catalog)
    exported = list(csv.DictReader(io.StringIO(results_csv(rows))))
    assert [r["system_prompt"] for r in exported] == ["", FRENCH, "Be terse.", FRENCH]

    labels = [column_label(c) for c in stored]
    assert labels[0] == "m" and labels[1] == "m · “Answer in French, whatev…”"
    with session() as db:
        (document,) = evaluations_document(db, user.id)["batches"]
    assert [c["system_prompt"] for c in document["columns"]] == [None, FRENCH]


def test_a_variant_longer_than_chat_allows_is_refused_before_anything_is_stored(
    runner, user, server
):
    server.default = echo_system
    too_long = "x" * (MAX_SYSTEM_PROMPT_CHARS + 1)
    with pytest.raises(SettingsRejected):
        runner.create(user.id, "ab.csv", PROMPTS, [ModelSettings("m", system_prompt=too_long)])
    assert batch_store.list_batches(user.id) == [] and server.requests == []
    fits = "x" * MAX_SYSTEM_PROMPT_CHARS
    batch = runner.create(user.id, "ab.csv", PROMPTS, [ModelSettings("m", system_prompt=fits)])
    runner.wait(batch.id)
    assert batch_store.batch_columns(user.id, batch.id)[0].system_prompt == fits
