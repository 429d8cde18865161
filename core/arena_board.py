"""The leaderboard a team can trust: which votes count, and which fit ranks them.

Every vote is annotated from its battle's stored text (core/store/judged_battles):
the style of each side's answers (core/style.py), the battle's categories
(core/battle_categories.py) and whether an answer named a model
(core/deblinding.py). A board is then fitted on a selection of the votes:

* de-blinded battles are left out unless the viewer includes them;
* a category board keeps the battles of that category;
* the style-controlled fit (core/style_control.py) needs both sides' text, so
  votes whose battle was deleted are left out of it and of every category
  board; the raw board over all categories keeps them (their outcome and
  models are all it needs, and they were blind as far as anyone can tell).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.battle_categories import CATEGORIES, categories
from core.deblinding import is_deblinded
from core.ratings import Leaderboard, VoteCell, leaderboard
from core.store.judged_battles import JudgedBattle, judged_battles, vote_rows
from core.style import style_of
from core.style_control import StyledVote, style_controlled_leaderboard

BOOTSTRAP_ROUNDS = 200
# LMArena's choice too: 100 replicates for the per-vote fit, whose replicates
# each cost a solve over every vote rather than over the tallied pairs.
STYLE_BOOTSTRAP_ROUNDS = 100


@dataclass(frozen=True)
class AnnotatedVote:
    vote_id: int
    model_a: str
    model_b: str
    outcome: str
    text_known: bool  # False once the battle was deleted (the vote stays)
    style_a: tuple[int, ...] = ()
    style_b: tuple[int, ...] = ()
    categories: frozenset[str] = frozenset()
    deblinded: bool = False


@dataclass(frozen=True)
class BoardOptions:
    style_control: bool = False
    category: str | None = None  # one of CATEGORIES; None for every battle
    include_deblinded: bool = False


@dataclass(frozen=True)
class ArenaBoard:
    board: Leaderboard
    options: BoardOptions
    used: int  # votes the board is fitted on
    deblinded_left_out: int  # of the selection, left out as de-blinded
    without_text: int  # of the selection, left out because the battle was deleted


def annotate(battle: JudgedBattle, names: tuple[str, ...] = ()) -> AnnotatedVote:
    """What the leaderboard derives from one vote's battle."""
    if not battle.text_known:
        return AnnotatedVote(
            battle.vote_id, battle.model_a, battle.model_b, battle.outcome, text_known=False
        )
    answers = battle.answers_a + battle.answers_b
    return AnnotatedVote(
        battle.vote_id,
        battle.model_a,
        battle.model_b,
        battle.outcome,
        text_known=True,
        style_a=style_of(battle.answers_a).as_tuple(),
        style_b=style_of(battle.answers_b).as_tuple(),
        categories=categories(battle.prompts, answers),
        deblinded=is_deblinded(answers, names),
    )


def annotated_votes(names: tuple[str, ...] = ()) -> tuple[AnnotatedVote, ...]:
    """Every stored vote, annotated; `names` adds the catalog's model names to
    those de-blinding looks for (core.deblinding.names_in_catalog)."""
    return VoteAnnotations(names).refresh()


class VoteAnnotations:
    """Annotations kept between refits, so a new vote costs one battle's reading.

    Reading every battle's text and annotating it costs about 0.3 ms a vote;
    done again for every new vote, that grows with the arena. A vote's text
    never changes once cast, so an annotation stays valid while the vote still
    points at the same two answers; deleting the battle nulls them, and the
    vote is annotated again (as text unknown). One instance per database,
    shared by every session of the process.
    """

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        self._names = names
        self._known: dict[tuple[int, int | None, int | None], AnnotatedVote] = {}
        self._lock = threading.Lock()  # two sessions refreshing at once read once

    def refresh(self) -> tuple[AnnotatedVote, ...]:
        """Every stored vote, annotated; only votes not seen before are read."""
        with self._lock:
            rows = vote_rows()
            keys = [(r.vote_id, r.message_a_id, r.message_b_id) for r in rows]
            unseen = [r for r, key in zip(rows, keys, strict=True) if key not in self._known]
            fresh = {b.vote_id: annotate(b, self._names) for b in judged_battles(unseen)}
            # rebuilt from the stored votes, so a vote that is gone is dropped
            known = {key: self._known.get(key) or fresh[key[0]] for key in keys}
            self._known = known
            return tuple(known[key] for key in keys)


def fit_board(
    votes: Sequence[AnnotatedVote],
    options: BoardOptions,
    *,
    rounds: int | None = None,
    seed: int = 0,
) -> ArenaBoard:
    """The board for these options: selection first, then the raw or styled fit."""
    # A vote whose battle was deleted has no category: it is counted as left
    # out of every category board, not as outside the category.
    needs_text = options.category is not None or options.style_control
    without_text = sum(not v.text_known for v in votes) if needs_text else 0
    selected = [v for v in votes if v.text_known or not needs_text]
    if options.category is not None:
        selected = [v for v in selected if options.category in v.categories]
    deblinded = sum(v.deblinded for v in selected)
    if not options.include_deblinded:
        selected = [v for v in selected if not v.deblinded]
    if options.style_control:
        board = style_controlled_leaderboard(
            [StyledVote(v.model_a, v.model_b, v.outcome, v.style_a, v.style_b) for v in selected],
            rounds=STYLE_BOOTSTRAP_ROUNDS if rounds is None else rounds,
            seed=seed,
        )
    else:
        board = leaderboard(
            _tallied(selected), rounds=BOOTSTRAP_ROUNDS if rounds is None else rounds, seed=seed
        )
    left_out = 0 if options.include_deblinded else deblinded
    return ArenaBoard(board, options, board.votes, left_out, without_text)


def category_counts(
    votes: Iterable[AnnotatedVote], include_deblinded: bool = False
) -> dict[str, int]:
    """Votes per category board, as the filter shows them."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for vote in votes:
        if vote.deblinded and not include_deblinded:
            continue
        for category in vote.categories:
            counts[category] += 1
    return counts


def _tallied(votes: Iterable[AnnotatedVote]) -> list[VoteCell]:
    cells: dict[tuple[str, str, str], int] = {}
    for v in votes:
        key = (v.model_a, v.model_b, v.outcome)
        cells[key] = cells.get(key, 0) + 1
    return [VoteCell(a, b, outcome, count) for (a, b, outcome), count in cells.items()]
