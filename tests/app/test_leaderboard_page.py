"""The leaderboard page: ratings from votes, intervals, matrices, performance, exports."""

from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import votes as vote_store
from core.store.comparisons import ARENA
from core.store.users import local_user
from tests.app.conftest import texts


def judged_battle(user_id: int, model_a: str, model_b: str, outcome: str) -> None:
    """A stored battle of two complete answers, and its vote."""
    conversations, answers = [], []
    for model in (model_a, model_b):
        conversation = conversation_store.create_conversation(user_id, model, kind=ARENA)
        question = message_store.append_message(
            user_id, conversation.id, role="user", content="Q", parent_id=None
        )
        answer = message_store.append_message(
            user_id, conversation.id, role="assistant", content="A", parent_id=question.id,
            model_id=model, requested_model_id=model,
        )  # fmt: skip
        conversations.append(conversation.id)
        answers.append(answer.id)
    battle = comparison_store.create_comparison(user_id, ARENA, conversations)
    vote_store.record_vote(
        user_id, battle.id, outcome, message_a_id=answers[0], message_b_id=answers[1],
        model_a=model_a, model_b=model_b,
    )  # fmt: skip


def open_leaderboard(app):
    app.run()
    app.switch_page("pages/leaderboard.py").run()
    return app


def test_no_votes_yet_says_where_to_vote(app):
    open_leaderboard(app)
    assert not app.exception
    assert any("Battle in the Arena" in i.value for i in app.info)


def test_ratings_intervals_matrices_and_exports(app):
    open_leaderboard(app)  # builds the services and the database
    user = local_user()
    for _ in range(8):
        judged_battle(user.id, "demo-thinker", "demo-swift", "a")
    judged_battle(user.id, "demo-swift", "demo-thinker", "tie")
    judged_battle(user.id, "demo-swift", "demo-thinker", "both_bad")
    app.run()
    assert not app.exception
    assert "Votes: 10" in texts(app)
    ratings = app.dataframe[0].value
    assert list(ratings["model"]) == ["Demo Thinker · offline", "Demo Swift · offline"]
    assert list(ratings["battles"]) == [10, 10]
    assert list(ratings["ties"]) == [2, 2]
    assert ratings["rating"].iloc[0] > ratings["rating"].iloc[1]
    win_rate = app.dataframe[1].value
    assert win_rate.iloc[0, 1] == 0.9  # 8 wins and 2 ties out of 10
    keys = {b.key for b in app.get("download_button")}
    assert {"export-votes", "export-battles"} <= keys

    judged_battle(user.id, "demo-thinker", "demo-swift", "b")
    app.run()
    assert "Votes: 11" in texts(app)  # a new vote is a new cache entry
