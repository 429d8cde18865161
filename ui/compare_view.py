"""Answers side by side: the turns of a comparison or a battle, in columns.

Every prompt is shown once across the page, then each column's answer under
its own header, each with its own reasoning panel. Answers still being
written are followed live (ui/live.py); finished ones are rendered from the
database with their metrics. In blind mode (an arena battle before the vote)
nothing that could name a model or a provider is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import streamlit as st

from core.catalog import Catalog
from core.compare import ComparisonDetail
from core.events import Phase
from core.i18n import Translator
from core.metrics import AnswerMetrics, answer_metrics, winners
from core.progress import Snapshot
from core.store.views import ERROR, INTERRUPTED, STOPPED, ConversationView, MessageView
from core.worker import Worker
from ui.errors import describe
from ui.followed import follow_from_store
from ui.format import escape_markdown, model_label
from ui.live import LiveAnswer, phase_text
from ui.message import (
    degraded_note,
    render_outcome,
    render_question,
    render_reasoning,
    render_text,
)
from ui.web_search import render_sources, stored_sources, web_status_text, with_linked_citations

Retry = Callable[[MessageView], None]


def settings_label(t: Translator, catalog: Catalog, conversation: ConversationView) -> str:
    """A column's model and the settings that set it apart."""
    parts = [model_label(catalog, conversation.model_id)]
    model = catalog.model(conversation.model_id)
    if model is not None and model.has_thinking_switch and conversation.thinking is not None:
        parts.append(t("compare.thinking_on" if conversation.thinking else "compare.thinking_off"))
    if conversation.temperature is not None:
        parts.append(t("compare.temperature_value", value=f"{conversation.temperature:g}"))
    if conversation.system_prompt:  # a prompt variant; titles are escaped where shown
        flat = " ".join(conversation.system_prompt.split())
        parts.append(t("compare.system_variant", text=flat[:40] + ("…" if len(flat) > 40 else "")))
    return " · ".join(parts)


def temperature_input(t: Translator, *, key: str) -> float | None:
    """An optional temperature: empty means the model's default."""
    return st.number_input(
        t("compare.temperature"),
        min_value=0.0,
        max_value=2.0,
        value=None,
        step=0.1,
        placeholder=t("compare.temperature_default"),
        key=key,
        help=t("compare.temperature_help"),
    )


def blind_status_text(t: Translator, _catalog: Catalog, snapshot: Snapshot) -> str:
    """The live status line of a hidden model: the phase, never a name."""
    if snapshot.error is not None and snapshot.done:
        return describe(t, snapshot.error.kind, "", provider=t("arena.hidden_provider"))
    if snapshot.status is None or snapshot.done:
        return ""
    if snapshot.status.phase in (Phase.SEARCHING, Phase.READING):
        # The query and the page count are the battle's, alike on both sides.
        return web_status_text(t, _catalog, snapshot)
    hidden = t("arena.hidden_provider")
    status = replace(snapshot.status, provider=hidden, model="", extra={"from": hidden})
    return phase_text(t, status)


def render_turns(
    t: Translator,
    catalog: Catalog,
    worker: Worker,
    detail: ComparisonDetail,
    *,
    user_id: int,
    titles: Sequence[str],
    blind: bool,
    retry: Retry | None,
    question_footer: Callable[[MessageView], None] | None = None,
) -> list[LiveAnswer]:
    """Every turn, oldest first; returns the answers still being written.
    `question_footer` draws under each question (its attached files)."""
    header = st.columns(len(titles))
    for column, title in zip(header, titles, strict=True):
        column.markdown(f"**{escape_markdown(title)}**")
    live: list[LiveAnswer] = []
    for index, turn in enumerate(detail.turns):
        newest = index == len(detail.turns) - 1
        footer = (lambda q=turn.question: question_footer(q)) if question_footer else None
        render_question(turn.question, footer)
        columns = st.columns(len(titles))
        for column, answer in zip(columns, turn.answers, strict=True):
            with column.container(border=True):
                live_answer = _render_cell(
                    t, catalog, worker, user_id, answer, blind, newest, retry
                )
                if live_answer is not None:
                    live.append(live_answer)
    return live


