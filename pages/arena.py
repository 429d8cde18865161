"""Arena: two hidden models answer; vote for the better one; then see who they were."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.arena import Battle
from core.attachments.for_model import is_described
from core.errors import AppError, VoteRefused
from core.ratings import A_BETTER, B_BETTER, BOTH_BAD, TIE
from core.store.views import COMPLETE
from ui import attachments as files_ui
from ui import state
from ui.bootstrap import ensure_run_through_app
from ui.compare_view import render_summary, render_turns, written_elsewhere
from ui.errors import describe
from ui.format import escape_markdown, model_label, model_name
from ui.live import follow
from ui.prompt_input import prompt_input
from ui.records import OpenRecord, page_header

WEB_SEARCH = "arena-web-search"  # one search per question, read by both sides
SHOWN_TURNS = 20
VOTES = (
    (A_BETTER, ":material/arrow_back:"),
    (B_BETTER, ":material/arrow_forward:"),
    (TIE, ":material/handshake:"),
    (BOTH_BAD, ":material/thumb_down:"),
)

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = state.catalog()  # in the reader's language
user = state.current_user()
arena = services.arena
opened = OpenRecord("arena-open", "battle")


def header(battle: Battle | None) -> None:
    history = []
    for item, vote in arena.history(user.id, limit=30):
        label = item.title or t("sidebar.untitled")
        if vote is not None:
            a, b = model_label(catalog, vote.model_a), model_label(catalog, vote.model_b)
            history.append((item, f"{label} · {a} vs {b}"))
        else:
            history.append((item, f"{label} · {t('arena.not_judged')}"))
    page_header(t, opened, prefix="arena", showing=battle is not None, history=history)


def titles_of(battle: Battle) -> list[str]:
    sides = [t("arena.model_a"), t("arena.model_b")]
    if not battle.revealed:
        return sides
    models = [battle.vote.model_a, battle.vote.model_b]
    return [f"{side} · {model_label(catalog, m)}" for side, m in zip(sides, models, strict=True)]


def voting(battle: Battle) -> None:
    """The four votes, once both latest answers are complete; why not, otherwise."""
    answers = battle.detail.latest_answers
    if any(a is None or a.status != COMPLETE for a in answers):
        st.caption(":material/how_to_vote: " + t("arena.cannot_vote_yet"))
        return
    st.markdown(f"**{t('arena.which_is_better')}**")
    for column, (outcome, icon) in zip(st.columns(len(VOTES)), VOTES, strict=True):
        if column.button(
            t(f"arena.vote.{outcome}"), icon=icon, key=f"vote-{outcome}", width="stretch"
        ):
            try:
                arena.vote(user.id, battle.id, outcome, answers[0].id, answers[1].id)
            except VoteRefused as refused:
                key = f"arena.refused.{refused.detail}"
                message = t(key) if t.has(key) else describe(t, refused.kind, refused.detail)
                st.session_state["arena-refused"] = message
            st.rerun()
    refused = st.session_state.pop("arena-refused", None)
    if refused:
        st.warning(escape_markdown(refused), icon=":material/block:")  # kept across a rerun


def reveal(battle: Battle) -> None:
    vote = battle.vote
    st.success(
        t(
            "arena.revealed",
            vote=t(f"arena.vote.{vote.outcome}"),
            a=model_name(catalog, vote.model_a),
            b=model_name(catalog, vote.model_b),
        ),
        icon=":material/visibility:",
    )


def file_chips(battle: Battle):
    """Chips under each question. Before the vote a chip does not say that an
    image was described for a side: that would tell a text-only model apart."""
    found = arena.files_of(user.id, battle)

    def chips(question) -> None:
        files = found.get(question.id, [])
        if not battle.revealed:
            files = [replace(f, note="") if is_described(f) else f for f in files]
        files_ui.chips(
            t,
            files,
            lambda model_id: model_label(catalog, model_id),
            download=(user.id, question.id),
        )

    return chips


def stop_elsewhere(battle: Battle) -> None:
    """Stop the battle's answers another process (a replica) is writing."""
    try:
        arena.stop(user.id, battle.id)
    except AppError as error:
        st.toast(describe(t, error.kind, error.detail), icon=":material/error:")


def show(battle: Battle) -> tuple[list, bool]:
    """The battle's turns; (answers followed live here, whether one is written elsewhere)."""
    titles = titles_of(battle)

    def retry(answer) -> None:
        try:
            arena.retry(user.id, battle.id, answer.id)
        except AppError as error:
            st.toast(describe(t, error.kind, error.detail), icon=":material/error:")
            return
        st.rerun()

    live = render_turns(
        t,
        catalog,
        services.worker,
        battle.detail,
        user_id=user.id,
        titles=titles,
        blind=not battle.revealed,
        retry=None if battle.revealed else retry,
        question_footer=file_chips(battle),
    )
    if live:
        return live, False
    if written_elsewhere(services.worker, user.id, battle.detail):
        # The cells follow its saves (ui/followed.py); no vote before both have ended.
        if st.button(t("compare.stop"), icon=":material/stop:", key="arena-stop"):
            stop_elsewhere(battle)
            st.rerun()
        return live, True
    if battle.revealed:
        reveal(battle)
        render_summary(t, catalog, titles, battle.detail.latest_answers)
    else:
        voting(battle)
    return live, False


def send(battle: Battle | None, text: str, files: list) -> None:
    """Ask both sides; the files read from the input go to each of them.
    `AppError` when refused (ui/prompt_input.py keeps the prompt and files)."""
    if battle is None or battle.revealed:
        web_search = bool(st.session_state.get(WEB_SEARCH))
        opened.open(arena.start_battle(user.id, text, files=files, web_search=web_search))
    else:
        arena.ask(user.id, battle.id, text, files=files)


def web_search_switch() -> None:
    if battle is None or battle.revealed:  # a new battle: follow-ups keep how it began
        st.toggle(t("websearch.switch"), key=WEB_SEARCH, help=t("websearch.switch_help"))


battle = opened.current(
    lambda battle_id: arena.battle(user.id, battle_id, last_turns=SHOWN_TURNS),
    lambda public_id: arena.find(user.id, public_id),
    t("arena.not_found"),
)
header(battle)
can_battle = len(arena.contenders(user.id)) >= 2
live = []
elsewhere = False  # an answer of the battle is being written by another process
intro_slot, battle_slot = st.empty(), st.empty()  # see pages/compare.py
if battle is None:
    battle_slot.empty()
    with intro_slot.container():
        st.caption(t("arena.intro"))
        if not can_battle:
            st.info(t("arena.need_two"), icon=":material/group_off:")
else:
    intro_slot.empty()
    with battle_slot.container():
        live, elsewhere = show(battle)

busy = bool(live) or elsewhere
if busy:
    placeholder = t("compare.answering")
elif battle is not None and battle.revealed:
    placeholder = t("arena.placeholder_new")
elif battle is not None:
    placeholder = t("arena.placeholder_follow_up")
else:
    placeholder = t("arena.placeholder")
prompt_input(
    t,
    "arena",
    placeholder=placeholder,
    enabled=can_battle and not busy,
    send=lambda text, files: send(battle, text, files),
    above=web_search_switch,
)
if live:
    follow(live)
