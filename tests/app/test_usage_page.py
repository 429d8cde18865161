"""The Usage page, a quota reached in the chat, and models closed to a group.

Through the real app script (AppTest), with accounts signed up on its own
form: the first account is the admin.
"""

import pytest
from streamlit.testing.v1 import AppTest

from core import team
from core.services import services
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.groups import Limits
from core.store.users import login_of
from tests.app.conftest import APP, TIMEOUT, shown, texts
from tests.app.scripted import scripted_models_file
from tests.auth_helpers import (
    fast_hashing,  # noqa: F401 (a fixture)
    sign_up_through_page,
)

SECOND_MODEL = """
[models.premium]
label = "Premium"
context_window = 2000000
max_output_tokens = 1000
routes = [{ provider = "scripted", model = "m2" }]
"""


@pytest.fixture
def team_app(app, server, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    path = scripted_models_file(tmp_path, server)
    with open(path, "a", encoding="utf-8") as file:
        file.write(SECOND_MODEL)
    monkeypatch.setenv("MODELS_FILE", path)
    sign_up_through_page(app, "mia")  # the first account: the admin
    return app


def new_tab(username):
    tab = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_up_through_page(tab, username)
    return tab


def stored(user_id):
    return [
        m.content
        for c in conversation_store.list_conversations(user_id)
        for m in message_store.branch(user_id, c.id)
    ]


def open_usage(tab):
    tab.switch_page("pages/usage.py").run()
    assert not tab.exception
    return texts(tab)


@pytest.mark.usefixtures("fast_hashing")
def test_a_quota_reached_is_said_plainly_and_the_question_is_kept(team_app, server):
    mia = login_of("mia").user
    alice_tab = new_tab("alice")
    alice = login_of("alice").user
    team.set_user_limits(mia.id, alice.id, Limits(max_tokens_per_month=5))
    alice_tab.chat_input[0].set_value("first question").run()
    (conversation,) = conversation_store.list_conversations(alice.id)
    services().worker.wait(message_store.branch(alice.id, conversation.id)[-1].id)
    alice_tab.run()
    alice_tab.chat_input[0].set_value("a question past the limit").run()
    assert not alice_tab.exception
    [error] = [e.value for e in alice_tab.error]
    assert shown(error).startswith("You used this month's allowance of 5 tokens")
    assert "a question past the limit" not in stored(alice.id)  # nothing stored or sent
    assert len(server.requests) == 1
    kept = texts(alice_tab) + "".join(c.value for c in alice_tab.code)
    assert "a question past the limit" in kept
    assert any(b.label == "Send again" for b in alice_tab.button)
    # The Usage page says what is left: nothing, this month.
    page = open_usage(alice_tab)
    assert "Limit reached" in page and "7 of 5 tokens used" in page


@pytest.mark.usefixtures("fast_hashing")
def test_a_person_sees_their_usage_and_an_admin_everyones(team_app, server):
    bob_tab = new_tab("bob")
    bob = login_of("bob").user
    bob_tab.chat_input[0].set_value("hello from bob").run()
    (conversation,) = conversation_store.list_conversations(bob.id)
    services().worker.wait(message_store.branch(bob.id, conversation.id)[-1].id)
    page = open_usage(bob_tab)
    assert "Your usage, last 30 days" in page
    assert "7 tokens used (no limit)" in page
    assert "Everyone's usage" not in page and not bob_tab.get("download_button")
    assert "mia" not in "".join(str(f.value) for f in bob_tab.dataframe)
    # The admin sees everyone's, per person and per provider, and may export it.
    admin_page = open_usage(team_app)
    assert "Everyone's usage, last 30 days" in admin_page
    tables = "".join(f.value.to_csv() for f in team_app.dataframe)
    assert "bob" in tables and "Scripted Cloud" in tables
    assert team_app.get("download_button")


@pytest.mark.usefixtures("fast_hashing")
def test_a_model_closed_to_a_persons_groups_is_not_offered(team_app, server):
    carol_tab = new_tab("carol")
    carol = login_of("carol").user
    mia = login_of("mia").user
    catalog = services().catalog
    basic = team.create_group(mia.id, "Basic")
    premium = team.create_group(mia.id, "Premium users")
    team.set_members(mia.id, basic.id, [carol.id])
    team.set_models(mia.id, catalog, basic.id, ["scripted"])
    team.set_models(mia.id, catalog, premium.id, ["premium"])
    carol_tab.run()
    assert not carol_tab.exception
    options = [o for box in carol_tab.selectbox for o in box.options]
    assert "Scripted" in " ".join(options) and "Premium" not in " ".join(options)
    # The admin still has both, and sees the groups on the Usage page.
    team_app.switch_page("pages/chat.py").run()
    admin_options = " ".join(o for box in team_app.selectbox for o in box.options)
    assert "Premium" in admin_options
    page = open_usage(team_app)
    assert "Groups, models and limits" in page
    labels = [e.label for e in team_app.expander]
    assert "Basic" in labels and "Premium users" in labels


@pytest.mark.usefixtures("fast_hashing")
def test_the_usage_page_is_chinese_throughout(team_app, server):
    from tests.app.test_chinese_throughout import english_on

    mia = login_of("mia").user
    group = team.create_group(mia.id, "家人")
    team.set_members(mia.id, group.id, [mia.id])
    team.set_group_limits(mia.id, group.id, Limits(max_tokens_per_day=1000))
    team_app.radio(key="language-choice").set_value("zh").run()
    team_app.chat_input[0].set_value("你好").run()
    (conversation,) = conversation_store.list_conversations(mia.id)
    services().worker.wait(message_store.branch(mia.id, conversation.id)[-1].id)
    open_usage(team_app)
    assert "所有人最近 30 天的用量" in texts(team_app)
    assert english_on(team_app) == []


def test_without_accounts_the_local_user_sees_only_their_usage(app, server, tmp_path, monkeypatch):
    """AUTH_MODE=none: the local user is the admin, but there is nobody else to
    see or manage: no everyone's usage, no groups, no export."""
    monkeypatch.setenv("MODELS_FILE", scripted_models_file(tmp_path, server))
    app.run()
    app.chat_input[0].set_value("hello").run()
    page = open_usage(app)
    assert "Your usage, last 30 days" in page and "Last 30 days" in page
    assert "Everyone's usage" not in page and "Groups, models and limits" not in page
    assert not app.get("download_button")
