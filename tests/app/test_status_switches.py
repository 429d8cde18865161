"""The Status page's demo fault switches: a change applies, and a page drawn
before someone else's change shows theirs instead of writing its own back."""

from core.demo.faults import faults_for


def test_a_switch_applies_and_a_stale_page_does_not_undo_a_change_made_elsewhere(app, faults):
    app.run()
    app.switch_page("pages/status.py").run()
    assert not app.exception
    app.toggle(key="down-demo-east").set_value(True).run()
    assert faults_for("demo-east").down  # the demo server now drops demo-east's requests

    faults("demo-east", busy_rate=0.5)  # another session (or replica) moves the slider
    app.run()  # this page still held 0 % and "down" from before
    assert app.slider(key="busy-demo-east").value == 50  # it shows the other change
    assert faults_for("demo-east").busy_rate == 0.5  # and did not write its 0 % back
    assert faults_for("demo-east").down

    app.toggle(key="down-demo-east").set_value(False).run()
    switched = faults_for("demo-east")
    assert not switched.down and switched.busy_rate == 0.5
