"""Batch: a prompt set on several models, a few at a time; results fill in as they finish."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.batch import (
    DEFAULT_CONCURRENCY,
    FAILED,
    MAX_CONCURRENCY,
    batch_progress,
    cell_state,
    prompt_variants,
    variant_columns,
)
from core.batch_service import BatchContents
from core.compare import MAX_COLUMNS
from core.errors import AppError, PromptSetInvalid
from core.model_settings import ModelSettings
from core.prompt_sets import MAX_FILE_BYTES, MAX_PROMPTS, PromptSet, parse_prompt_set
from core.store.batches import BatchView
from ui import batch_judging, state
from ui.bootstrap import ensure_run_through_app
from ui.compare_view import temperature_input
from ui.errors import describe
from ui.format import escape_markdown, model_label, model_name
from ui.model_picker import model_option_label
from ui.records import OpenRecord, page_header

REFRESH_S = 1.0

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = state.catalog()  # in the reader's language
batches = services.batch
user = state.current_user()
opened = OpenRecord("batch-open", "batch")


def header(batch: BatchView | None) -> None:
    zone = state.timezone()
    history = [
        (item, f"{item.name} · {t.datetime(item.created_at, zone)}")
        for item in batches.history(user.id, limit=30)
    ]
    page_header(t, opened, prefix="batch", showing=batch is not None, history=history)


# ---------------------------------------------------------------- a new batch


def read_upload() -> tuple[str, PromptSet] | None:
    upload = st.file_uploader(
        t("batch.upload"),
        type=["csv", "tsv", "txt", "jsonl", "ndjson", "json"],
        help=t("batch.upload_help", rows=MAX_PROMPTS, mb=MAX_FILE_BYTES // (1024 * 1024)),
        key="batch-file",
    )
    if upload is None:
        st.caption(t("batch.format_hint"))
        return None
    try:
        prompt_set = parse_prompt_set(upload.name, upload.getvalue())
    except PromptSetInvalid as invalid:
        st.error(t(f"batch.invalid.{invalid.detail}", rows=MAX_PROMPTS), icon=":material/error:")
        return None
    st.success(t("batch.read", n=len(prompt_set.prompts)), icon=":material/task:")
    if prompt_set.problems:
        lines = [
            t("batch.problem_line", line=t.number(p.line), reason=t(f"batch.problem.{p.reason}"))
            for p in prompt_set.problems
        ]
        st.warning(
            t("batch.skipped", n=len(lines)) + "  \n" + "  \n".join(lines[:20]),
            icon=":material/warning:",
        )
    judged = any(p.has_criteria for p in prompt_set.prompts)
    preview = pd.DataFrame(
        [
            (p.external_id, p.system_prompt or "", p.prompt)
            + ((p.expected or "", p.rubric or "", p.assertions or "") if judged else ())
            for p in prompt_set.prompts[:5]
        ],
        columns=[t("batch.col.id"), t("batch.col.system"), t("batch.col.prompt")]
        + (
            [t("batch.col.expected"), t("batch.col.rubric"), t("batch.col.assertions")]
            if judged
            else []
        ),
    )
    st.dataframe(preview, hide_index=True, width="stretch")
    return upload.name, prompt_set


def choose_models() -> tuple[list[ModelSettings], int]:
    usable = [m.id for m in catalog.models.values() if catalog.is_available(m)]
    models = st.multiselect(
        t("batch.models"),
        list(catalog.models),
        default=usable[:2],
        max_selections=MAX_COLUMNS,
        format_func=lambda mid: model_option_label(t, catalog, mid),
        key="batch-models",
    )
    left, right = st.columns(2)
    with left:
        temperature = temperature_input(t, key="batch-temperature")
    concurrency = right.slider(
        t("batch.concurrency"),
        1,
        MAX_CONCURRENCY,
        DEFAULT_CONCURRENCY,
        key="batch-concurrency",
        help=t("batch.concurrency_help"),
    )
    variants = st.text_area(
        t("batch.variants"),
        key="batch-variants",
        placeholder=t("batch.variants_placeholder"),
        help=t("batch.variants_help"),
    )
    return variant_columns(models, temperature, prompt_variants(variants)), concurrency


def new_batch() -> None:
    st.caption(t("batch.intro"))
    upload = read_upload()
    settings, concurrency = choose_models()
    judge = batch_judging.judge_picker(t, catalog, settings)
    unavailable = [
        s.model_id for s in settings if not catalog.is_available(catalog.models[s.model_id])
    ]
    if unavailable:
        names = ", ".join(model_name(catalog, m) for m in unavailable)
        st.warning(t("batch.unavailable", models=names), icon=":material/key:")
    if judge is not None and not catalog.is_available(catalog.models[judge.model_id]):
        unavailable.append(judge.model_id)
        st.warning(
            t("batch.unavailable", models=model_name(catalog, judge.model_id)),
            icon=":material/key:",
        )
    if len(settings) > MAX_COLUMNS:
        st.warning(t("batch.too_many_columns", n=len(settings), max=MAX_COLUMNS))
    pairwise_ok = judge is None or judge.mode != "pairwise" or judge.baseline_position is not None
    ready = (
        upload is not None and 0 < len(settings) <= MAX_COLUMNS and not unavailable and pairwise_ok
    )
    if st.button(
        t("batch.run"),
        type="primary",
        icon=":material/play_arrow:",
        disabled=not ready,
        key="batch-run",
    ):
        name, prompt_set = upload
        try:
            batch = batches.create(
                user.id, name, prompt_set.prompts, settings, concurrency=concurrency, judge=judge
            )
        except AppError as error:
            st.error(describe(t, error.kind, error.detail), icon=":material/error:")
            return
        opened.open(batch)
        st.rerun()


# ---------------------------------------------------------------- an open batch


def controls(
    batch: BatchView, judged: bool, running: bool, failed: int, pending: int, elsewhere: int
) -> None:
    bar = st.container(horizontal=True)
    if elsewhere and not running:
        # Another replica runs this batch and will start the cells still pending:
        # "run the rest" here would only race it for them.
        st.caption(f":material/sync: {t('batch.running_elsewhere', n=t.number(elsewhere))}")
    elif running:
        if bar.button(t("batch.stop"), icon=":material/stop:", key="batch-stop"):
            batches.stop(user.id, batch.id)
            st.rerun()
    elif pending and bar.button(
        t("batch.run_rest", n=t.number(pending)), icon=":material/play_arrow:", key="batch-resume"
    ):
        batches.start(user.id, batch.id)
        st.rerun()
    if (
        failed
        and not elsewhere
        and bar.button(
            t("batch.rerun_failed", n=t.number(failed)),
            icon=":material/refresh:",
            key="batch-rerun",
        )
    ):
        batches.rerun_failed(user.id, batch.id)
        st.rerun()
    bar.download_button(
        t("batch.export"),
        data=lambda: batches.results_csv(user.id, batch.id, catalog),
        file_name=f"batch-{batch.public_id[:8]}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="batch-export",
    )
    if judged:
        bar.download_button(
            t("batch.export_summary"),
            data=lambda: batches.summary_csv(user.id, batch.id, catalog),
            file_name=f"batch-{batch.public_id[:8]}-summary.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key="batch-export-summary",
        )
        bar.download_button(
            t("batch.export_json"),
            data=lambda: batches.report_json(user.id, batch.id, catalog),
            file_name=f"batch-{batch.public_id[:8]}.json",
            mime="application/json",
            icon=":material/download:",
            on_click="ignore",
            key="batch-export-json",
        )
    if not running and not elsewhere:
        with bar.popover(t("batch.delete"), icon=":material/delete:"):
            if st.button(t("batch.delete_confirm"), type="primary", key="batch-delete"):
                batches.delete(user.id, batch.id)
                opened.open(None)
                st.rerun()


def results(batch: BatchView) -> None:
    """Progress and the results table; refreshed every second while the batch runs,
    here or in another process (its saves are read from the database)."""
    contents = batches.contents(user.id, batch.id)
    cells = contents.cells
    progress = batch_progress(cells)
    running = batches.is_running(batch.id) or bool(batches.answered_elsewhere(user.id, cells))
    waiting = batches.waiting_cells(batch.id)
    st.progress(
        progress.fraction,
        text=t(
            "batch.progress",
            done=progress.finished,
            total=progress.total,
            failed=progress.failed,
            running=progress.running,
        ),
    )
    report = batches.report(user.id, contents, catalog)
    if report is not None:
        names = batch_judging.column_names(catalog, contents.columns)
        batch_judging.summary(t, catalog, report, names)
    rows = batches.rows(contents, catalog, report)
    for row, cell in zip(rows, cells, strict=True):
        row["model"] = model_label(catalog, row["model"])
        state_key = (
            "waiting" if cell.id in waiting and cell_state(cell) in FAILED else row["status"]
        )
        row["status"] = (
            t(f"batch.status.{state_key}") if t.has(f"batch.status.{state_key}") else state_key
        )
        if report is not None and row["judge_state"]:
            row["judge_state"] = t(f"batch.judge_state.{row['judge_state']}")
    frame = pd.DataFrame(rows)
    config = {
        "id": t("batch.col.id"),
        "prompt": st.column_config.TextColumn(t("batch.col.prompt"), width="medium"),
        "model": t("batch.col.model"),
        "system_prompt": st.column_config.TextColumn(t("batch.col.system"), width="small"),
        "status": t("batch.col.status"),
        "answer": st.column_config.TextColumn(t("batch.col.answer"), width="large"),
        "reasoning_chars": st.column_config.NumberColumn(t("batch.col.reasoning")),
        "total_s": st.column_config.NumberColumn(t("batch.col.latency"), format="%.1f s"),
        "ttft_s": st.column_config.NumberColumn(t("batch.col.ttft"), format="%.2f s"),
        "completion_tokens": st.column_config.NumberColumn(t("batch.col.tokens")),
        "cost_usd": st.column_config.NumberColumn(t("batch.col.cost"), format="$%.5f"),
        "error": t("batch.col.error"),
    }
    if report is not None:
        config |= {
            "checks_passed": st.column_config.NumberColumn(t("batch.col.checks_passed")),
            "checks_total": st.column_config.NumberColumn(t("batch.col.checks_total")),
            "failed_checks": st.column_config.TextColumn(t("batch.col.failed_checks")),
            "judge_state": t("batch.col.judge_state"),
            "score": st.column_config.NumberColumn(t("batch.col.score")),
            "verdict": t("batch.col.verdict"),
            "verdict_swapped": t("batch.col.verdict_swapped"),
            "outcome": t("batch.col.outcome"),
            "judge_reason": st.column_config.TextColumn(t("batch.col.judge_reason"), width="large"),
        }
    st.dataframe(
        frame,
        hide_index=True,
        column_order=list(config),
        column_config=config,
        width="stretch",
        placeholder="–",
    )
    was_running = f"batch-was-running-{batch.id}"
    if st.session_state.get(was_running) and not running:
        st.session_state[was_running] = False
        st.rerun()  # the run ended: redraw the buttons outside this fragment
    st.session_state[was_running] = running


def show(batch: BatchView) -> None:
    contents: BatchContents = batches.contents(user.id, batch.id)
    cells = contents.cells
    progress = batch_progress(cells)
    running = batches.is_running(batch.id)
    failed = batches.failed_count(user.id, batch.id, cells)
    st.markdown(escape_markdown(batch.name))  # the uploaded file's name: the user's text
    st.caption(", ".join(model_name(catalog, c.model_id) for c in contents.columns))
    judge = contents.judge
    if judge is not None:
        st.caption(
            t(
                f"batch.judge.judged_by_{judge.mode}",
                judge=model_name(catalog, judge.model_id),
            )
        )
    elsewhere = batches.answered_elsewhere(user.id, cells)
    controls(batch, contents.judged, running, failed, progress.pending, elsewhere)
    active = running or bool(elsewhere)
    st.fragment(results, run_every=REFRESH_S if active else None)(batch)


batch = opened.current(
    lambda batch_id: batches.get(user.id, batch_id),
    lambda public_id: batches.find(user.id, public_id),
    t("batch.not_found"),
)
header(batch)
if batch is None:
    new_batch()
else:
    show(batch)
