"""What a screen reader is given while an answer streams (ui/announce.py)."""

import base64

from streamlit.testing.v1 import AppTest

from ui.announce import plain_text


def test_markup_is_dropped_and_words_are_kept_apart():
    assert plain_text("**Bold** and *tortoi*ses, `code`") == "Bold and tortoises, code"
    assert plain_text("| Step | Why |\n|---|---|\n| Ask | clarity |") == "Step Why Ask clarity"
    assert plain_text("- one\n- two\n  still two") == "one two still two"


def test_code_blocks_are_read_as_written():
    assert plain_text("```python\ndef f():\n    return 1\n```") == "def f(): return 1"


def test_html_a_model_wrote_is_read_as_the_text_it_is():
    # Streamlit shows raw HTML as text; the announcement says the same.
    assert plain_text("<img src=x onerror=alert(1)> hi") == "<img src=x onerror=alert(1)> hi"


def test_a_link_is_announced_by_its_text():
    # (core.markdown may add where a link goes; the words come first.)
    assert plain_text("See [the docs](https://example.com).").startswith("See the docs")


def test_nothing_to_say_is_empty():
    assert plain_text("   \n\n") == ""


def announce_script():
    """A page that follows an answer whose busy phases come back (a failover, a fallback)."""
    import streamlit as st

    from core.events import Phase, Status
    from core.i18n import Translator
    from core.progress import Snapshot
    from ui.announce import Announcer

    def snapshot(status, answer="", outcome=None):
        return Snapshot(
            message_id=7, version=0, reasoning="", answer=answer, status=status,
            model_id="demo-swift", requested_model_id="demo-thinker", provider_id="demo-east",
            upstream_model="m", degraded_reason=None, attempts=1, started_at=0.0,
            queue_s=None, first_token_s=None, first_answer_s=None, reasoning_s=None,
            elapsed_s=0.0, usage=None, outcome=outcome, error=None, finish_reason=None,
        )  # fmt: skip

    connecting = Status(Phase.CONNECTING, provider="demo-east", attempt=1)
    retrying = Status(Phase.RETRYING, provider="demo-east", attempt=1)
    announcer = Announcer(Translator("en"), st.container(), 7)
    for status, text in [
        (connecting, "Waiting"),
        (retrying, "Retrying in 3 s"),
        (retrying, "Retrying in 2 s"),  # the countdown ticks: not news
        (connecting, "Waiting"),  # the same phase again, after the retry
    ]:
        announcer.follow(snapshot(status), text)
    announcer.follow(snapshot(None, "First block.\n\nSecond", outcome="complete"), "")


def words(element_text: str) -> list[str]:
    """The encoded words of an announcement, after its key (the first word)."""
    key, *encoded = element_text.split()
    assert key.startswith("a11y-say-")
    return encoded


def test_busy_phases_are_said_once_each_and_a_phase_may_come_back():
    at = AppTest.from_function(announce_script).run()
    assert not at.exception, at.exception  # a key used twice in one run would be an error
    # Settled blocks come in batches: one encoded block per word.
    said = [base64.b64decode(word).decode() for text in at.text for word in words(text.value)]
    assert said == ["Waiting", "Retrying in 3 s", "Waiting", "First block.", "Second",
                    "Answer complete."]  # fmt: skip


def batched_script():
    """An answer whose blocks settle over several renders, then ends."""
    import streamlit as st

    from core.i18n import Translator
    from core.progress import Snapshot
    from ui.announce import Announcer

    def snapshot(answer, outcome=None):
        return Snapshot(
            message_id=9, version=0, reasoning="", answer=answer, status=None,
            model_id="demo-swift", requested_model_id="demo-swift", provider_id="demo-east",
            upstream_model="m", degraded_reason=None, attempts=1, started_at=0.0,
            queue_s=None, first_token_s=None, first_answer_s=None, reasoning_s=None,
            elapsed_s=0.0, usage=None, outcome=outcome, error=None, finish_reason=None,
        )  # fmt: skip

    announcer = Announcer(Translator("en"), st.container(), 9)
    text = ""
    for block in ["# Tortoises", "They are slow.", "- shell\n- legs", "```\ncode\n```"]:
        text += block + "\n\n"
        announcer.follow(snapshot(text + "More"), "")
    announcer.follow(snapshot(text + "The end.", outcome="complete"), "")


def test_blocks_settling_render_after_render_are_said_in_one_element_in_order():
    at = AppTest.from_function(batched_script).run()
    assert not at.exception, at.exception
    elements = [words(text.value) for text in at.text]
    said = [base64.b64decode(word).decode() for words in elements for word in words]
    assert said == ["Tortoises", "They are slow.", "shell legs", "code", "The end.",
                    "Answer complete."]  # fmt: skip
    # Two elements reach the browser, not one per block: the blocks, the end.
    assert len(elements) == 2
