"""The batch page follows a batch another OS process (a replica) is running:
its progress grows on this page, and "run the rest" is not offered meanwhile.
The other process is real (tests/replica_process.py) and shares this test's
PostgreSQL database; SQLite serves one process, so this runs only there."""

from __future__ import annotations

import os
import time

import pytest

from core.store import batches as batch_store
from core.store.users import LOCAL_USERNAME, local_user
from tests.databases import on_sqlite
from tests.test_shared_scheduling import StreamsAtOnce, replicas

pytestmark = pytest.mark.skipif(
    on_sqlite(), reason="several processes share a batch only on PostgreSQL (TEST_DATABASE_URL)"
)


def progress_text(app) -> str:
    return app.get("progress")[0].proto.text


def look_until(app, condition, limit_s: float = 30) -> None:
    """Run the page (one tick of its timer) until `condition(app)` holds."""
    started = time.monotonic()
    while True:
        app.run()
        assert not app.exception
        if condition(app):
            return
        assert time.monotonic() - started < limit_s, progress_text(app)
        time.sleep(0.3)


def test_the_batch_page_follows_cells_another_process_answers(app, server):
    server.default = StreamsAtOnce(pieces=6, delay=0.25)  # about 1.5 s per answer
    app.run()  # the app's services, on this test's database
    user = local_user()
    prompts = [batch_store.NewPrompt(f"q{i}", f"Question {i}") for i in range(3)]
    batch = batch_store.create_batch(
        user.id, "set.csv", prompts, [batch_store.ModelSettings("m")], concurrency=1
    )
    settings = {
        "port": server.server.port,
        "mode": "batch",
        "batch_id": batch.id,
        "user": LOCAL_USERNAME,
    }
    with replicas(os.environ["DATABASE_URL"], settings) as (other,):
        other.go()
        app.switch_page("pages/batch.py")
        app.query_params["batch"] = batch.public_id
        look_until(app, lambda a: "1 running" in progress_text(a))
        assert any("Being run in another window" in c.value for c in app.caption)
        assert "batch-resume" not in {b.key for b in app.button}  # it starts the rest
        # Its progress grows here: a cell done while another still is to come.
        look_until(app, lambda a: progress_text(a)[:6] in ("1 of 3", "2 of 3"))
        assert other.report() == {"started": 3}  # it answered every cell
    look_until(app, lambda a: progress_text(a).startswith("3 of 3 done"))
    assert "batch-resume" not in {b.key for b in app.button}
    assert len(server.requests) == 3  # nothing was asked twice
