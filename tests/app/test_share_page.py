"""Share links as people use them: Share in the conversation menu, the link opened by
someone who is not signed in (in every AUTH_MODE), then revoked by its owner."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.attachments.model import Attachment
from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.db import session
from core.store.models import Conversation
from core.store.share_links import links_of
from tests.app.conftest import APP, TIMEOUT, texts
from tests.app.test_sign_in_and_isolation import sso_user
from tests.auth_helpers import fast_hashing, sign_up_through_page  # noqa: F401

QUESTION = "Plan the Tortoise launch"
GONE = "This link does not open anything"


def visitor(token: str) -> AppTest:
    """Another browser, signed in as nobody, opening the link."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["share"] = token
    return at.run()


def only_conversation():
    """The one conversation asked in the test, whoever its owner is in this AUTH_MODE."""
    with session() as db:
        owner = db.scalar(select(Conversation.user_id))
    [conversation] = [c for c in conversation_store.list_conversations(owner) if c.title]
    return conversation


def share_from_menu(owner: AppTest, *, with_files: bool = False) -> str:
    """Ask, open the menu, tick (or not) the files box, press Share: the link's token."""
    owner.chat_input[0].set_value(QUESTION).run()
    conversation = only_conversation()
    owner.button(key=f"menu-{conversation.id}").click().run()
    if with_files:
        owner.checkbox(key=f"share-files-{conversation.id}").check()
    owner.button(key=f"share-{conversation.id}").click().run()
    assert not owner.exception
    [link] = [c.value for c in owner.code if "?share=" in c.value]
    return re.search(r"\?share=([\w-]+)$", link).group(1)


def assert_reads_the_conversation(page: AppTest) -> None:
    conversation = only_conversation()
    answer = message_store.branch(conversation.user_id, conversation.id)[-1]
    assert not page.exception
    shown = texts(page)
    assert QUESTION in shown and answer.content.split()[0] in shown
    assert "read-only copy" in shown
    assert len(page.chat_input) == 0  # nothing to type into
    assert not list(page.sidebar.button)  # no history, no new chat, nothing of the owner's
    assert "Sign in" not in shown


def test_share_open_without_signing_in_then_revoke(app):
    app.run()
    token = share_from_menu(app)
    conversation = only_conversation()
    [link] = links_of(conversation.user_id, conversation.id)
    assert not link.with_attachments  # files only when the box is ticked

    page = visitor(token)
    assert_reads_the_conversation(page)

    app.button(key=f"revoke-{link.public_id}").click().run()
    assert not app.exception
    assert links_of(conversation.user_id) == []
    assert not [c for c in app.code if "?share=" in c.value]  # the shown link went with it
    page.run()
    assert GONE in page.warning[0].value
    assert QUESTION not in texts(page)


def test_the_link_is_shown_once(app):
    app.run()
    share_from_menu(app)
    conversation = only_conversation()
    app.button(key=f"pin-{conversation.id}").click().run()  # an action closes the menu
    app.button(key=f"menu-{conversation.id}").click().run()
    assert not [c for c in app.code if "?share=" in c.value]
    assert len(links_of(conversation.user_id, conversation.id)) == 1  # listed, to revoke


def test_files_box_makes_a_link_with_files(app):
    app.run()
    share_from_menu(app, with_files=True)
    conversation = only_conversation()
    [link] = links_of(conversation.user_id, conversation.id)
    assert link.with_attachments
    assert any("with files" in c.value for c in app.caption)


def test_a_made_up_link_says_so_and_shows_no_sign_in(app):
    page = visitor("A" * 43)
    assert not page.exception
    assert GONE in page.warning[0].value
    assert len(page.chat_input) == 0


def test_accounts_a_visitor_reads_it_without_signing_in(app, monkeypatch, fast_hashing):  # noqa: F811
    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    sign_up_through_page(app, "alice")
    assert_reads_the_conversation(visitor(share_from_menu(app)))


def test_single_sign_on_a_visitor_reads_it_without_signing_in(app, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "oidc")
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    app.user = sso_user("alice-sub", "alice@example.com")
    app.run()
    assert_reads_the_conversation(visitor(share_from_menu(app)))


@pytest.mark.parametrize("locale", ["zh"])
def test_chinese_share_menu(app, locale):
    app.session_state["locale"] = locale
    app.run()
    share_from_menu(app)
    labels = [b.label for b in app.button]
    assert "创建分享链接" in labels and "撤销" in labels


def test_account_page_lists_only_ones_own_links_to_revoke(app, monkeypatch, fast_hashing):  # noqa: F811
    monkeypatch.setenv("AUTH_MODE", "accounts")
    monkeypatch.setenv("ALLOW_SIGNUP", "true")
    sign_up_through_page(app, "alice")
    token = share_from_menu(app)
    conversation = only_conversation()
    [link] = links_of(conversation.user_id)

    bob = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_up_through_page(bob, "bob")
    bob.switch_page("pages/account.py").run()
    assert not bob.exception
    assert not [b for b in bob.button if b.key == f"revoke-{link.public_id}"]
    assert QUESTION not in texts(bob)

    app.switch_page("pages/account.py").run()
    assert not app.exception
    assert "Your share links" in texts(app) and QUESTION in texts(app)  # its title
    app.button(key=f"revoke-{link.public_id}").click().run()
    assert links_of(conversation.user_id) == []
    assert GONE in visitor(token).warning[0].value


def attach_notes_to_the_question(app: AppTest) -> None:
    app.chat_input[0].set_value(QUESTION).run()
    conversation = only_conversation()
    question = message_store.branch(conversation.user_id, conversation.id)[0]
    notes = Attachment(name="notes.txt", format="text", size=12, text="private notes", tokens=3)
    attachment_store.attach(conversation.user_id, question.id, [notes])


def share_again(app: AppTest, *, with_files: bool) -> str:
    conversation = only_conversation()
    app.button(key=f"menu-{conversation.id}").click().run()
    app.checkbox(key=f"share-files-{conversation.id}").set_value(with_files)
    app.button(key=f"share-{conversation.id}").click().run()
    [link] = [c.value for c in app.code if "?share=" in c.value]
    return re.search(r"\?share=([\w-]+)$", link).group(1)


def test_attached_files_are_shared_only_when_ticked(app):
    app.run()
    attach_notes_to_the_question(app)
    without = visitor(share_again(app, with_files=False))
    assert QUESTION in texts(without) and "notes.txt" not in texts(without)
    assert not [e for e in without.text if "private notes" in e.value]

    app.button(key="pin-" + str(only_conversation().id)).click().run()  # closes the menu
    shared = visitor(share_again(app, with_files=True))
    assert not shared.exception
    assert "notes.txt" in texts(shared)
    assert [e.value for e in shared.text if "private notes" in e.value] == ["private notes"]
