"""The text a screen reader is given for a block of an answer (ui/announce.py)."""

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
