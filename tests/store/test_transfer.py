"""Export and import: a lossless round trip, idempotent, and careful with what it reads."""

import copy
import json

import pytest

from core.errors import ImportRejected
from core.export import current_branch, file_name, parse_json, to_json, to_markdown
from core.i18n import Translator
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import open_store, reset_for_tests
from core.store.transfer import export_conversations, import_conversations
from core.store.users import ensure_user
from core.store.views import INTERRUPTED


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def branching_chat(user):
    """q1 -> (a1, a1' regenerated) ; a1' -> q2 -> a2 ; q1' (edited) -> a3. Full metadata."""
    conversation = conversation_store.create_conversation(
        user.id, "demo-thinker", title="Trees", thinking=True, system_prompt="Be brief."
    )

    def add(role, content, parent, *, status="complete", content_tokens=None, **outcome):
        message = message_store.append_message(
            user.id,
            conversation.id,
            role=role,
            content=content,
            parent_id=parent,
            status=status,
            content_tokens=content_tokens,
        )
        if outcome:  # what a generation records on its answer, as the worker writes it
            message_store.finish(message.id, status=status, **outcome)
        return message

    q1 = add("user", "What is a tree?", None, content_tokens=5)
    add(
        "assistant",
        "A plant.",
        q1.id,
        reasoning="Think about botany.",
        model_id="demo-thinker",
        requested_model_id="demo-thinker",
        provider_id="demo-east",
        upstream_model="r1",
        prompt_tokens=11,
        completion_tokens=7,
        reasoning_tokens=3,
        ttft_ms=120,
        duration_ms=900,
        attempts=1,
        finish_reason="stop",
    )
    a1b = add(
        "assistant",
        "A **woody** plant, $E=mc^2$.",
        q1.id,
        model_id="demo-swift",
        requested_model_id="demo-thinker",
        provider_id="demo-west",
        usage_estimated=True,
        completion_tokens=9,
    )
    q2 = add("user", "And a forest? 森林", a1b.id)
    add("assistant", "Many trees.", q2.id, status="stopped")
    q1b = add("user", "What is a graph?", None)
    add("assistant", "Nodes and edges.", q1b.id, status="error", error_kind="busy")
    conversation_store.update_conversation(user.id, conversation.id, pinned=True)
    message_store.set_current_leaf(user.id, conversation.id, q2.id + 1)
    return conversation


def strip_time(document):
    document = copy.deepcopy(document)
    document.pop("exported_at")
    return document


