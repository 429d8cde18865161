"""Compare: one prompt, two to four models (or settings), answered side by side at once."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.catalog import Model
from core.compare import MAX_COLUMNS, MIN_COLUMNS, ComparisonDetail
from core.errors import AppError
from core.model_settings import ModelSettings
from core.store.comparisons import ComparisonView
from core.store.views import MessageView
from ui import attachments as files_ui
from ui import feedback, state
from ui.bootstrap import ensure_run_through_app
from ui.compare_view import (
    render_summary,
    render_turns,
    settings_label,
    temperature_input,
    written_elsewhere,
)
from ui.errors import describe
from ui.format import escape_markdown
from ui.live import follow
from ui.model_picker import pick_model
from ui.prompt_input import prompt_input
from ui.records import OpenRecord, page_header

WEB_SEARCH = "compare-web-search"  # one switch: every column searches alike
SHOWN_TURNS = 20

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = state.catalog()  # in the reader's language
user = state.current_user()
compare = services.compare
opened = OpenRecord("compare-open", "cmp")


def header(comparison: ComparisonView | None) -> None:
    past = compare.history(user.id, limit=30)
    history = [(item, item.title or t("sidebar.untitled")) for item in past]
    page_header(t, opened, prefix="compare", showing=comparison is not None, history=history)


def default_models() -> list[Model]:
    """Alternate between the models that can answer, for a ready-made first setup."""
    usable = [m for m in catalog.models.values() if catalog.is_available(m)] or list(
        catalog.models.values()
    )
    return [usable[i % len(usable)] for i in range(MAX_COLUMNS)]


def column_setup() -> tuple[list[ModelSettings], bool]:
    """The columns of a new comparison; and whether every chosen model can answer."""
    count = st.segmented_control(
        t("compare.columns"),
        list(range(MIN_COLUMNS, MAX_COLUMNS + 1)),
        default=MIN_COLUMNS,
        key="compare-count",
    )
    count = count or MIN_COLUMNS
    settings, ready = [], True
    defaults = default_models()
    for index, column in enumerate(st.columns(count)):
        with column.container(border=True):
            st.markdown(f"**{t('compare.column', n=index + 1)}**")
            picked = pick_model(
                t,
                catalog,
                key=f"compare-col-{index}",
                model_id=defaults[index].id,
                thinking=None,
                label_visibility="collapsed",
            )
            temperature = temperature_input(t, key=f"compare-temp-{index}")
            system_prompt = st.text_area(
                t("compare.system_prompt"),
                key=f"compare-system-{index}",
                height=68,
                placeholder=t("compare.system_prompt_placeholder"),
                help=t("compare.system_prompt_help"),
            )
            if not picked.available:
                st.warning(
                    t(
                        "model.enable_hint",
                        key_env=escape_markdown(" / ".join(catalog.missing_keys(picked.model))),
                    ),
                    icon=":material/key:",
                )
                ready = False
        settings.append(
            ModelSettings(
                picked.model.id, picked.thinking, temperature, system_prompt.strip() or None
            )
        )
    return settings, ready


def send(
    comparison: ComparisonView | None, text: str, settings: list[ModelSettings], files: list
) -> None:
    """Ask every column; the files read from the input go to each of them.
    `AppError` when refused (ui/prompt_input.py keeps the prompt and files)."""
    fallback = state.allow_fallback()
    if comparison is None:
        started = compare.start(
            user.id,
            text,
            settings,
            allow_fallback=fallback,
            files=files,
            web_search=bool(st.session_state.get(WEB_SEARCH)),
        )
        opened.open(started)
    else:
        compare.follow_up(user.id, comparison.id, text, allow_fallback=fallback, files=files)


def file_chips(detail: ComparisonDetail) -> Callable[[MessageView], None]:
    """Chips under each question of a comparison (one column's copy names them)."""
    found = compare.files_of(user.id, detail)
    return lambda question: files_ui.chips(
        t, found.get(question.id, []), download=(user.id, question.id)
    )


def show(comparison: ComparisonView) -> tuple[list, bool]:
    """Render the comparison; return the answers this process is writing, and
    whether any column is still being written (here or by another process)."""
    detail = compare.detail(user.id, comparison.id, last_turns=SHOWN_TURNS)
    titles = [
        f"{index + 1} · {settings_label(t, catalog, column)}"
        for index, column in enumerate(detail.columns)
    ]

    def retry(answer) -> None:
        try:
            compare.retry(user.id, comparison.id, answer.id, allow_fallback=state.allow_fallback())
        except AppError as error:
            st.toast(describe(t, error.kind, error.detail), icon=":material/error:")
            return
        st.rerun()

    live = render_turns(
        t,
        catalog,
        services.worker,
        detail,
        user_id=user.id,
        titles=titles,
        blind=False,
        retry=retry,
        question_footer=file_chips(detail),
    )
    busy = bool(live) or written_elsewhere(services.worker, user.id, detail)
    if busy:
        if st.button(t("compare.stop"), icon=":material/stop:", key="compare-stop"):
            compare.stop(user.id, comparison.id)
            st.rerun()
    elif detail.turns:
        render_summary(t, catalog, titles, detail.latest_answers)
        feedback.which_is_better(t, user.id, detail.latest_answers)
    return live, busy


comparison = opened.current(
    lambda cid: compare.get(user.id, cid),
    lambda public_id: compare.find(user.id, public_id),
    t("compare.not_found"),
)
header(comparison)
settings: list[ModelSettings] = []
ready = True
live = []
busy = False  # a column is being written, here or on another replica
# The setup and a comparison each have their own slot, and the unused one is
# cleared: otherwise the setup's widgets would linger, greyed, while this run
# follows the answers (as on the chat page).
setup_slot, comparison_slot = st.empty(), st.empty()
if comparison is None:
    comparison_slot.empty()
    with setup_slot.container():
        st.caption(t("compare.intro"))
        st.toggle(t("websearch.switch"), key=WEB_SEARCH, help=t("websearch.switch_help"))
        settings, ready = column_setup()
else:
    setup_slot.empty()
    with comparison_slot.container():
        live, busy = show(comparison)

placeholder = t("compare.answering") if busy else t("compare.placeholder")
prompt_input(
    t,
    "compare",
    placeholder=placeholder,
    enabled=ready and not busy,
    send=lambda text, files: send(comparison, text, settings, files),
)
if live:
    follow(live)
