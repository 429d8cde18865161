"""Judge–human agreement: how often a judge model agrees with blind human votes.

A judge re-judges arena battles that people voted on blind: the last question
and the two answers, pairwise, in both orders (so the judge's position bias
cancels, as in judged batches). Its outcome for a battle is A better, B
better or a tie (core/judging/verdicts.combine_orders: an inconsistent pair
is a tie). The human outcome is the vote, with "both are bad" counted as a
tie, as the ratings count it. Agreement is the share of re-judged battles
where the two outcomes are the same, with Wilson's 95 % interval. Battles
where a reply was malformed, refused or failed are left out and counted.

The requests go through the same path as everything else (the batch lane,
the provider queues, retries), a few at a time, and their replies are stored,
so a reload or a restart loses nothing; a failed request is asked again the
next time re-judging is started.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from core.access import require_admin
from core.chat import ChatService, Choice
from core.csv_export import dicts_to_csv
from core.errors import InputRejected
from core.judging import prompts as judge_prompts
from core.judging import verdicts as v
from core.judging.report import FAILED, JUDGE_FAILED, PENDING, RUNNING, judgement_state
from core.judging.stats import Estimate, wilson
from core.ratings import A_BETTER, B_BETTER, BOTH_BAD, TIE
from core.store import judge_agreements as agreement_store
from core.store.judge_agreements import AgreementRequest
from core.store.judged_battles import JudgedBattle, VoteRow, judged_battles, vote_rows
from core.task_runs import Run, TaskRuns
from core.worker import BATCH_LANE

log = logging.getLogger(__name__)

DEFAULT_SAMPLE = 100  # battles re-judged per start: the newest not yet asked
CONCURRENCY = 2
JUDGE_TEMPERATURE = 0.0


@dataclass(frozen=True)
class Agreement:
    judge_model_id: str
    compared: int  # battles with both orders scored
    agreed: int
    share: Estimate | None  # agreed / compared, Wilson 95 %
    inconsistent: int  # of compared: the judge changed sides when the answers swapped
    unscored: int  # battles with a malformed or refused reply
    failed: int  # battles with a failed request (asked again on the next start)
    waiting: int  # battles still being judged


def human_outcome(outcome: str) -> str:
    return TIE if outcome == BOTH_BAD else outcome


def judge_outcome(first: v.Verdict, swapped: v.Verdict) -> tuple[str, bool]:
    """The judge's outcome for side A from both orders, and whether it was inconsistent."""
    a_first = v.candidate_points(first, swapped=False)
    a_second = v.candidate_points(swapped, swapped=True)
    outcome = {v.WIN: A_BETTER, v.LOSS: B_BETTER, v.TIE: TIE}[v.combine_orders(a_first, a_second)]
    return outcome, a_first * a_second < 0


def agreement(
    judge_model_id: str, requests: Sequence[AgreementRequest], votes: dict[int, str]
) -> Agreement:
    """One judge's agreement with the human outcomes `votes` (vote id -> outcome)."""
    by_vote: dict[int, dict[bool, AgreementRequest]] = {}
    for request in requests:
        if request.judge_model_id == judge_model_id and request.vote_id in votes:
            by_vote.setdefault(request.vote_id, {})[request.swapped] = request
    compared = agreed = inconsistent = unscored = failed = waiting = 0
    for vote_id, orders in by_vote.items():
        states = [judgement_state(orders.get(order), v.PAIRWISE) for order in (False, True)]
        names = {state for state, _ in states}
        if FAILED in names:
            failed += 1
        elif names & {PENDING, RUNNING}:
            waiting += 1
        elif names != {v.SCORED}:
            unscored += 1
        else:
            compared += 1
            outcome, flipped = judge_outcome(states[0][1], states[1][1])
            agreed += outcome == human_outcome(votes[vote_id])
            inconsistent += flipped
    return Agreement(
        judge_model_id,
        compared,
        agreed,
        wilson(agreed, compared),
        inconsistent,
        unscored,
        failed,
        waiting,
    )


def all_agreements() -> list[Agreement]:
    """Every judge that has re-judged battles, best agreement first."""
    requests = agreement_store.requests()
    votes = {row.vote_id: row.outcome for row in vote_rows()}
    judges = sorted({r.judge_model_id for r in requests})
    found = [agreement(judge, requests, votes) for judge in judges]
    return sorted(found, key=lambda a: a.share.value if a.share else -1.0, reverse=True)


AGREEMENT_COLUMNS = [
    "judge",
    "compared",
    "agreed",
    "agreement",
    "low",
    "high",
    "inconsistent",
    "unscored",
    "failed",
    "waiting",
]


