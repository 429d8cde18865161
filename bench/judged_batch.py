"""A 1,000-row judged batch on the offline demo models: time, cost, memory.

1,000 prompts (each with a reference answer and a `contains` assertion) on
three demo models, graded pointwise by a demo judge: 3,000 answers and 3,000
judge requests, every one through the real path (the batch runner, the
worker, the openai SDK, HTTP to the in-app demo server, the database). The
demo pace is sped up (DEMO_SPEED) so the figure is the app's own overhead and
the batch lane's concurrency, not the simulated token rate. Demo models have
no price, so the cost is given at DeepSeek V4 Flash's list price for the
tokens counted. Memory is the process's peak resident set.

    python -m bench.judged_batch [--rows 1000] [--speed 200] [--json bench/results/judged.json]
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

from bench.common import parser, report

MODELS = ("demo-thinker", "demo-swift", "demo-eye")
JUDGE = "demo-swift"
PRICED_AS = "deepseek-v4-flash"


def main() -> None:
    args = parser(__doc__.splitlines()[0])
    args.add_argument("--rows", type=int, default=1000)
    args.add_argument("--speed", type=float, default=200.0)
    args.add_argument("--models", default=",".join(MODELS), help="comma-separated demo models")
    options = args.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="judged-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.db'}"
    os.environ["DEMO_SPEED"] = str(options.speed)

    from core.batch import MAX_CONCURRENCY, JudgeSetting
    from core.judging.report import build_report
    from core.metrics import cost_usd
    from core.model_settings import ModelSettings
    from core.services import reset_services, services
    from core.store import batches as batch_store
    from core.store import judging as judging_store
    from core.store.batches import NewPrompt
    from core.store.users import local_user

    app = services()
    user = local_user()
    prompts = [
        NewPrompt(
            f"q{i}",
            f"Question {i}: what is a tortoise, and how long does one live?",
            expected="A tortoise is a land reptile with a shell; many live over 100 years.",
            assertions='{"contains": ["tortoise"]}',
        )
        for i in range(options.rows)
    ]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_before = time.process_time()
    started = time.perf_counter()
    batch = app.batches.create(
        user.id,
        "bench",
        prompts,
        [ModelSettings(m) for m in options.models.split(",")],
        concurrency=MAX_CONCURRENCY,
        judge=JudgeSetting(JUDGE),
    )
    app.batches.wait(batch.id, timeout=3 * 3600)
    elapsed = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_before  # the demo server's share included
    cells = batch_store.batch_cells(user.id, batch.id)
    judgements = judging_store.judgements(user.id, batch.id)
    t0 = time.perf_counter()
    result = build_report(
        batch_store.batch_prompts(user.id, batch.id),
        batch_store.batch_columns(user.id, batch.id),
        cells,
        judging_store.criteria(user.id, batch.id),
        judging_store.judge_of(user.id, batch.id),
        judgements,
        app.catalog,
    )
    report_s = time.perf_counter() - t0
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    priced = app.catalog.model(PRICED_AS)

    def tokens(messages):
        return (
            sum(m.prompt_tokens or 0 for m in messages),
            sum(m.completion_tokens or 0 for m in messages),
        )

    answer_in, answer_out = tokens([c.message for c in cells if c.message])
    judge_in, judge_out = tokens([j.message for j in judgements if j.message])
    scored = sum(c.score.n for c in result.columns if c.score)
    rows = [
        {
            "rows": options.rows,
            "answers": len(cells),
            "judge_requests": len(judgements),
            "scored": scored,
            "wall_s": round(elapsed, 1),
            "per_row_ms": round(1000 * elapsed / options.rows, 1),
            "cpu_s": round(cpu_s, 1),
            "cpu_ms_per_request": round(1000 * cpu_s / (len(cells) + len(judgements)), 1),
            "report_s": round(report_s, 2),
            "peak_rss_mb": round(peak_rss),
            "rss_before_mb": round(rss_before),
            "db_mb": round((folder / "bench.db").stat().st_size / 2**20, 1),
            "answer_tokens": answer_in + answer_out,
            "judge_tokens": judge_in + judge_out,
            "answer_cost_usd": round(cost_usd(answer_in, answer_out, priced) or 0, 4),
            "judge_cost_usd": round(cost_usd(judge_in, judge_out, priced) or 0, 4),
        }
    ]
    verdicts = {
        "every answer and judge request done": scored == len(cells),
        "results computed in under 5 s": report_s < 5,
    }
    reset_services()
    report(
        "judged_batch",
        f"{options.rows}-row judged batch: {options.models} + demo judge",
        rows,
        verdicts,
        options.json,
        demo_speed=options.speed,
    )


if __name__ == "__main__":
    main()
