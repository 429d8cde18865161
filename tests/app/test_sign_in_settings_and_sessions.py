"""Start-up settings and sign-in sessions through the real app script.

(Reloading a tab needs a browser: tests/e2e/test_staying_signed_in.py.)
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, TIMEOUT, texts
from tests.auth_helpers import (
    fast_hashing,  # noqa: F401 (a fixture)
    sign_in_through_page,
    sign_up_through_page,
)

ROOT = Path(APP).parent
EXAMPLE_SECRET = "CHANGE-ME: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
SIGN_IN_TITLE = "Sign in to Duet"


@pytest.fixture
def accounts(app, monkeypatch, fast_hashing):  # noqa: F811
    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    monkeypatch.delenv("ADMINS", raising=False)
    return app


def new_tab() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def signed_in(at) -> bool:
    return not at.exception and len(at.chat_input) == 1 and SIGN_IN_TITLE not in texts(at)


def test_sign_out_in_one_tab_signs_out_every_tab(accounts):
    first = accounts
    sign_up_through_page(first, "alice")
    second = new_tab()
    sign_in_through_page(second, "alice")
    assert signed_in(first) and signed_in(second)
    second.switch_page("pages/account.py").run()
    second.button(key="sign-out").click().run()
    assert SIGN_IN_TITLE in texts(second)
    first.run()  # the other tab's next click
    assert SIGN_IN_TITLE in texts(first) and not signed_in(first)


def test_a_password_change_signs_out_other_tabs_but_not_this_one(accounts):
    here = accounts
    sign_up_through_page(here, "bob")
    elsewhere = new_tab()
    sign_in_through_page(elsewhere, "bob")
    here.switch_page("pages/account.py").run()
    here.text_input(key="pw-current").set_value("correct horse battery")
    here.text_input(key="pw-new").set_value("a much newer secret")
    here.text_input(key="pw-again").set_value("a much newer secret")
    here.button[0].click().run()
    assert "Your password was changed." in [s.value for s in here.success]
    elsewhere.run()
    assert SIGN_IN_TITLE in texts(elsewhere)
    here.switch_page("pages/chat.py").run()
    assert signed_in(here)


def test_sign_up_form_is_hidden_by_default(app, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.delenv("ALLOW_SIGNUP", raising=False)
    app.run()
    assert "Create account" not in [b.label for b in app.button]
    assert "New accounts are created by an administrator." in texts(app)


def test_single_sign_on_will_not_start_with_the_example_cookie_secret(app, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "oidc")
    example = (ROOT / ".streamlit" / "secrets.example.toml").read_text()
    assert f'cookie_secret = "{EXAMPLE_SECRET}"' in example  # the example, word for word
    app.secrets = {
        "auth": {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": EXAMPLE_SECRET,
            "google": {"client_id": "x", "client_secret": "y", "server_metadata_url": "z"},
        }
    }
    app.user = {"is_logged_in": False}
    app.run()
    assert not app.exception
    assert "cookie_secret" in app.error[0].value
    assert not [b for b in app.button if "Sign in" in b.label] and len(app.chat_input) == 0


@pytest.fixture
def dot_env(tmp_path, monkeypatch):
    """A .env in the working directory; what it sets is removed afterwards."""
    names = ("AUTH_MODE", "DATABASE_URL", "ADMINS", "ALLOW_SIGNUP")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)

    def write(**values):
        (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))

    yield write
    for name in names:
        os.environ.pop(name, None)


def test_the_first_visitor_after_a_restart_gets_the_env_files_settings(app, dot_env, tmp_path):
    dot_env(AUTH_MODE="accounts", DATABASE_URL=f"sqlite:///{tmp_path / 'env.db'}")
    os.environ.pop("DATABASE_URL", None)  # the app fixture's; .env must provide it
    app.run()
    assert not app.exception
    assert SIGN_IN_TITLE in texts(app) and len(app.chat_input) == 0
    assert (tmp_path / "env.db").exists()


def run_add_user(cwd, *args, password="a good long password"):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ADMINS")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "core.auth", "add-user", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def test_add_user_reads_env_and_grants_admin_only_when_asked(tmp_path):
    database = tmp_path / "cli.db"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{database}\n")
    plain = run_add_user(tmp_path, "carol")
    assert plain.returncode == 0, plain.stderr
    boss = run_add_user(tmp_path, "dave", "--admin")
    assert boss.returncode == 0, boss.stderr
    refused = run_add_user(tmp_path, "аdmin")  # Cyrillic а
    assert refused.returncode == 1 and "could be mistaken" in refused.stderr
    with sqlite3.connect(database) as conn:
        roles = dict(conn.execute("SELECT username, role FROM users").fetchall())
    # The first account is not made an admin behind the operator's back.
    assert roles == {"carol": "user", "dave": "admin"}


def test_single_sign_on_by_invitation_turns_away_the_uninvited(app, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "oidc")
    monkeypatch.setenv("ALLOWED_EMAILS", "@corp.example")
    monkeypatch.delenv("ALLOW_SIGNUP", raising=False)
    monkeypatch.delenv("ADMINS", raising=False)
    identity = {"is_logged_in": True, "sub": "s1", "iss": "https://idp.example"}
    app.user = {**identity, "email": "mallory@elsewhere.example", "email_verified": True}
    app.run()
    assert not app.exception
    assert "by invitation" in app.error[0].value and len(app.chat_input) == 0
    invited = new_tab()
    invited.user = {**identity, "sub": "s2", "email": "ann@corp.example", "email_verified": True}
    invited.run()
    assert signed_in(invited)
    unverified = new_tab()
    unverified.user = {**identity, "sub": "s3", "email": "bob@corp.example"}
    unverified.run()
    assert "by invitation" in unverified.error[0].value and len(unverified.chat_input) == 0
