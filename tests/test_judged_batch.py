"""Judged batches against the local test server, with scripted judge replies."""

import json
import time

import pytest

from core.batch import BatchRunner, JudgeSetting
from core.chat import Choice
from core.demo.replies import ErrorReply, StreamReply, error_body, text_stream
from core.judging import prompts as judge_prompts
from core.judging import verdicts as v
from core.judging.report import FAILED, build_report
from core.model_settings import ModelSettings
from core.store import batches as batch_store
from core.store import judging as judging_store
from core.store import processes
from core.store.batches import NewPrompt
from core.store.users import ensure_user

COLUMNS = [ModelSettings("m"), ModelSettings("m", temperature=0.7)]
ASSERT_PARIS = json.dumps({"contains": ["paris"]})


@pytest.fixture
def runner(make_chat):
    batches = BatchRunner(make_chat())
    yield batches
    batches.shutdown()


@pytest.fixture
def user(db):
    return ensure_user("alice")


def is_judge(request) -> bool:
    first = request.body["messages"][0]
    return first["role"] == "system" and first["content"] == judge_prompts.SYSTEM


def reply(text):
    return StreamReply(text_stream("r1", answer=[text], usage=(40, 10, None)))


def answer_then(judge):
    """Answers say "Paris" (longer at temperature 0.7); the judge replies with `judge`."""

    def respond(request):
        if is_judge(request):
            return judge(request)
        question = request.body["messages"][-1]["content"]
        long = request.body.get("temperature") == 0.7
        detail = " is the capital of France, on the Seine" if long else ""
        return reply(f"Paris{detail}. ({question})")

    return respond


def report_of(runner, user, batch):
    return build_report(
        batch_store.batch_prompts(user.id, batch.id),
        batch_store.batch_columns(user.id, batch.id),
        batch_store.batch_cells(user.id, batch.id),
        judging_store.criteria(user.id, batch.id),
        judging_store.judge_of(user.id, batch.id),
        judging_store.judgements(user.id, batch.id),
        runner.chat.catalog,
    )


def pointwise_judge(request):
    question = request.body["messages"][-1]["content"]
    if "Refuse me" in question:
        return reply("I can't evaluate this content.")
    if "Ramble" in question:
        return reply("A fine answer, I would say quite good.")  # no score
    if "Fail me" in question:
        return ErrorReply(400, error_body("judge broke", "invalid_request_error"))
    score = 9 if "capital of France" in question else 6
    return reply(json.dumps({"score": score, "reason": "Names Paris."}))


def test_pointwise_scores_pass_rates_and_malformed_replies(runner, user, server):
    server.default = answer_then(pointwise_judge)
    prompts = [
        NewPrompt("q1", "Capital?", expected="Paris", assertions=ASSERT_PARIS),
        NewPrompt("q2", "Again?", rubric="Names the city", assertions=ASSERT_PARIS),
        NewPrompt("q3", "Refuse me", assertions=json.dumps({"contains": ["London"]})),
        NewPrompt("q4", "Ramble"),
    ]
    batch = runner.create(user.id, "set", prompts, COLUMNS, judge=JudgeSetting("m"))
    runner.wait(batch.id)
    judge_requests = [r for r in server.requests if is_judge(r)]
    assert len(judge_requests) == 8  # every complete cell, once
    assert "[Reference answer" in judge_requests[0].body["messages"][-1]["content"]

    report = report_of(runner, user, batch)
    terse, verbose = report.columns
    # Pass rate: 2 of the 3 rows with assertions (q3 wants "London").
    assert terse.pass_rate.n == 3 and terse.pass_rate.value == pytest.approx(2 / 3)
    # Scores: q1, q2 only; the refusal and the ramble are recorded, not scored.
    assert terse.score.n == 2 and terse.score.value == 6.0
    assert verbose.score.value == 9.0
    assert (terse.refused, terse.malformed) == (1, 1)
    states = [report.rows[c.id].judge_state for c in batch_store.batch_cells(user.id, batch.id)]
    assert states == [v.SCORED] * 4 + [v.REFUSED] * 2 + [v.MALFORMED] * 2
    ramble = report.rows[batch_store.batch_cells(user.id, batch.id)[6].id]
    assert ramble.score is None and "quite good" in ramble.reason
    # The judge's own board: the verbose column scored higher on both prompts.
    assert [r.model_id for r in report.board.ratings] == ["m · t=0.7", "m"]
    assert report.cost.requests == 8 and report.cost.prompt_tokens == 8 * 40


