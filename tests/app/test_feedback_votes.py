"""Votes in plain sight: a thumb on a chat answer, "which is better" in Compare,
and their own board on the leaderboard, apart from the blind one."""

import json

from core.feedback import choice_of, preference_pairs
from core.store import erase
from core.store import feedback as feedback_store
from core.store.feedback import PREFERENCE, THUMBS
from core.store.users import local_user
from core.store.votes import vote_stamp
from tests.app.conftest import texts


def test_a_thumb_on_a_chat_answer_is_kept_with_its_model_and_prompt(app):
    app.run()
    app.chat_input[0].set_value("What is a tortoise?").run()
    assert not app.exception
    (thumb,) = app.feedback
    thumb.set_value(1).run()
    (vote,) = feedback_store.all_feedback(THUMBS)
    assert (vote.value, vote.model_id, vote.prompt) == ("up", "demo-thinker", "What is a tortoise?")
    assert "system_prompt" in json.loads(vote.settings)
    app.run()
    assert app.feedback[0].value == 1  # shown again on the next run
    app.feedback[0].set_value(0).run()
    assert [v.value for v in feedback_store.all_feedback(THUMBS)] == ["down"]  # replaced

    app.switch_page("pages/leaderboard.py").run()
    assert not app.exception
    assert "Votes in plain sight" in texts(app)
    approval = next(f.value for f in app.dataframe if "approval" in f.value.columns)
    assert list(approval["down"]) == [1] and approval["approval"].iloc[0] == 0.0
    assert vote_stamp().count == 0  # nothing reached the blind arena's votes

    erase.delete_all_conversations(local_user().id)
    assert feedback_store.all_feedback() == []  # the copied prompt is erased with them


def test_which_is_better_in_compare_feeds_its_own_board(app):
    app.run()
    app.switch_page("pages/compare.py").run()
    app.chat_input(key="compare-input").set_value("Explain python code for sorting").run()
    assert not app.exception
    (better,) = app.segmented_control
    better.set_value(1).run()  # column 2, the Swift
    (vote,) = feedback_store.all_feedback(PREFERENCE)
    assert (vote.model_id, vote.other_model_id, vote.value) == ("demo-thinker", "demo-swift", "b")
    assert set(json.loads(vote.settings)) == {"a", "b"}  # both columns' settings
    app.switch_page("pages/leaderboard.py").run()
    board = next(f.value for f in app.dataframe if "rank" in f.value.columns)
    assert list(board["model"]) == ["Demo Swift · offline", "Demo Thinker · offline"]
    assert vote_stamp().count == 0
    assert {b.key for b in app.get("download_button")} >= {"export-feedback"}


def test_several_columns_choice_becomes_pairwise_votes_and_reads_back():
    ids = [11, 12, 13]
    assert preference_pairs(ids, 1) == [(11, 12, "b"), (12, 13, "a")]
    assert preference_pairs(ids, "tie") == [(11, 12, "tie"), (11, 13, "tie"), (12, 13, "tie")]
    stored = {(a, b): v for a, b, v in preference_pairs(ids, 2)}
    assert choice_of(ids, stored) == 2
    assert choice_of(ids, {}) is None
