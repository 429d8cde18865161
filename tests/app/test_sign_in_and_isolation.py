"""Two people, one app: each signs in and sees only their own conversations.

Accounts are made through the app's own sign-up form; single sign-on users
come through `st.user` (AppTest's `at.user`). Every way a page could be
pointed at someone else's conversation — the URL's ?c=, the session's open
conversation — must come up "not found", with nothing of theirs on screen.
"""

import pytest
from streamlit.testing.v1 import AppTest

from core.store import conversations as conversation_store
from core.store import messages as message_store
from tests.app.conftest import APP, TIMEOUT, shown, texts
from tests.auth_helpers import (
    fast_hashing,  # noqa: F401 (a fixture)
    sign_in_through_page,
    sign_up_through_page,
)

SECRET = "Alice's launch plan is codenamed Tortoise"


def new_session() -> AppTest:
    """Another browser: same process, same services, its own session."""
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def everything_shown(at) -> str:
    buttons = " ".join(b.label for b in at.button)
    return f"{texts(at)}\n{buttons}\n{[e.value for e in at.code]}"


def conversations_of(username):
    from core.store.users import login_of

    user = login_of(username).user
    return user, conversation_store.list_conversations(user.id)


@pytest.fixture
def accounts(app, monkeypatch, fast_hashing):  # noqa: F811
    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.delenv("ADMINS", raising=False)
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    return app


@pytest.fixture
def alice_and_bob(accounts):
    """Alice signed up first (the admin) and asked something; Bob signed up after."""
    alice = accounts
    sign_up_through_page(alice, "alice")
    alice.chat_input[0].set_value(SECRET).run()
    bob = new_session()
    sign_up_through_page(bob, "bob")
    return alice, bob


def test_nothing_but_the_sign_in_page_before_signing_in(accounts):
    accounts.run()
    assert not accounts.exception
    assert "Sign in to Duet" in texts(accounts)
    assert len(accounts.chat_input) == 0
    assert not [b for b in accounts.sidebar.button]  # no conversation list
    with pytest.raises(ValueError):  # the chat page is not even registered
        accounts.switch_page("pages/chat.py")


def test_each_person_sees_only_their_own(alice_and_bob):
    alice, bob = alice_and_bob
    assert SECRET in texts(alice)
    assert SECRET not in everything_shown(bob)
    _, [conversation] = conversations_of("alice")
    assert not [b for b in bob.sidebar.button if b.key == f"conv-{conversation.id}"]


@pytest.fixture
def bob_and_alices_chat(alice_and_bob):
    _, bob = alice_and_bob
    _, [conversation] = conversations_of("alice")
    return bob, conversation


def test_another_persons_conversation_url_is_not_found(bob_and_alices_chat):
    bob, conversation = bob_and_alices_chat
    bob.query_params["c"] = conversation.public_id
    bob.run()
    assert not bob.exception
    assert SECRET not in everything_shown(bob)
    assert [t.value for t in bob.toast] == ["That conversation was not found."]
    assert "c" not in bob.query_params  # the bad link is dropped, not kept


def test_another_persons_conversation_id_in_the_session_is_not_found(bob_and_alices_chat):
    bob, conversation = bob_and_alices_chat
    bob.session_state["conversation_id"] = conversation.id
    bob.run()
    assert not bob.exception
    assert SECRET not in everything_shown(bob)
    # Sending now starts Bob's own new chat; nothing is added to Alice's.
    bob.chat_input[0].set_value("Bob's question").run()
    bob_user, [bob_chat] = conversations_of("bob")
    assert bob_chat.user_id == bob_user.id
    alice_user, [alice_chat] = conversations_of("alice")
    question, _answer = message_store.branch(alice_user.id, alice_chat.id)
    assert question.content == SECRET


