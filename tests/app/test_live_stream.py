"""A growing answer on the page: every piece shown once, in order, nothing left over."""

from streamlit.testing.v1 import AppTest


def stream_script(final_pass: bool) -> None:
    import streamlit as st

    from tests.test_text_rendering import MODEL_PROSE
    from ui.live import _Stream

    text = MODEL_PROSE * 8 + "\n\n- a list\n- of two\n\n" + MODEL_PROSE * 3
    stream = _Stream(st.container(), "test")
    for end in range(1, len(text) + 1, 37):
        stream.show(text[:end])
    stream.show(text, final=final_pass)


def shown(at: AppTest) -> str:
    return "".join(m.value for m in at.markdown).replace("&#32;", " ").replace("\\", "")


def squeezed(text: str) -> str:
    return "".join(text.replace("-", "").split())


def test_the_finished_text_is_on_the_page_once_and_in_order():
    at = AppTest.from_function(stream_script, args=(True,)).run()
    assert not at.exception
    from tests.test_text_rendering import MODEL_PROSE

    expected = MODEL_PROSE * 8 + "a list of two" + MODEL_PROSE * 3
    assert squeezed(shown(at)) == squeezed(expected)


def test_while_growing_the_tail_follows_the_last_piece():
    at = AppTest.from_function(stream_script, args=(False,)).run()
    assert not at.exception
    from tests.test_text_rendering import MODEL_PROSE

    expected = MODEL_PROSE * 8 + "a list of two" + MODEL_PROSE * 3
    assert squeezed(shown(at)) == squeezed(expected)


def flows(node) -> list[str]:
    """The text of each flow container (a paragraph shown as one), in order."""
    found = []
    for child in getattr(node, "children", {}).values():
        if "-flow-" in str(getattr(child.proto, "id", "")):
            found.append(squeezed(shown(child)))
        else:
            found += flows(child)
    return found


def test_each_long_paragraph_is_one_flow_of_pieces():
    at = AppTest.from_function(stream_script, args=(True,)).run()
    from tests.test_text_rendering import MODEL_PROSE

    assert flows(at.main) == [squeezed(MODEL_PROSE * 8), squeezed(MODEL_PROSE * 3)]
