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

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.access import require_admin
from core.chat import ChatService, Choice
from core.csv_export import dicts_to_csv
from core.errors import AppError, InputRejected
from core.judging import prompts as judge_prompts
from core.judging import verdicts as v
from core.judging.report import FAILED, JUDGE_FAILED, PENDING, RUNNING, judgement_state
from core.judging.stats import Estimate, wilson
from core.ratings import A_BETTER, B_BETTER, BOTH_BAD, TIE
from core.store import judge_agreements as agreement_store
from core.store.judge_agreements import AgreementRequest
from core.store.judged_battles import JudgedBattle, VoteRow, judged_battles, vote_rows
from core.worker import BATCH_LANE

log = logging.getLogger(__name__)

DEFAULT_SAMPLE = 100  # battles re-judged per start: the newest not yet asked
CONCURRENCY = 2
POLL_S = 0.1
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


@dataclass
class _Run:
    user_id: int
    judge_model_id: str
    todo: deque[_Task] = field(default_factory=deque)
    in_flight: set[int] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class AgreementRunner:
    """Re-judges voted battles with a judge model, a few at a time, process-wide."""

    def __init__(self, chat: ChatService, *, concurrency: int = CONCURRENCY) -> None:
        self.chat = chat
        self.worker = chat.worker
        self.concurrency = concurrency
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()

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
        with self._lock:
            run = self._runs.get(judge_model_id)
            if run is None or run.stop.is_set():
                run = _Run(user_id, judge_model_id)
                self._runs[judge_model_id] = run
                run.thread = threading.Thread(
                    target=self._run, args=(run,), name=f"agreement-{judge_model_id}", daemon=True
                )
                run.todo.extend(tasks)
                run.thread.start()
            else:
                run.todo.extend(t for t in tasks if t not in run.todo)
        return len(tasks)

    def is_running(self, judge_model_id: str) -> bool:
        with self._lock:
            return judge_model_id in self._runs

    def wait(self, judge_model_id: str, timeout: float = 60.0) -> None:
        with self._lock:
            run = self._runs.get(judge_model_id)
        if run is not None and run.thread is not None:
            run.thread.join(timeout)
            if run.thread.is_alive():
                raise TimeoutError(f"re-judging with {judge_model_id} still running")

    def shutdown(self) -> None:
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            run.stop.set()
        for run in runs:
            if run.thread is not None:
                run.thread.join(5)

    def _run(self, run: _Run) -> None:
        try:
            while not run.stop.is_set():
                run.in_flight = {m for m in run.in_flight if self.worker.is_running(m)}
                with self._lock:
                    if not run.todo and not run.in_flight:
                        del self._runs[run.judge_model_id]
                        return
                    free = len(run.in_flight) < self.concurrency
                    task = run.todo.popleft() if run.todo and free else None
                if task is None:
                    run.stop.wait(POLL_S)
                    continue
                try:
                    self._ask(run, *task)
                except AppError as exc:  # this battle only; it is asked again next time
                    log.warning("re-judging vote %s not started: %s", task[0], exc)
            for message_id in run.in_flight:
                self.chat.stop(run.user_id, message_id)
            for message_id in run.in_flight:
                with contextlib.suppress(TimeoutError, KeyError):
                    self.worker.wait(message_id, timeout=10)
        finally:
            with self._lock:
                if self._runs.get(run.judge_model_id) is run:
                    del self._runs[run.judge_model_id]

    def _ask(self, run: _Run, vote_id: int, swapped: bool) -> None:
        choice = Choice(run.judge_model_id, None, JUDGE_TEMPERATURE, allow_fallback=False)
        existing = agreement_store.request_of(run.judge_model_id, vote_id, swapped)
        message_id = existing.message.id if existing and existing.message else None
        if message_id is None:
            battle = self._battle(vote_id)
            if battle is None:
                return
            sent = self.chat.draft(
                run.user_id,
                battle_prompt(battle, swapped),
                choice,
                kind="batch",
                system_prompt=judge_prompts.SYSTEM,
            )
            message_id = sent.assistant_message_id
            agreement_store.record(run.judge_model_id, vote_id, swapped, message_id)
        elif self.worker.is_running(message_id):
            return
        self.chat.generate(run.user_id, message_id, choice, lane=BATCH_LANE)
        if self.worker.is_running(message_id):
            run.in_flight.add(message_id)

    @staticmethod
    def _battle(vote_id: int) -> JudgedBattle | None:
        rows = [row for row in vote_rows() if row.vote_id == vote_id]
        battles = judged_battles(rows) if rows else []
        if not battles or not battles[0].text_known or not battles[0].prompts:
            return None
        return battles[0]


__all__ = ["Agreement", "AgreementRunner", "VoteRow", "agreement", "all_agreements"]
