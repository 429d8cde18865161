"""`python -m core.store.schema` (core/store/schema.py): the deploy step that
brings a database to the newest revision, says where it is, and checks it
against the models. Run as the real command on the test's database; what
the migrations themselves do is tests/store/test_migrations.py's."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from core.catalog import ROOT
from core.store.schema import head_revision


def schema(database: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core.store.schema", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_upgrade_then_current_on_a_new_database(database_url):
    url = database_url("deploy")
    assert schema(url, "current").stdout.strip() == "none"

    upgraded = schema(url, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    applied = upgraded.stdout.strip().removeprefix("applied: ").split(", ")
    assert applied[0] == "0001" and applied[-1] == head_revision()
    assert schema(url, "current").stdout.strip() == head_revision()

    again = schema(url, "upgrade")
    assert again.returncode == 0
    assert again.stdout.strip() == "applied: nothing, already at head"


def test_check_passes_at_head_and_names_a_difference(database_url):
    url = database_url("drift")
    assert schema(url, "upgrade").returncode == 0
    clean = schema(url, "check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout == ""

    # A column added by hand (an operator's hotfix) is what `check` is for.
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(40)"))
    engine.dispose()
    drift = schema(url, "check")
    assert drift.returncode == 1
    assert "nickname" in drift.stdout


def test_an_unknown_action_shows_the_usage(database_url):
    wrong = schema(database_url("usage"), "downgrade")
    assert wrong.returncode == 2
    assert "python -m core.store.schema upgrade" in wrong.stdout
    assert "Traceback" not in wrong.stderr
