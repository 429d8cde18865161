"""The batch page: upload a prompt set, run it on two models, stop, rerun, export."""

import threading

from core.services import services
from core.store import batches as batch_store
from core.store.users import local_user
from core.worker import BATCH_LANE

PROMPTS = b"id,prompt\nq1,Explain python code for sorting\nq2,\nq3,What is a tortoise?\n"


def open_batch_page(app):
    app.run()
    app.switch_page("pages/batch.py").run()
    return app


def upload(app, name: str, data: bytes):
    app.file_uploader(key="batch-file").set_value((name, data, "text/csv")).run()


def count_started(worker, monkeypatch) -> threading.Semaphore:
    """Released once per answer the worker starts: a test waits for the batch's
    answers to be running instead of polling the worker (the real submit runs)."""
    started = threading.Semaphore(0)
    submit = worker.submit

    def submit_and_count(*args, **kwargs):
        progress = submit(*args, **kwargs)
        started.release()
        return progress

    monkeypatch.setattr(worker, "submit", submit_and_count)
    return started


def test_upload_reports_bad_rows_and_runs_every_prompt_on_every_model(app):
    open_batch_page(app)
    upload(app, "set.csv", PROMPTS)
    assert any("2 prompts read" in s.value for s in app.success)
    assert any("line 3: no prompt" in w.value for w in app.warning)
    assert app.multiselect(key="batch-models").value == ["demo-thinker", "demo-swift"]
    app.button(key="batch-run").click().run()
    assert not app.exception

    batch = batch_store.list_batches(local_user().id)[0]
    services().batches.wait(batch.id)
    app.run()
    assert "4 of 4 done" in app.get("progress")[0].proto.text
    table = app.dataframe[0].value
    assert list(table["id"]) == ["q1", "q1", "q3", "q3"]
    assert set(table["status"]) == {"complete"}
    assert table["answer"].str.contains("offline demo").all()
    assert "batch-export" in {b.key for b in app.get("download_button")}


def test_a_file_without_prompts_says_why(app):
    open_batch_page(app)
    upload(app, "set.csv", b"id,text\n1,hello\n")
    assert any("No “prompt” column" in e.value for e in app.error)
    assert app.button(key="batch-run").disabled


def test_stop_then_rerun_only_the_failed_cells(app, faults, monkeypatch):
    open_batch_page(app)
    demo_clouds = [p.id for p in services().catalog.providers.values() if p.is_demo]
    for cloud in demo_clouds:
        faults(cloud, speed=0.01)  # slow enough to stop mid-answer
    upload(app, "one.csv", b"prompt\nWrite a long essay\n")
    worker = services().worker
    started = count_started(worker, monkeypatch)
    app.button(key="batch-run").click().run()
    batch = batch_store.list_batches(local_user().id)[0]
    for _ in range(2):  # one answer per model
        assert started.acquire(timeout=10), "the batch did not start both answers"
    assert worker.active_count(local_user().id, BATCH_LANE) == 2
    app.run()
    app.button(key="batch-stop").click().run()
    table = app.dataframe[0].value
    assert set(table["status"]) == {"stopped"}

    for cloud in demo_clouds:
        faults(cloud, speed=1.0)
    app.button(key="batch-rerun").click().run()
    services().batches.wait(batch.id)
    app.run()
    assert set(app.dataframe[0].value["status"]) == {"complete"}
    assert len(batch_store.batch_cells(local_user().id, batch.id)) == 2


JUDGED = (
    b"id,prompt,expected,contains\n"
    b"q1,What is a tortoise?,A tortoise is a reptile with a shell,tortoise\n"
    b"q2,Explain python code for sorting,,sorted(\n"
)


def test_a_judged_batch_shows_pass_rates_scores_and_the_judges_board(app):
    open_batch_page(app)
    upload(app, "judged.csv", JUDGED)
    assert "Reference" in app.dataframe[0].value.columns  # the preview shows the criteria
    app.selectbox(key="batch-judge").set_value("demo-swift").run()
    app.button(key="batch-run").click().run()
    assert not app.exception
    batch = batch_store.list_batches(local_user().id)[0]
    services().batches.wait(batch.id)
    app.run()

    summary, board, results = (frame.value for frame in app.dataframe)
    assert list(summary.columns[:3]) == ["column", "pass_rate", "score"]
    assert summary["score"].str.contains(r"\[\d+\.\d\d, \d+\.\d\d\] n=2").all()
    assert summary["pass_rate"].str.contains("n=2").all()
    assert len(board) == 2  # the judge's board: both models
    assert set(results["judge_state"]) == {"judged"}
    assert results["score"].between(1, 10).all()
    assert results["judge_reason"].str.contains("demo judge").all()
    assert any("4 of 4 requests answered" in c.value for c in app.caption)
    keys = {b.key for b in app.get("download_button")}
    assert {"batch-export-summary", "batch-export-json"} <= keys


def test_a_pairwise_judge_compares_with_the_baseline_in_both_orders(app):
    open_batch_page(app)
    upload(app, "judged.csv", JUDGED)
    app.selectbox(key="batch-judge").set_value("demo-swift").run()
    app.radio(key="batch-judge-mode").set_value("pairwise").run()
    app.selectbox(key="batch-judge-baseline").set_value(1).run()  # Demo Swift's column
    app.button(key="batch-run").click().run()
    assert not app.exception
    batch = batch_store.list_batches(local_user().id)[0]
    services().batches.wait(batch.id)
    app.run()
    summary, _board, results = (frame.value for frame in app.dataframe)
    record = summary["record"].tolist()
    assert record[1] == ""  # the baseline has no record of its own
    wins, ties, losses = (int(n) for n in record[0].split(" / "))
    assert wins + ties + losses == 2  # one outcome per prompt, from two judge replies
    candidate = results[results["model"].str.startswith("Demo Thinker")]
    assert candidate["verdict"].str.len().gt(0).all()
    assert candidate["verdict_swapped"].str.len().gt(0).all()
    assert any("against the baseline, each pair in both orders" in c.value for c in app.caption)


def test_system_prompt_variants_make_a_column_per_model_and_variant(app):
    open_batch_page(app)
    upload(app, "set.csv", PROMPTS)
    app.text_area(key="batch-variants").set_value("Be terse.\n---\nBe thorough.").run()
    assert not app.warning or all("columns" not in w.value for w in app.warning)
    app.text_area(key="batch-variants").set_value("A\n---\nB\n---\nC").run()  # 2 models × 3
    assert any("6 columns (models × prompt variants); at most 4" in w.value for w in app.warning)
    assert app.button(key="batch-run").disabled
    app.text_area(key="batch-variants").set_value("Be terse.\n---\nBe thorough.").run()
    app.multiselect(key="batch-models").set_value(["demo-swift"]).run()
    app.button(key="batch-run").click().run()
    assert not app.exception

    batch = batch_store.list_batches(local_user().id)[0]
    columns = batch_store.batch_columns(local_user().id, batch.id)
    assert [(c.model_id, c.system_prompt) for c in columns] == [
        ("demo-swift", "Be terse."),
        ("demo-swift", "Be thorough."),
    ]
    services().batches.wait(batch.id)
    app.run()
    table = app.dataframe[0].value
    assert list(table["system_prompt"]) == ["Be terse.", "Be thorough."] * 2
