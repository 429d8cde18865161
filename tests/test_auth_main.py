"""`python -m core.auth add-user` (core/auth/__main__.py): how an operator makes
accounts when sign-up is off, the first admin included. Run as the real
command, password on standard input as a script gives it, on the test's
database; the account it makes is then signed in to as the app would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.auth.__main__ import _where
from core.auth.accounts import BadCredentials, sign_in
from core.auth.settings import AuthMode, AuthSettings
from core.catalog import ROOT
from core.store import users as user_store

PASSWORD = "correct horse battery"
SETTINGS = AuthSettings(mode=AuthMode.ACCOUNTS)


def add_user(database: str, *args: str, typed: str = PASSWORD + "\n", **env: str):
    """The command as an operator runs it; `typed` is what arrives on stdin."""
    return subprocess.run(
        [sys.executable, "-m", "core.auth", "add-user", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database, "AUTH_MODE": "accounts", "ADMINS": "", **env},
        input=typed,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_first_admin_is_made_on_the_command_line_and_can_sign_in(db):
    made = add_user(db, "alice", "--admin", "--name", "Alice  Liddell")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Created alice (admin) in ")
    alice = sign_in(SETTINGS, "alice", PASSWORD)
    assert alice.is_admin
    assert alice.display_name == "Alice Liddell"
    with pytest.raises(BadCredentials):
        sign_in(SETTINGS, "alice", PASSWORD + "!")


def test_without_admin_the_account_is_not_an_admin_even_when_first(db):
    made = add_user(db, "bob")
    assert made.returncode == 0, made.stderr
    assert "Created bob (user)" in made.stdout
    assert not sign_in(SETTINGS, "bob", PASSWORD).is_admin


def test_refusals_say_why_and_create_nothing(db):
    short = add_user(db, "carol", typed="short\n")
    assert short.returncode == 1
    assert "Not created: The password must have at least" in short.stderr
    nothing = add_user(db, "carol", typed="")  # stdin closed: no password at all
    assert nothing.returncode == 1 and "Not created" in nothing.stderr
    assert user_store.login_of("carol") is None

    assert add_user(db, "dave").returncode == 0
    again = add_user(db, "dave")
    assert again.returncode == 1 and "Not created" in again.stderr
    reserved = add_user(db, "admin")
    assert reserved.returncode == 1 and "cannot be used" in reserved.stderr


def test_an_unusable_setting_stops_before_anything_is_made(db):
    made = add_user(db, "erin", AUTH_MODE="open-to-all")
    assert made.returncode == 1
    assert "AUTH_MODE" in made.stderr and "nothing was created" in made.stderr
    assert "Traceback" not in made.stderr
    assert user_store.login_of("erin") is None


def test_the_database_is_named_without_its_password():
    assert _where("postgresql+psycopg://duet:s3cret@db.internal:5432/duet") == (
        "postgresql+psycopg://db.internal:5432/duet"
    )
    assert _where("sqlite:////srv/duet/data/chat.db") == "sqlite:////srv/duet/data/chat.db"