def test_failed_judgements_are_rerun_alone(runner, user, server):
    server.default = answer_then(pointwise_judge)
    prompts = [NewPrompt("q1", "Capital?"), NewPrompt("q2", "Fail me")]
    batch = runner.create(user.id, "set", prompts, COLUMNS[:1], judge=JudgeSetting("m"))
    runner.wait(batch.id)
    report = report_of(runner, user, batch)
    assert [r.judge_state for r in report.rows.values()] == [v.SCORED, FAILED]
    assert report.columns[0].judge_failed == 1 and report.columns[0].score.n == 1
    cells = batch_store.batch_cells(user.id, batch.id)
    assert runner.failed_count(user.id, batch.id, cells) == 1

    server.requests.clear()
    server.default = answer_then(lambda r: reply('{"score": 4, "reason": "ok"}'))
    assert runner.rerun_failed(user.id, batch.id) == 1
    runner.wait(batch.id)
    assert len(server.requests) == 1 and is_judge(server.requests[0])  # no answer asked again
    report = report_of(runner, user, batch)
    assert [r.score for r in report.rows.values()] == [6, 4]


def test_pairwise_in_both_orders_cancels_position_bias(runner, user, server):
    # A judge that always prefers the first answer it is shown: every pair is inconsistent.
    server.default = answer_then(lambda r: reply('{"verdict": "A>B", "reason": "first"}'))
    prompts = [NewPrompt(f"q{i}", f"Question {i}") for i in range(3)]
    judge = JudgeSetting("m", v.PAIRWISE, baseline_position=0)
    batch = runner.create(user.id, "set", prompts, COLUMNS, judge=judge)
    runner.wait(batch.id)
    assert sum(is_judge(r) for r in server.requests) == 6  # 3 pairs, both orders
    report = report_of(runner, user, batch)
    baseline, candidate = report.columns
    assert baseline.is_baseline and (candidate.wins, candidate.ties, candidate.losses) == (0, 3, 0)
    assert report.board.ratings[0].ties == 3


def test_pairwise_consistent_preference_wins(runner, user, server):
    def prefers_longer(request):
        text = request.body["messages"][-1]["content"]
        a = text.split("[Answer A]")[1].split("[Answer B]")[0]
        b = text.split("[Answer B]")[1].split("Choose one verdict")[0]
        return reply(json.dumps({"verdict": "A>>B" if len(a) > len(b) else "B>A"}))

    server.default = answer_then(prefers_longer)
    prompts = [NewPrompt(f"q{i}", f"Question {i}") for i in range(4)]
    judge = JudgeSetting("m", v.PAIRWISE, baseline_position=0)
    batch = runner.create(user.id, "set", prompts, COLUMNS, judge=judge)
    runner.wait(batch.id)
    report = report_of(runner, user, batch)
    candidate = report.columns[1]
    assert (candidate.wins, candidate.ties, candidate.losses) == (4, 0, 0)
    row = report.rows[batch_store.batch_cells(user.id, batch.id)[1].id]
    assert row.verdicts == ("A>>B", "B>A") and row.outcome == v.WIN
    assert report.board.ratings[0].model_id == "m · t=0.7"


