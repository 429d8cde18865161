"""Non-blind votes keep the prompt they were cast on; that prompt stays its author's."""

from core.store import conversations as conversation_store
from core.store import feedback as feedback_store
from core.store import messages as message_store
from core.store.users import ensure_user


def answered(user_id: int, prompt: str) -> int:
    conversation = conversation_store.create_conversation(user_id, "demo-swift")
    question = message_store.append_message(
        user_id, conversation.id, role="user", content=prompt, parent_id=None
    )
    answer = message_store.append_message(
        user_id, conversation.id, role="assistant", content="An answer.", parent_id=question.id,
        model_id="demo-swift", requested_model_id="demo-swift",
    )  # fmt: skip
    return answer.id


def test_a_persons_votes_export_only_their_own_prompts(db):
    alice, bob = ensure_user("alice"), ensure_user("bob")
    feedback_store.set_thumb(alice.id, answered(alice.id, "Alice's private question"), "up")
    feedback_store.set_thumb(bob.id, answered(bob.id, "Bob's private question"), "down")

    assert [v.prompt for v in feedback_store.feedback_of(bob.id)] == ["Bob's private question"]
    assert [v.prompt for v in feedback_store.feedback_of(alice.id)] == ["Alice's private question"]
    # The shared board still counts both votes.
    assert sorted(v.value for v in feedback_store.all_feedback()) == ["down", "up"]
