"""The blind arena: two random models answer, the user votes, then names are revealed.

A battle is a comparison of two columns, "Model A" (left) and "Model B"
(right). The two models are drawn at random, weighted by their catalog
`arena_weight`, among models that can answer now (a route set up and not
paused by its circuit breaker), and which one sits on the left is a coin toss.
Fallback is off in battles: an answer from a stand-in model would be judged
under the wrong name.

A vote names the exact two answers judged (the latest turn of each side) and
is refused, and not stored, unless both are complete: not failed, stopped,
interrupted or still being written. Follow-up prompts are allowed until the
vote; after it the battle is closed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core import access
from core.attachments import for_model
from core.attachments.model import IMAGE, Attachment
from core.catalog import Catalog, Model
from core.chat import ChatService
from core.compare import CompareService, ComparisonDetail
from core.csv_export import to_csv
from core.errors import InputRejected, VoteRefused
from core.model_settings import ModelSettings
from core.ratings import OUTCOMES
from core.resilience.breaker import BreakerBoard, BreakerState, BreakerView
from core.store import comparisons as comparison_store
from core.store import votes as vote_store
from core.store.comparisons import ARENA, ComparisonView
from core.store.views import COMPLETE, ERROR, INTERRUPTED, STOPPED, MessageView
from core.store.votes import VoteView

# Why a vote was refused: a reason code the page translates (arena.refused.<code>).
REFUSED_BY_STATUS = {ERROR: "failed", STOPPED: "stopped", INTERRUPTED: "interrupted"}


@dataclass(frozen=True)
class Battle:
    detail: ComparisonDetail
    vote: VoteView | None

    @property
    def id(self) -> int:
        return self.detail.comparison.id

    @property
    def revealed(self) -> bool:
        """Names are shown only once the battle has been judged."""
        return self.vote is not None


def drawable_models(catalog: Catalog, breakers: Sequence[BreakerView]) -> list[Model]:
    """Models that can answer now and may be drawn (weight above zero)."""
    paused = {
        view.route_key
        for view in breakers
        if view.state is BreakerState.OPEN and view.retry_in_s > 0
    }
    return [
        model
        for model in catalog.models.values()
        if model.arena_weight > 0
        and any(route.key not in paused for route in catalog.available_routes(model))
    ]


def can_take_images(catalog: Catalog, model: Model) -> bool:
    """Whether `model` sees images, or has a vision model to describe them."""
    return model.vision or for_model.describer_for(catalog, model) is not None


def draw_pair(models: Sequence[Model], rng: random.Random) -> tuple[Model, Model]:
    """Two different models, weighted by `arena_weight`, in random left/right order."""
    if len(models) < 2:
        raise InputRejected("the arena needs two models that can answer")
    pool = list(models)
    first = rng.choices(pool, weights=[m.arena_weight for m in pool])[0]
    pool.remove(first)
    second = rng.choices(pool, weights=[m.arena_weight for m in pool])[0]
    # The heavier model tends to be drawn first; the coin toss keeps it off
    # the left side more often than chance would put it there.
    return (first, second) if rng.random() < 0.5 else (second, first)


class Arena:
    """Every workflow of the blind battles, built once per process (core/services.py).

    `breakers` are the worker's circuit breakers (a paused route is not drawn);
    `is_running` says whether the worker is still writing an answer (no vote
    on it); `compare` runs the battles' two columns."""

    def __init__(
        self,
        chat: ChatService,
        *,
        breakers: BreakerBoard,
        is_running: Callable[[int], bool],
        compare: CompareService | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.chat = chat
        self.breakers = breakers
        self.is_running = is_running
        self.compare = compare or CompareService(chat, kind=ARENA)
        self.rng = rng or random.Random()

    def find(self, user_id: int, public_id: str) -> ComparisonView:
        """A battle by the id in the URL, among the user's own only."""
        return self.compare.find(user_id, public_id)

    def files_of(self, user_id: int, battle: Battle) -> dict[int, list[Attachment]]:
        """The files under each question shown (names, no text), by question id."""
        return self.compare.files_of(user_id, battle.detail)

    def stop(self, user_id: int, battle_id: int) -> None:
        """Stop both sides' answers, here or in another process (which reads the
        request at its next save: core/store/stops.py)."""
        for answer in self.battle(user_id, battle_id, last_turns=1).detail.latest_answers:
            if answer is not None and answer.unfinished:
                self.chat.stop(user_id, answer.id)

    def delete(self, user_id: int, battle_id: int) -> None:
        """Delete a battle: answers stopped, then erased for real (its vote, if
        any, stays for the leaderboard without the text)."""
        self.battle(user_id, battle_id, last_turns=1)  # owner and kind first
        self.compare.delete(user_id, battle_id)

    def contenders(self, user_id: int | None = None) -> list[Model]:
        """Models that may be drawn now; for `user_id`, only those they may use."""
        models = drawable_models(self.chat.catalog, self.breakers.views())
        if user_id is None:
            return models
        allowed = access.allowed_models(self.chat.catalog, user_id)
        return [model for model in models if model.id in allowed]

    def start_battle(
        self,
        user_id: int,
        text: str,
        *,
        files: Sequence[Attachment] = (),
        web_search: bool = False,
    ) -> ComparisonView:
        """Draw two models the person may use and ask both the first prompt.

        Both sides read the same `files` (images described for a text-only
        side) and, with `web_search`, the same numbered sources of one search.
        """
        contenders = self.contenders(user_id)
        if any(f.kind == IMAGE for f in files):
            # A side that could not read the image would be refused by name.
            contenders = [m for m in contenders if can_take_images(self.chat.catalog, m)]
        model_a, model_b = draw_pair(contenders, self.rng)
        settings = [ModelSettings(model_a.id), ModelSettings(model_b.id)]
        return self.compare.start(
            user_id, text, settings, allow_fallback=False, files=files, web_search=web_search
        )

    def ask(
        self, user_id: int, battle_id: int, text: str, *, files: Sequence[Attachment] = ()
    ) -> None:
        """A follow-up prompt to both sides; only before the vote. Web search
        stays as the battle was started."""
        if vote_store.vote_for(user_id, battle_id) is not None:
            raise InputRejected("this battle has been judged; start a new one")
        self.compare.follow_up(user_id, battle_id, text, allow_fallback=False, files=files)

    def retry(self, user_id: int, battle_id: int, answer_id: int) -> None:
        if vote_store.vote_for(user_id, battle_id) is not None:
            raise InputRejected("this battle has been judged; start a new one")
        self.compare.retry(user_id, battle_id, answer_id, allow_fallback=False)

    def battle(self, user_id: int, battle_id: int, *, last_turns: int | None = None) -> Battle:
        detail = self.compare.detail(user_id, battle_id, last_turns=last_turns)
        if detail.comparison.mode != ARENA:
            raise InputRejected("not an arena battle")
        return Battle(detail, vote_store.vote_for(user_id, battle_id))

    def vote(
        self, user_id: int, battle_id: int, outcome: str, message_a_id: int, message_b_id: int
    ) -> VoteView:
        """Judge the two answers shown; `VoteRefused` (nothing stored) if they cannot count."""
        if outcome not in OUTCOMES:
            raise VoteRefused("unknown_outcome")
        battle = self.battle(user_id, battle_id, last_turns=1)
        if battle.vote is not None:
            raise VoteRefused("already_voted")
        answers = battle.detail.latest_answers
        if len(answers) != 2 or any(answer is None for answer in answers):
            raise VoteRefused("no_answer")
        answer_a, answer_b = answers
        if (answer_a.id, answer_b.id) != (message_a_id, message_b_id):
            raise VoteRefused("changed")  # a newer turn was asked in another tab
        for answer in answers:
            self._check_votable(answer)
        return vote_store.record_vote(
            user_id,
            battle_id,
            outcome,
            message_a_id=answer_a.id,
            message_b_id=answer_b.id,
            model_a=answer_a.model_id,
            model_b=answer_b.model_id,
        )

    def _check_votable(self, answer: MessageView) -> None:
        if answer.status in REFUSED_BY_STATUS:
            raise VoteRefused(REFUSED_BY_STATUS[answer.status])
        if answer.status != COMPLETE or self.is_running(answer.id):
            raise VoteRefused("unfinished")
        if answer.degraded or not answer.model_id:
            raise VoteRefused("degraded")

    def history(
        self, user_id: int, *, limit: int = 50
    ) -> list[tuple[ComparisonView, VoteView | None]]:
        """The user's battles, newest first, with their votes."""
        battles = comparison_store.list_comparisons(user_id, ARENA, limit=limit)
        votes = vote_store.votes_for(user_id, [b.id for b in battles])
        return [(battle, votes.get(battle.id)) for battle in battles]


BATTLE_COLUMNS = [
    "battle",
    "created_at",
    "title",
    "outcome",
    "model_a",
    "model_b",
    "message_a_id",
    "message_b_id",
    "voted_at",
]


def battles_csv(history: Sequence[tuple[ComparisonView, VoteView | None]]) -> str:
    """One CSV row per battle; models stay blank until the battle is judged."""
    rows = []
    for battle, vote in history:
        judged = [""] * 6
        if vote is not None:
            judged = [vote.outcome, vote.model_a, vote.model_b]
            judged += [vote.message_a_id, vote.message_b_id, vote.created_at]
        rows.append([battle.public_id, battle.created_at, battle.title, *judged])
    return to_csv(BATTLE_COLUMNS, rows)