def agreements_csv(found: Sequence[Agreement]) -> str:
    return dicts_to_csv(
        AGREEMENT_COLUMNS,
        (
            {
                "judge": a.judge_model_id,
                "compared": a.compared,
                "agreed": a.agreed,
                "agreement": a.share.value if a.share else None,
                "low": a.share.low if a.share else None,
                "high": a.share.high if a.share else None,
                "inconsistent": a.inconsistent,
                "unscored": a.unscored,
                "failed": a.failed,
                "waiting": a.waiting,
            }
            for a in found
        ),
    )


def battle_prompt(battle: JudgedBattle, swapped: bool) -> str:
    """The judge's pairwise prompt for a battle's last turn (A first unless swapped)."""
    a, b = battle.answers_a[-1], battle.answers_b[-1]
    if swapped:
        a, b = b, a
    return judge_prompts.pairwise_prompt(battle.prompts[-1], a, b, rubric=None, expected=None)


_Task = tuple[int, bool]  # (vote id, swapped)


class AgreementRunner:
    """Re-judges voted battles with a judge model, a few at a time, process-wide."""

    def __init__(self, chat: ChatService, *, concurrency: int = CONCURRENCY) -> None:
        self.chat = chat
        self.worker = chat.worker
        self.concurrency = concurrency
        self._runs = TaskRuns(
            chat,
            "agreement",
            start=self._ask,
            has_room=lambda run: len(run.in_flight) < self.concurrency,
        )

    def start(self, user_id: int, judge_model_id: str, *, sample: int = DEFAULT_SAMPLE) -> int:
        """Ask the judge about the newest `sample` battles it has not judged, and
        again where its request failed; returns how many requests were queued.
        Admins only (`AdminOnly`): the judge's prompts copy other people's
        battles into the asking person's conversations."""
        require_admin(user_id)
        if self.chat.catalog.model(judge_model_id) is None:
            raise InputRejected(f"unknown judge model {judge_model_id}")
        asked = {(r.vote_id, r.swapped): r for r in agreement_store.requests(judge_model_id)}
        asked_votes = {vote_id for vote_id, _ in asked}
        # Asked again: failed requests, and an order a stopped run never asked.
        retry = [
            (vote_id, swapped)
            for vote_id in sorted(asked_votes)
            for swapped in (False, True)
            if (vote_id, swapped) not in asked
            or asked[(vote_id, swapped)].message is None
            or asked[(vote_id, swapped)].message.status in JUDGE_FAILED
        ]
        fresh = [
            row.vote_id
            for row in reversed(vote_rows())
            if row.vote_id not in asked_votes and row.message_a_id and row.message_b_id
        ][:sample]
        tasks = retry + [(vote_id, swapped) for vote_id in fresh for swapped in (False, True)]
        self._runs.enqueue(judge_model_id, user_id, tasks)
        return len(tasks)

    def is_running(self, judge_model_id: str) -> bool:
        return self._runs.is_running(judge_model_id)

    def wait(self, judge_model_id: str, timeout: float = 60.0) -> None:
        self._runs.wait(judge_model_id, timeout)

    def shutdown(self) -> None:
        self._runs.shutdown()

    def _ask(self, run: Run, task: _Task) -> int | None:
        vote_id, swapped = task
        judge_model_id = run.key
        choice = Choice(judge_model_id, None, JUDGE_TEMPERATURE, allow_fallback=False)
        existing = agreement_store.request_of(judge_model_id, vote_id, swapped)
        message_id = existing.message.id if existing and existing.message else None
        if message_id is None:
            battle = self._battle(vote_id)
            if battle is None:
                return None
            sent = self.chat.draft(
                run.user_id,
                battle_prompt(battle, swapped),
                choice,
                kind="batch",
                system_prompt=judge_prompts.SYSTEM,
            )
            message_id = sent.assistant_message_id
            agreement_store.record(judge_model_id, vote_id, swapped, message_id)
        elif self.worker.is_running(message_id):
            return None
        self.chat.generate(run.user_id, message_id, choice, lane=BATCH_LANE)
        return message_id

    @staticmethod
    def _battle(vote_id: int) -> JudgedBattle | None:
        rows = [row for row in vote_rows() if row.vote_id == vote_id]
        battles = judged_battles(rows) if rows else []
        if not battles or not battles[0].text_known or not battles[0].prompts:
            return None
        return battles[0]


__all__ = ["Agreement", "AgreementRunner", "VoteRow", "agreement", "all_agreements"]
