"""Judge–human agreement: a judge re-judges blind votes against the local test server."""

import json

import pytest

from core.demo.replies import ErrorReply, StreamReply, error_body, text_stream
from core.errors import AdminOnly
from core.judging import verdicts as v
from core.judging.agreement import AgreementRunner, agreement, all_agreements
from core.judging.report import JUDGE_FAILED
from core.ratings import A_BETTER, B_BETTER, BOTH_BAD, TIE
from core.store import judge_agreements as agreement_store
from core.store.judge_agreements import AgreementRequest
from core.store.users import ADMIN, ensure_user
from core.store.views import MessageView
from tests.battle_helpers import judged_battle


@pytest.fixture
def runner(make_chat):
    agreements = AgreementRunner(make_chat())
    yield agreements
    agreements.shutdown()


@pytest.fixture
def user(db):
    return ensure_user(
        "alice", role=ADMIN
    )  # re-judging is an admin's (it reads everyone's battles)


def reply(text):
    return StreamReply(text_stream("r1", answer=[text], usage=(30, 8, None)))


def prefers_correct(request):
    """A judge that prefers the answer saying "Paris", wherever it is shown."""
    text = request.body["messages"][-1]["content"]
    if "Refuse" in text:
        return reply("I cannot judge this.")
    if "Break" in text:
        return ErrorReply(400, error_body("judge broke", "invalid_request_error"))
    a = text.split("[Answer A]")[1].split("[Answer B]")[0]
    b = text.split("[Answer B]")[1].split("Choose one verdict")[0]
    if ("Paris" in a) == ("Paris" in b):
        return reply('{"verdict": "A=B", "reason": "same"}')
    return reply(json.dumps({"verdict": "A>B" if "Paris" in a else "B>>A", "reason": "Paris"}))


def test_share_of_human_votes_the_judge_agrees_with(runner, user, server):
    server.default = prefers_correct
    right, wrong = "It is Paris.", "It is Lyon."
    judged_battle(user.id, "x", "y", A_BETTER, answers_a=[right], answers_b=[wrong])  # agrees
    judged_battle(user.id, "x", "y", B_BETTER, answers_a=[wrong], answers_b=[right])  # agrees
    judged_battle(user.id, "x", "y", BOTH_BAD, answers_a=[wrong], answers_b=[wrong])  # tie = tie
    judged_battle(user.id, "x", "y", A_BETTER, answers_a=[wrong], answers_b=[right])  # disagrees
    judged_battle(user.id, "x", "y", TIE, prompts=["Refuse"])  # unscored
    judged_battle(user.id, "x", "y", TIE, prompts=["Break"])  # failed
    assert runner.start(user.id, "m") == 12  # six battles, both orders
    runner.wait("m")

    (found,) = all_agreements()
    assert (found.compared, found.agreed, found.unscored, found.failed) == (4, 3, 1, 1)
    assert found.share.value == 0.75
    assert found.share.low == pytest.approx(0.3006, abs=1e-3)  # Wilson, 3 of 4
    assert found.inconsistent == 0

    server.requests.clear()
    server.default = lambda r: reply('{"verdict": "A=B"}')
    assert runner.start(user.id, "m") == 2  # the failed battle's two requests, nothing new
    runner.wait("m")
    assert len(server.requests) == 2
    assert all_agreements()[0].compared == 5


def fake_request(vote_id, swapped, content, status="complete"):
    fields = dict.fromkeys(MessageView.__dataclass_fields__)
    fields.update(
        id=vote_id * 2 + swapped, content=content, status=status, reasoning="", attempts=1
    )
    return AgreementRequest("j", vote_id, swapped, MessageView(**fields))


def test_a_judge_that_always_prefers_the_first_answer_never_agrees_on_a_win():
    requests = [fake_request(1, s, '{"verdict": "A>B"}') for s in (False, True)]
    requests += [fake_request(2, s, '{"verdict": "A>B"}') for s in (False, True)]
    found = agreement("j", requests, {1: A_BETTER, 2: TIE})
    # Both pairs are inconsistent, so the judge says tie: it agrees only with the tie.
    assert (found.compared, found.agreed, found.inconsistent) == (2, 1, 2)
    assert agreement("j", [fake_request(3, False, "x", JUDGE_FAILED[0])], {3: TIE}).failed == 1
    assert agreement("j", requests[:1], {1: A_BETTER}).waiting == 1
    assert v.read_verdict('{"verdict": "A>B"}').outcome == v.SCORED


def test_only_an_admin_can_start_a_re_judging(runner, user):
    """The judge's prompts copy other people's battles into the asker's conversations."""
    judged_battle(user.id, "x", "y", A_BETTER)
    member = ensure_user("bob")
    with pytest.raises(AdminOnly):
        runner.start(member.id, "m")
    assert agreement_store.requests("m") == []