def use_database(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    reset_for_tests()
    open_store()


def test_export_import_round_trip_is_lossless(alice, database_url, monkeypatch):
    branching_chat(alice)
    exported = export_conversations(alice.id)
    text = to_json(exported)
    use_database(monkeypatch, database_url("elsewhere"))
    someone = ensure_user("someone-else")
    summary = import_conversations(someone.id, parse_json(text.encode()))
    assert (summary.conversations_added, summary.messages_added) == (1, 7)
    again = export_conversations(someone.id)
    assert strip_time(again) == strip_time(exported)
    conversation = conversation_store.list_conversations(someone.id)[0]
    branch = message_store.branch(someone.id, conversation.id)
    assert [m.content for m in branch] == [
        "What is a tree?",
        "A **woody** plant, $E=mc^2$.",
        "And a forest? 森林",
        "Many trees.",
    ]
    assert len(message_store.siblings(someone.id, branch[1].id)) == 2


def test_importing_twice_adds_nothing(alice):
    branching_chat(alice)
    document = export_conversations(alice.id)
    first = import_conversations(alice.id, document)  # into the same account
    assert (first.conversations_added, first.messages_added, first.messages_present) == (0, 0, 7)
    assert strip_time(export_conversations(alice.id)) == strip_time(document)


def test_import_adds_only_the_messages_missing(alice):
    conversation = branching_chat(alice)
    document = export_conversations(alice.id)
    leaf = message_store.branch(alice.id, conversation.id)[-1]
    message_store.append_message(
        alice.id, conversation.id, role="user", content="later question", parent_id=leaf.id
    )
    trimmed = copy.deepcopy(document)
    added = {
        "id": "ab" * 16,
        "parent": trimmed["conversations"][0]["messages"][-1]["id"],
        "role": "assistant",
        "content": "an answer written elsewhere",
        "created_at": 1.0,
        "updated_at": 1.0,
    }
    trimmed["conversations"][0]["messages"].append(added)
    summary = import_conversations(alice.id, trimmed)
    assert (summary.conversations_updated, summary.messages_added) == (1, 1)
    assert "later question" in [m.content for m in message_store.branch(alice.id, conversation.id)]
    assert import_conversations(alice.id, trimmed).messages_added == 0


def test_a_second_account_gets_its_own_copy_idempotently(alice):
    branching_chat(alice)
    document = export_conversations(alice.id)
    bob = ensure_user("bob")
    assert import_conversations(bob.id, document).conversations_added == 1
    assert import_conversations(bob.id, document).messages_added == 0
    mine, theirs = export_conversations(alice.id), export_conversations(bob.id)
    assert theirs["conversations"][0]["id"] != mine["conversations"][0]["id"]
    assert [m["content"] for m in theirs["conversations"][0]["messages"]] == [
        m["content"] for m in mine["conversations"][0]["messages"]
    ]
    assert strip_time(export_conversations(alice.id)) == strip_time(document)  # untouched


def test_unfinished_answers_are_imported_as_interrupted(alice):
    branching_chat(alice)
    document = export_conversations(alice.id)
    document["conversations"][0]["messages"][1]["status"] = "streaming"
    import_conversations(ensure_user("bob").id, document)
    statuses = [
        m["status"]
        for m in export_conversations(ensure_user("bob").id)["conversations"][0]["messages"]
    ]
    assert statuses[1] == INTERRUPTED


def broken(change):
    def make(document):
        change(document["conversations"][0])
        return document

    return make


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: {"format": "something else"}, "not a Duet"),
        (lambda d: {**d, "version": 99}, "version"),
        (lambda d: {**d, "conversations": "x"}, "no list"),
        (broken(lambda c: c.update(id="../../etc")), "no valid id"),
        (broken(lambda c: c["messages"].reverse()), "before its parent"),
        (broken(lambda c: c["messages"][0].update(role="root")), "unknown role"),
        (broken(lambda c: c["messages"][0].update(content=5)), "content should be str"),
        (broken(lambda c: c["messages"][0].update(prompt_tokens=True)), "prompt_tokens"),
        (broken(lambda c: c.update(title="x" * 300)), "longer than 200"),
        (broken(lambda c: c.update(current_leaf="cd" * 16)), "current message"),
        (broken(lambda c: c["messages"][0].pop("created_at")), "lacks created_at"),
    ],
)
def test_a_bad_file_is_rejected_whole_with_a_reason(alice, damage, reason):
    branching_chat(alice)
    good = export_conversations(alice.id)
    bob = ensure_user("bob")
    # A valid conversation before the damaged one must not be imported either.
    document = damage(copy.deepcopy(good))
    if isinstance(document.get("conversations"), list):
        document["conversations"].insert(0, copy.deepcopy(good["conversations"][0]))
    with pytest.raises(ImportRejected, match=reason):
        import_conversations(bob.id, document)
    assert conversation_store.list_conversations(bob.id) == []


def test_not_json_is_rejected():
    with pytest.raises(ImportRejected, match="not JSON"):
        parse_json(b"\xff\xfe not json")


def test_markdown_transcript_follows_the_current_branch(alice):
    branching_chat(alice)
    document = export_conversations(alice.id)
    markdown = to_markdown(Translator("en"), document, lambda m: f"<{m}>")
    assert markdown.startswith("# Trees\n")
    assert "### You\n\nWhat is a tree?" in markdown
    assert "### <demo-swift>\n\nA **woody** plant, $E=mc^2$." in markdown
    assert "And a forest? 森林" in markdown and "Many trees." in markdown
    assert "A plant." not in markdown and "What is a graph?" not in markdown
    assert "3 more messages are on other branches" in markdown
    chinese = to_markdown(Translator("zh"), document, str)
    assert "### 你" in chinese


def test_markdown_quotes_reasoning(alice):
    conversation = branching_chat(alice)
    first_answer = message_store.siblings(
        alice.id, message_store.branch(alice.id, conversation.id)[1].id
    )[0]
    message_store.choose(alice.id, first_answer)
    markdown = to_markdown(Translator("en"), export_conversations(alice.id), str)
    assert "> **Reasoning**\n>\n> Think about botany.\n\nA plant." in markdown


def test_branch_and_file_names():
    document = {
        "current_leaf": "c",
        "messages": [
            {"id": "a", "parent": None},
            {"id": "b", "parent": "a"},
            {"id": "c", "parent": "a"},
        ],
    }
    assert [m["id"] for m in current_branch(document)] == ["a", "c"]
    assert file_name("Trees / 森林: notes?", "md") == "Trees-森林-notes.md"
    assert file_name("///", "json") == "conversations.json"
    assert json.loads(to_json({"x": "森"})) == {"x": "森"}
