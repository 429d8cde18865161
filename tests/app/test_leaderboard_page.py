"""The leaderboard page: ratings from votes, intervals, matrices, performance, exports,
style control, category boards and de-blinded battles."""

from core.store import comparisons as comparison_store
from core.store.users import local_user
from tests.app.conftest import texts
from tests.battle_helpers import judged_battle
from tests.test_style_control import simulate


def top_model(app) -> str:
    return app.dataframe[0].value["model"].iloc[0]


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
    assert list(ratings["both_bad"]) == [0.1, 0.1]
    assert ratings["rating"].iloc[0] > ratings["rating"].iloc[1]
    assert list(ratings["rank"]) == [1, 2]  # 8 of 10 won: intervals apart
    win_rate = app.dataframe[1].value
    assert win_rate.iloc[0, 1] == 0.9  # 8 wins and 2 ties out of 10
    predicted = app.dataframe[2].value
    assert 0.5 < predicted.iloc[0, 1] < 0.9  # the prior pulls the fit toward even
    assert predicted.iloc[0, 1] + predicted.iloc[1, 0] == 1
    keys = {b.key for b in app.get("download_button")}
    assert {"export-votes", "export-battles"} <= keys

    judged_battle(user.id, "demo-thinker", "demo-swift", "b")
    app.run()
    assert "Votes: 11" in texts(app)  # a new vote is a new cache entry


def store_style_battles(user_id: int) -> None:
    """90 battles in which the "verbose" model wins by writing three times as much
    (tests/test_style_control.py's simulation; seed 1 is a clear case)."""
    for vote in simulate(90, seed=1, pull=5.0):
        judged_battle(
            user_id, vote.model_a, vote.model_b, vote.outcome, prompts=["Explain tides"],
            answers_a=["word " * int(vote.style_a[0])], answers_b=["word " * int(vote.style_b[0])],
        )  # fmt: skip


def test_control_for_style_takes_the_lead_from_a_model_that_only_writes_more(app):
    open_leaderboard(app)
    store_style_battles(local_user().id)
    app.run()
    assert top_model(app) == "verbose"
    app.toggle(key="lb-style").set_value(True).run()
    assert not app.exception
    ratings = app.dataframe[0].value
    assert ratings["model"].iloc[0] == "sharp"
    effects = app.dataframe[1].value  # what each style feature was worth
    assert list(effects["feature"]) == ["Length (words)", "Headers", "Bold", "List items"]
    assert effects["points"].iloc[0] > 50
    assert "same style" in texts(app)  # the predicted matrix says what it predicts
    app.toggle(key="lb-style").set_value(False).run()
    assert top_model(app) == "verbose"


def test_deblinded_battles_are_left_out_unless_included(app):
    open_leaderboard(app)
    user = local_user()
    for _ in range(3):
        judged_battle(user.id, "demo-thinker", "demo-swift", "a", prompts=["Hello there"])
    for _ in range(4):
        judged_battle(
            user.id, "demo-thinker", "demo-swift", "b", prompts=["Who are you?"],
            answers_a=["Just a model."], answers_b=["我是DeepSeek，很高兴认识你。"],
        )  # fmt: skip
    app.run()
    assert "Votes: 3" in texts(app) and "4 de-blinded left out" in texts(app)
    assert list(app.dataframe[0].value["battles"]) == [3, 3]
    app.toggle(key="lb-deblinded").set_value(True).run()
    assert "Votes: 7" in texts(app) and "de-blinded" not in texts(app)
    assert top_model(app) == "Demo Swift · offline"


def test_a_deleted_battle_leaves_the_category_boards_at_once(app):
    open_leaderboard(app)
    user = local_user()
    judged_battle(user.id, "demo-thinker", "demo-swift", "a", prompts=["你好"])
    deleted = judged_battle(user.id, "demo-thinker", "demo-swift", "a", prompts=["早上好"])
    app.run()
    assert "Chinese (2)" in app.selectbox(key="lb-category").options
    comparison_store.delete_comparison(user.id, deleted)
    app.run()
    assert "Chinese (1)" in app.selectbox(key="lb-category").options
    assert "Votes: 2" in texts(app)  # the raw board over all battles keeps the vote
    app.selectbox(key="lb-category").set_value("zh").run()
    assert "Votes: 1" in texts(app) and "1 without their battle (deleted) left out" in texts(app)


def test_category_boards(app):
    open_leaderboard(app)
    user = local_user()
    for _ in range(2):
        judged_battle(user.id, "demo-thinker", "demo-swift", "a", prompts=["写一个Python排序函数"])
    judged_battle(user.id, "demo-thinker", "demo-swift", "b", prompts=["Tell me a joke"])
    app.run()
    category = app.selectbox(key="lb-category")
    assert "Chinese (2)" in category.options and "Code (2)" in category.options
    assert "English (1)" in category.options and "Math (0)" in category.options
    category.set_value("zh").run()
    assert "Votes: 2" in texts(app)
    assert list(app.dataframe[0].value["wins"]) == [2, 0]
    app.selectbox(key="lb-category").set_value("math").run()
    assert not app.exception
    assert any("No votes in this selection" in i.value for i in app.info)


def test_chinese_page(app):
    app.session_state["locale"] = "zh"
    open_leaderboard(app)
    judged_battle(local_user().id, "demo-thinker", "demo-swift", "a", prompts=["你好"])
    app.run()
    assert not app.exception
    assert app.toggle(key="lb-style").label == "控制风格"
    assert app.toggle(key="lb-deblinded").label == "包含暴露身份的对战"
    assert "中文（1）" in app.selectbox(key="lb-category").options
    assert "投票数：1" in texts(app)


def test_a_judge_re_judges_blind_votes_and_its_agreement_is_shown(app):
    from core.services import services

    open_leaderboard(app)
    user = local_user()
    reference = "A tortoise is a reptile with a shell."
    for outcome in ("a", "b", "tie"):
        judged_battle(user.id, "demo-thinker", "demo-swift", outcome, prompts=["Tortoise?"],
                      answers_a=[reference], answers_b=["No idea."])  # fmt: skip
    app.run()
    app.selectbox(key="agreement-judge").set_value("demo-swift").run()
    app.number_input(key="agreement-sample").set_value(10).run()
    app.button(key="agreement-run").click().run()
    assert not app.exception
    services().agreement.wait("demo-swift")
    app.run()
    table = next(f.value for f in app.dataframe if "compared" in f.value.columns)
    row = table.iloc[0]
    assert row["judge"] == "Demo Swift · offline"
    assert row["compared"] == 3  # the demo judge, without a reference, scores both short
    assert row["agreement"] == 1 / 3  # answers alike: a tie, which agrees with the tie vote
    assert "Judge–human agreement" in texts(app)
    assert "export-agreement" in {b.key for b in app.get("download_button")}
