"""Share links (core/sharing.py): a snapshot behind a secret token, the owner's alone to
list and revoke, gone at once when revoked or when the conversation is deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import sharing
from core.attachments.model import Attachment
from core.errors import RecordNotFound
from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import erase
from core.store import messages as message_store
from core.store.db import session
from core.store.models import ShareLink
from core.store.users import ensure_user
from core.store.views import STREAMING


def _chat(user_id: int, title: str, pairs: list[tuple[str, str]]) -> int:
    conversation = conversation_store.create_conversation(user_id, "demo-chat", title=title)
    parent = None
    for question, answer in pairs:
        asked = message_store.append_message(
            user_id, conversation.id, role="user", content=question, parent_id=parent
        )
        answered = message_store.append_message(
            user_id,
            conversation.id,
            role="assistant",
            content=answer,
            reasoning=f"thinking about {question}",
            parent_id=asked.id,
            model_id="demo-reasoner",
            provider_id="demo",
        )
        parent = answered.id
    return conversation.id


@pytest.fixture
def alice(db):
    user = ensure_user("alice")
    return user.id, _chat(user.id, "Alice's trip", [("Where to go?", "Kyoto.")])


@pytest.fixture
def bob(db):
    user = ensure_user("bob")
    return user.id, _chat(user.id, "Bob's chat", [("Hi", "Hello.")])


def test_a_link_opens_the_branch_with_reasoning_and_model(alice):
    user_id, conversation_id = alice
    made = sharing.share(user_id, conversation_id)
    shared = sharing.open_link(made.token)
    assert shared is not None and shared.title == "Alice's trip"
    assert [(m.role, m.content) for m in shared.messages] == [
        ("user", "Where to go?"),
        ("assistant", "Kyoto."),
    ]
    answer = shared.messages[1]
    assert answer.reasoning == "thinking about Where to go?"
    assert (answer.model_id, answer.provider_id) == ("demo-reasoner", "demo")


def test_only_a_hash_of_the_token_is_stored(alice):
    made = sharing.share(*alice)
    with session() as db:
        row = db.scalars(select(ShareLink)).one()
    assert made.token not in (row.token_hash, row.public_id, row.snapshot)
    assert row.token_hash == sharing.token_hash(made.token)
    assert len(made.token) >= 43  # 256 random bits
    assert sharing.open_link(row.token_hash) is None  # the hash itself opens nothing


def test_the_snapshot_does_not_follow_later_changes(alice):
    user_id, conversation_id = alice
    made = sharing.share(user_id, conversation_id)
    conversation_store.rename_conversation(user_id, conversation_id, "Renamed")
    leaf = conversation_store.get_conversation(user_id, conversation_id).current_leaf_id
    message_store.append_message(
        user_id, conversation_id, role="user", content="And then?", parent_id=leaf
    )
    shared = sharing.open_link(made.token)
    assert shared.title == "Alice's trip"
    assert [m.content for m in shared.messages] == ["Where to go?", "Kyoto."]


def test_revoking_stops_the_link_at_once(alice):
    user_id, conversation_id = alice
    first = sharing.share(user_id, conversation_id)
    second = sharing.share(user_id, conversation_id)
    sharing.revoke(user_id, first.link.public_id)
    assert sharing.open_link(first.token) is None
    assert sharing.open_link(second.token) is not None
    assert [link.public_id for link in sharing.links_of(user_id)] == [second.link.public_id]


def test_deleting_the_conversation_stops_its_links(alice):
    user_id, conversation_id = alice
    made = sharing.share(user_id, conversation_id)
    erase.delete_conversation(user_id, conversation_id)
    assert sharing.open_link(made.token) is None
    assert sharing.links_of(user_id) == []


def test_another_user_can_neither_see_nor_revoke_nor_make_links(alice, bob):
    alice_id, alice_chat = alice
    bob_id, bob_chat = bob
    made = sharing.share(alice_id, alice_chat)
    assert sharing.links_of(bob_id) == []
    assert sharing.links_of(bob_id, alice_chat) == []
    with pytest.raises(RecordNotFound):
        sharing.revoke(bob_id, made.link.public_id)
    with pytest.raises(RecordNotFound):
        sharing.share(bob_id, alice_chat)
    assert sharing.open_link(made.token) is not None  # still Alice's, still open
    assert [link.public_id for link in sharing.links_of(alice_id)] == [made.link.public_id]
    assert sharing.links_of(alice_id, bob_chat) == []


def test_answers_being_written_are_left_out(alice):
    user_id, conversation_id = alice
    leaf = conversation_store.get_conversation(user_id, conversation_id).current_leaf_id
    asked = message_store.append_message(
        user_id, conversation_id, role="user", content="More?", parent_id=leaf
    )
    message_store.append_message(
        user_id,
        conversation_id,
        role="assistant",
        content="Half an ans",
        parent_id=asked.id,
        status=STREAMING,
    )
    shared = sharing.open_link(sharing.share(user_id, conversation_id).token)
    assert [m.content for m in shared.messages] == ["Where to go?", "Kyoto.", "More?"]


def test_attachments_only_when_the_owner_chose(alice):
    user_id, conversation_id = alice
    question = message_store.branch(user_id, conversation_id)[0]
    notes = Attachment(name="notes.txt", format="text", size=12, text="secret notes", tokens=3)
    photo = Attachment(name="p.png", format="png", size=4, image=b"\x89PNG", mime="image/png")
    attachment_store.attach(user_id, question.id, [notes, photo])

    without = sharing.open_link(sharing.share(user_id, conversation_id).token)
    assert without.files == {}
    with session() as db:
        assert "secret notes" not in db.scalars(select(ShareLink.snapshot)).one()

    made = sharing.share(user_id, conversation_id, with_attachments=True)
    shared = sharing.open_link(made.token)
    assert made.link.with_attachments
    assert [(f.name, f.text, f.image) for f in shared.files[0]] == [
        ("notes.txt", "secret notes", None),
        ("p.png", "", b"\x89PNG"),
    ]


@pytest.mark.parametrize("token", [None, "", "x" * 65, 42, "not-a-token"])
def test_anything_else_opens_nothing(alice, token):
    sharing.share(*alice)
    assert sharing.open_link(token) is None


def test_one_person_has_a_bounded_number_of_links(alice, monkeypatch):
    monkeypatch.setattr(sharing, "MAX_LINKS_PER_USER", 2)
    first = sharing.share(*alice)
    sharing.share(*alice)
    with pytest.raises(sharing.ShareLimitReached) as refused:
        sharing.share(*alice)
    assert refused.value.detail == "2"
    sharing.revoke(alice[0], first.link.public_id)  # revoking makes room
    assert sharing.share(*alice).token
