"""No raw HTML from anything a person or a model wrote, anywhere in the app.

`unsafe_allow_html=True` and `st.html(...)` (or `components.html(...)`) are
allowed only with constant text: a string literal, or a module-level name
bound to one (our own CSS in ui/theme.py). Anything else — a variable, an
f-string with values, a call — could carry user or model text, and fails here.
Its companion, tests/test_untrusted_text_is_escaped.py, checks that every
Markdown-rendering call (st.markdown, captions, alerts, labels…) gets only
text made safe by core/markdown.py.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    ROOT / "app.py",
    *ROOT.glob("pages/*.py"),
    *ROOT.glob("ui/*.py"),
    *ROOT.glob("core/**/*.py"),
]


# Calls read by a person, keyed by file and enclosing function, with why no
# text of a user or a model can reach them.
REVIEWED = {
    ("ui/focus.py", "scroll_once"): "a scroll script whose only value is an integer message id",
}


def module_constants(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and is_constant(node.value, set()):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def is_constant(node: ast.AST, constants: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | bool)
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.JoinedStr):  # an f-string only with no values in it
        return all(isinstance(part, ast.Constant) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return is_constant(node.left, constants) and is_constant(node.right, constants)
    return False


def raw_html_calls(source: str, reviewed: set[str] = frozenset()) -> list[str]:
    """Calls that could put non-constant text into the page as HTML, outside the
    functions named in `reviewed`."""
    tree = ast.parse(source)
    constants = module_constants(tree)
    skipped = {
        id(inner)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.name in reviewed
        for inner in ast.walk(function)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in skipped:
            continue
        unsafe = any(
            k.arg == "unsafe_allow_html"
            and not (isinstance(k.value, ast.Constant) and k.value.value is False)
            for k in node.keywords
        )
        is_html = isinstance(node.func, ast.Attribute) and node.func.attr == "html"
        if (unsafe or is_html) and not all(is_constant(arg, constants) for arg in node.args):
            found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_raw_html_with_text_that_is_not_ours(path):
    name = str(path.relative_to(ROOT))
    reviewed = {function for file, function in REVIEWED if file == name}
    assert raw_html_calls(path.read_text(encoding="utf-8"), reviewed) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "st.markdown(message.content, unsafe_allow_html=True)",
        "st.markdown(f'<b>{name}</b>', unsafe_allow_html=True)",
        "st.html(answer)",
        "components.html('<p>' + text + '</p>')",
        "st.write(x, unsafe_allow_html=flag)",
    ],
)
def test_the_check_catches_what_it_is_for(snippet):
    assert raw_html_calls(snippet)


def test_our_own_constant_css_is_allowed():
    assert raw_html_calls('_CSS = "<style>p {}</style>"\nst.html(_CSS)') == []
    assert raw_html_calls("st.markdown(text)") == []
