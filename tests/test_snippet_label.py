"""A search snippet is someone's text: shown literally, the match in bold."""

from core.store.search import SearchHit, Snippet
from ui.format import escape_markdown
from ui.search import snippet_label


def hit(before, match, after):
    return SearchHit(1, "p", "t", False, 2, "user", False, Snippet(before, match, after), 0.0)


def test_markup_in_a_snippet_stays_text():
    label = snippet_label(hit("see ![x](http://evil/p.png) and ", "**bold**", " $5 <b>"))
    assert label == (
        "see \\!\\[x\\]\\(http\\:\\/\\/evil\\/p\\.png\\) and **\\*\\*bold\\*\\*** \\$5 \\<b\\>"
    )


def test_every_markdown_character_is_escaped():
    assert escape_markdown("# a_b *c* `d` [e](f) :red[g] ~h~ |i| {j} +k -l. \\") == (
        "\\# a\\_b \\*c\\* \\`d\\` \\[e\\]\\(f\\) \\:red\\[g\\] "
        "\\~h\\~ \\|i\\| \\{j\\} \\+k \\-l\\. \\\\"
    )
    assert escape_markdown("中文 plain") == "中文 plain"