def test_status_page_is_for_admins_only(alice_and_bob):
    alice, bob = alice_and_bob
    with pytest.raises(ValueError):  # not in Bob's navigation at all
        bob.switch_page("pages/status.py")
    alice.switch_page("pages/status.py").run()  # Alice, the first account, is the admin
    assert "Offline demo: inject faults" in texts(alice)


def test_sign_out_forgets_the_session_and_sign_in_comes_back(alice_and_bob):
    alice, _ = alice_and_bob
    alice.switch_page("pages/account.py").run()
    assert not alice.exception
    alice.button(key="sign-out").click().run()
    assert "Sign in to Duet" in texts(alice) and SECRET not in everything_shown(alice)
    sign_in_through_page(alice, "alice", "wrong password!")
    assert [e.value for e in alice.error] == ["Wrong username or password."]
    sign_in_through_page(alice, "alice")
    assert not alice.exception
    _, [conversation] = conversations_of("alice")
    alice.sidebar.button(key=f"conv-{conversation.id}").click().run()
    assert SECRET in texts(alice)


def test_sign_up_can_be_switched_off(accounts, monkeypatch):
    monkeypatch.setenv("ALLOW_SIGNUP", "false")
    accounts.run()
    assert "Create account" not in [b.label for b in accounts.button]
    assert "New accounts are created by an administrator." in texts(accounts)


def test_password_guessing_is_throttled_across_sessions(accounts, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "2")
    sign_up_through_page(accounts, "carol")
    for _ in range(2):
        sign_in_through_page(new_session(), "carol", "guess guess")
    fresh = new_session()  # a new tab does not start the count again
    sign_in_through_page(fresh, "carol")
    assert [e.value for e in fresh.error] == ["Too many failed sign-ins. Try again in 15 min."]
    assert len(fresh.chat_input) == 0


def test_a_misspelt_auth_mode_stops_the_app_instead_of_opening_it(app, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "acounts")
    app.run()
    assert not app.exception
    assert "AUTH_MODE" in shown(app.error[0].value)
    assert len(app.chat_input) == 0


# ---------------------------------------------------------------- single sign-on


def sso_user(sub, email):
    return {
        "is_logged_in": True,
        "sub": sub,
        "iss": "https://idp.example",
        "email": email,
        "email_verified": True,
    }


@pytest.fixture
def sso(app, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "oidc")
    monkeypatch.setenv("ADMINS", "admin@example.com")
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    return app


def test_single_sign_on_users_are_kept_apart(sso):
    alice = sso
    alice.user = sso_user("alice-sub", "alice@example.com")
    alice.run()
    alice.chat_input[0].set_value(SECRET).run()
    [conversation] = [c for c in _all_conversations() if c.title]
    bob = new_session()
    bob.user = sso_user("bob-sub", "bob@example.com")
    bob.query_params["c"] = conversation.public_id
    bob.run()
    assert not bob.exception
    assert SECRET not in everything_shown(bob)
    with pytest.raises(ValueError):  # neither is listed in ADMINS
        bob.switch_page("pages/status.py")
    admin = new_session()
    admin.user = sso_user("root-sub", "admin@example.com")
    admin.run()
    admin.switch_page("pages/status.py").run()
    assert "Offline demo: inject faults" in texts(admin)
    assert SECRET not in everything_shown(admin)  # admins do not read others' chats


def test_single_sign_on_asks_to_sign_in_with_the_configured_provider(sso):
    sso.user = {"is_logged_in": False}
    sso.run()
    assert "Single sign-on is not set up" in sso.error[0].value
    sso.secrets = {
        "auth": {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": "t3st-only-0123456789abcdefghijklmnopqrstuv",
            "google": {"client_id": "x", "client_secret": "y", "server_metadata_url": "z"},
        }
    }
    sso.run()
    assert [b.label for b in sso.button] == ["Sign in with Google"]
    assert len(sso.chat_input) == 0


def _all_conversations():
    from sqlalchemy import select

    from core.store.db import session
    from core.store.models import Conversation

    with session() as db:
        return list(db.scalars(select(Conversation)))