def test_a_judgement_cut_off_by_a_restart_is_failed_then_rerun(runner, user, server, make_chat):
    server.default = answer_then(pointwise_judge)
    batch = runner.create(user.id, "set", [NewPrompt("q1", "Capital?")], COLUMNS[:1])
    runner.wait(batch.id)
    judging_store.set_judge(user.id, batch.id, judging_store.JudgeView("m", v.POINTWISE, None))
    (cell,) = batch_store.batch_cells(user.id, batch.id)
    # A process stored the judge's request, then died before the reply was written:
    draft = runner.chat.draft(
        user.id, "judge this", Choice("m"), kind="batch", system_prompt=judge_prompts.SYSTEM
    )
    judging_store.record_judgement(user.id, cell.id, False, draft.assistant_message_id)
    processes.recover_orphans(now=time.time() + 3600)
    assert [r.judge_state for r in report_of(runner, user, batch).rows.values()] == [FAILED]

    fresh = BatchRunner(make_chat())  # the next process
    try:
        assert fresh.start(user.id, batch.id) == 0  # asked already: not asked twice
        assert fresh.rerun_failed(user.id, batch.id) == 1
        fresh.wait(batch.id)
        (row,) = report_of(fresh, user, batch).rows.values()
        assert (row.judge_state, row.score) == (v.SCORED, 6)
    finally:
        fresh.shutdown()


def test_a_pairwise_judge_needs_a_baseline(runner, user):
    from core.errors import InputRejected

    one_model = JudgeSetting("m", v.PAIRWISE, 0)
    with pytest.raises(InputRejected):
        runner.create(user.id, "set", [NewPrompt("q", "Q")], COLUMNS[:1], judge=one_model)
    with pytest.raises(InputRejected):
        runner.create(user.id, "set", [NewPrompt("q", "Q")], COLUMNS, judge=JudgeSetting("gpt-x"))


def test_a_strong_verdict_weighs_three_games_only_when_strong_in_both_orders():
    strong, plain, tie = 2, 1, 0
    assert v.outcome_weight(strong, strong) == 3
    assert v.outcome_weight(-strong, -strong) == 3  # a strong loss, too
    assert v.outcome_weight(strong, plain) == 1  # emphatic in one order only
    assert v.outcome_weight(strong, tie) == 1  # a tie, however strong one half
    assert v.outcome_weight(strong, -strong) == 1  # inconsistent: a tie


def test_pairwise_strong_wins_count_three_games_on_the_judges_board(runner, user, server):
    # Hand-computed: on "Strong" the longer answer (the candidate) is much better in
    # both orders: one row, 3 games won; on "Plain" the shorter answer (the baseline)
    # is better: one row, 1 game lost. Rows: 1 win, 1 loss. Board: 3 wins, 1 loss,
    # 4 games, observed win rate 3/4 — unweighted it would be 1-1, an even board.
    def judge(request):
        text = request.body["messages"][-1]["content"]
        a = text.split("[Answer A]")[1].split("[Answer B]")[0]
        b = text.split("[Answer B]")[1].split("Choose one verdict")[0]
        if "Strong" in text:
            verdict = "A>>B" if len(a) > len(b) else "B>>A"
        else:
            verdict = "A>B" if len(a) < len(b) else "B>A"
        return reply(json.dumps({"verdict": verdict}))

    server.default = answer_then(judge)
    prompts = [NewPrompt("s", "Strong question"), NewPrompt("p", "Plain question")]
    judge_setting = JudgeSetting("m", v.PAIRWISE, baseline_position=0)
    batch = runner.create(user.id, "set", prompts, COLUMNS, judge=judge_setting)
    runner.wait(batch.id)
    report = report_of(runner, user, batch)
    candidate = report.columns[1]
    assert (candidate.wins, candidate.ties, candidate.losses) == (1, 0, 1)
    top, bottom = report.board.ratings
    assert top.model_id == "m · t=0.7" and (top.wins, top.losses, top.battles) == (3, 1, 4)
    assert (bottom.wins, bottom.losses, bottom.battles) == (1, 3, 4)
    assert top.rating > bottom.rating
    i = report.board.models.index("m · t=0.7")
    assert report.board.win_rate[i, 1 - i] == pytest.approx(0.75)