def _render_cell(
    t: Translator,
    catalog: Catalog,
    worker: Worker,
    user_id: int,
    answer: MessageView | None,
    blind: bool,
    newest: bool,
    retry: Retry | None,
) -> LiveAnswer | None:
    if answer is None:
        st.caption("–")
        return None
    progress = worker.progress_of(user_id, answer.id)
    if progress is not None and (answer.unfinished or not progress.done):
        describe_status = blind_status_text if blind else web_status_text
        return LiveAnswer(t, catalog, progress, st.container(), describe_status=describe_status)
    if answer.unfinished:  # written by another process (replica): follow its saves;
        follow_from_store(t, user_id, answer)  # the page's "Stop all" reaches it
        return None
    # Sources are shown in a blind battle too: both sides read the same ones
    # (one shared search), so they say nothing about which model is which.
    sources = stored_sources(user_id, answer)
    render_answer(t, catalog, with_linked_citations(answer, sources), blind=blind, lazy=not newest)
    render_sources(t, answer, sources)
    if not blind:
        st.caption(metrics_text(t, catalog, answer_metrics(answer, catalog.model(answer.model_id))))
    failed = answer.status in (ERROR, STOPPED, INTERRUPTED)
    if (
        retry is not None
        and newest
        and failed
        and st.button(t("answer.retry"), key=f"retry-{answer.id}", icon=":material/refresh:")
    ):
        retry(answer)
    return None


def written_elsewhere(worker: Worker, user_id: int, detail: ComparisonDetail) -> bool:
    """Whether a column's newest answer is being written by another process."""
    return any(
        answer is not None and answer.unfinished and worker.progress_of(user_id, answer.id) is None
        for answer in detail.latest_answers
    )


def render_answer(
    t: Translator, catalog: Catalog, message: MessageView, *, blind: bool, lazy: bool
) -> None:
    """A finished answer: reasoning panel, text, and a plain word if it is not complete."""
    note = None if blind else degraded_note(t, catalog, message)
    if note:
        st.caption(f":material/swap_horiz: {note}")
    render_reasoning(t, message, lazy=lazy)
    if message.content:
        render_text(t, message.content, key=f"a-{message.id}")  # the same render budget as chat
    if not blind:
        render_outcome(t, catalog, message)
    elif message.status == STOPPED:
        st.caption(f":material/stop_circle: {t('answer.stopped')}")
    elif message.status in (ERROR, INTERRUPTED):
        # The provider's own words could name it: say only what happened.
        kind = message.error_kind or "interrupted"
        hidden = t("arena.hidden_provider")
        st.warning(describe(t, kind, "", provider=hidden), icon=":material/warning:")


def metrics_text(t: Translator, catalog: Catalog, metrics: AnswerMetrics) -> str:
    """The measurements under an answer, one short line each."""
    lines = [
        t(
            "metrics.times",
            queue=t.seconds(metrics.queue_s),
            ttft=t.seconds(metrics.ttft_s),
            first_answer=t.seconds(metrics.first_answer_s),
            total=t.seconds(metrics.total_s),
        )
    ]
    if metrics.prompt_tokens is not None:
        tokens = t(
            "metrics.tokens",
            prompt=_count(t, metrics.prompt_tokens),
            reasoning=_count(t, metrics.reasoning_tokens),
            answer=_count(t, metrics.answer_tokens),
        )
        if metrics.estimated:
            tokens = f"{tokens} {t('metrics.estimated')}"
        lines.append(tokens)
    speed = t.number(metrics.tokens_per_s, 1) if metrics.tokens_per_s else "–"
    lines.append(t("metrics.speed_cost", rate=speed, cost=t.money(metrics.cost_usd)))
    provider = catalog.providers.get(metrics.provider_id or "")
    if provider is not None:
        lines.append(t("metrics.route", provider=provider.label, upstream=metrics.upstream_model))
    return "  \n".join(lines)


def _count(t: Translator, value: int | None) -> str:
    return "–" if value is None else t.number(value)


def render_summary(
    t: Translator, catalog: Catalog, titles: Sequence[str], answers: Sequence[MessageView | None]
) -> None:
    """Which column was fastest, first to start and cheapest on the latest prompt."""
    metrics = [
        answer_metrics(a, catalog.model(a.model_id)) if a is not None else None for a in answers
    ]
    best = winners(metrics)

    def names(indices: tuple[int, ...]) -> str:
        return (
            "  \n".join(escape_markdown(titles[i]) for i in indices)
            if indices
            else t("compare.no_difference")
        )

    with st.container(border=True, key="comparison-summary"):
        fastest, first, cheapest = st.columns(3)
        fastest.markdown(f":material/bolt: **{t('compare.fastest')}**  \n{names(best.fastest)}")
        first.markdown(
            f":material/timer: **{t('compare.first_token')}**  \n{names(best.first_token)}"
        )
        cheapest.markdown(
            f":material/savings: **{t('compare.cheapest')}**  \n{names(best.cheapest)}"
        )
