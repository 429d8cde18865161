"""The arena page: anonymous answers, four votes, names revealed only after voting."""

from core.store import votes as vote_store
from core.store.comparisons import ARENA, list_comparisons
from core.store.users import local_user

NAMES = ("Demo Thinker", "Demo Swift", "demo-thinker", "demo-swift", "Demo Cloud")


def everything_shown(at) -> str:
    """All text on the page a person could read, widgets and labels included."""
    parts = [e.value for kind in ("markdown", "caption", "success", "info", "warning", "error")
             for e in getattr(at, kind)]  # fmt: skip
    parts += [b.label for b in at.button] + [e.label for e in at.expander]
    parts += [c.placeholder for c in at.chat_input]
    return "\n".join(str(p) for p in parts)


def open_arena(app):
    app.run()
    app.switch_page("pages/arena.py").run()
    return app


def ask(app, text):
    app.chat_input(key="arena-input").set_value(text).run()


def test_names_are_hidden_until_the_vote_then_revealed(app):
    open_arena(app)
    ask(app, "Explain python code for sorting")
    ask(app, "And a shorter version?")  # a follow-up before voting is allowed
    assert not app.exception
    shown = everything_shown(app)
    assert "Model A" in shown and "Model B" in shown
    for name in NAMES:
        assert name not in shown, name
    assert shown.count("This is the offline demo model") >= 2

    app.button(key="vote-a").click().run()
    shown = everything_shown(app)
    assert "You voted “A is better”" in shown
    assert "Demo Thinker" in shown and "Demo Swift" in shown
    battle = list_comparisons(local_user().id, ARENA)[0]
    vote = vote_store.vote_for(local_user().id, battle.id)
    assert vote.outcome == "a" and {vote.model_a, vote.model_b} == {"demo-thinker", "demo-swift"}
    assert not any(b.key and b.key.startswith("vote-") for b in app.button)  # judged once


def test_no_vote_while_an_answer_has_failed(app, faults):
    faults("demo-east", busy_rate=1.0)
    faults("demo-west", busy_rate=1.0)
    app.session_state["allow_fallback"] = True  # the arena turns fallback off anyway
    open_arena(app)
    ask(app, "Hello?")
    shown = everything_shown(app)
    assert "You can vote once both answers are complete" in shown
    assert not any(b.key and b.key.startswith("vote-") for b in app.button)
    for name in NAMES:
        assert name not in shown, name
    assert vote_store.vote_stamp().count == 0
