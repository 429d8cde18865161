"""Start one of the tests' helper programs as a real OS process on a database.

The multi-process tests (tests/test_shared_*.py) run other app processes
(tests/replica_process.py, tests/demo_replica_process.py): each gets its own
interpreter, engine and database sessions, as a replica behind a load
balancer would. They talk over stdin/stdout, one line at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys

from core.catalog import ROOT


def start(module: str, database: str, *args: str) -> subprocess.Popen:
    """`python -m module args…` with DATABASE_URL naming `database`."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def failure(process: subprocess.Popen) -> str:
    """Kill a process that did not do its part, and say what it printed last."""
    process.kill()
    return f"{process.args[2]} failed:\n{process.stderr.read()[-4000:]}"
