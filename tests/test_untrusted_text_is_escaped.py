"""Text that is not ours reaches Streamlit's Markdown only through the one safe function.

Streamlit renders Markdown in far more places than `st.markdown`: `st.write`,
captions, alerts, toasts, and the labels of buttons, expanders, popovers,
tabs, dialogs and most widgets. A conversation title, a file name, a model id
or a provider's error detail passed to any of them raw could carry an image
or a link. This test reads every page and ui module and fails when such a call
is given anything but text known to be safe:

- a literal, or a module constant bound to one;
- the output of `prepare_markdown` (a whole message, core/markdown.py) or of
  `escape_text` / `escape_markdown` (a label: everything literal);
- an i18n string `t("key", ...)` whose values are themselves safe or numbers;
- a reviewed helper below, which builds its text from those;
- an f-string, `+`, `join` or conditional made only of the above, or a local
  variable only ever assigned such text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "app.py", *sorted(ROOT.glob("pages/*.py")), *sorted(ROOT.glob("ui/*.py"))]

# Streamlit calls whose text argument (first positional, or these keywords) is Markdown.
MARKDOWN_CALLS = {
    "markdown", "write", "caption", "title", "header", "subheader",
    "error", "warning", "info", "success", "toast", "exception",
    "button", "form_submit_button", "download_button", "link_button", "page_link",
    "expander", "popover", "tabs", "dialog", "checkbox", "toggle", "radio",
    "metric", "text_input", "text_area", "number_input", "selectbox", "multiselect",
    "slider", "select_slider", "file_uploader", "segmented_control", "pills",
}  # fmt: skip
TEXT_KEYWORDS = {"body", "label", "title", "help"}  # a placeholder is plain text

# Functions whose result is safe text, and why.
SAFE_FUNCTIONS = {
    "prepare_markdown": "core/markdown.py: untrusted Markdown rewritten inert",
    "escape_text": "core/markdown.py: every ASCII punctuation escaped",
    "escape_markdown": "ui/format.py: the same, for labels",
    "t": "an i18n string from our locale files; its values are checked",
    "has": "an i18n key check (a bool)",
    "number": "Translator.number: digits",
    "seconds": "Translator.seconds: a duration",
    "len": "a number",
    "int": "a number",
    "round": "a number",
    "str": "checked: only of a number",
    "describe": "ui/errors.py: escapes the detail and every value it is given",
    "describe_error": "ui/errors.py: through describe",
    "answer_caption": "ui/format.py: escapes the model and provider names",
    "model_summary": "ui/format.py: escapes the provider name",
    "model_name": "ui/format.py: a model's label or id, escaped",
    "reasoning_label": "ui/message.py: i18n with a duration",
    "degraded_note": "ui/message.py: i18n with model_name",
    "snippet_label": "ui/search.py: the snippet escaped, the match in bold",
    "_group_caption": "ui/search.py: the title escaped, i18n and a date",
    "metrics_text": "ui/compare_view.py: i18n with numbers",
    "status_text": "ui/live.py: i18n and model_name",
    "blind_status_text": "ui/compare_view.py: i18n only",
    "import_message": "ui/your_data.py: i18n with our field names and numbers, not the file's",
    "refusal_text": "ui/attachments.py: i18n with the file name and every non-number escaped",
    "human_size": "ui/attachments.py: a number and a unit",
    "invalid_message": "ui/personas.py: i18n with a number",
    "allowance_sentence": "pages/usage.py: i18n with amounts formatted from numbers",
}
NUMBER_FUNCTIONS = {"len", "int", "round", "min", "max", "number", "seconds"}

# Calls reviewed by hand: (file, function) -> why the value is safe.
REVIEWED = {
    ("ui/live.py", "_replace"): "its body is _shown(): prepare_markdown's output or indented code",
    ("ui/live.py", "_freeze"): "body is _body(): _shown() of the blocks joined (or empty)",
    ("ui/live.py", "_show_live"): "body is _body(): _shown() of the blocks and tail (or empty)",
    ("ui/live.py", "_show_status"): (
        "status_text, blind_status_text (both in SAFE_FUNCTIONS) or ui/web_search.py's "
        "web_status_text (i18n, the query through escape_text, else status_text)"
    ),
    ("ui/compare_view.py", "render_summary"): "names() escapes every column title",
    ("ui/auth.py", "keep_session_in_browser"): "session_cookie.write is a component, not st.write",
    ("ui/attachments.py", "show_refusals"): "each line is refusal_text() or t() with a number",
}


def _assignments(scope: ast.AST) -> dict[str, list[ast.AST | None]]:
    """name -> every value assigned to it in `scope` (None: a value we cannot see)."""
    found: dict[str, list[ast.AST | None]] = {}
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        arguments = scope.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            found.setdefault(argument.arg, []).append(None)
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
                else:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            found.setdefault(name.id, []).append(None)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            if isinstance(node.target, ast.Name):
                found.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.For | ast.comprehension | ast.withitem):
            target = node.target if not isinstance(node, ast.withitem) else node.optional_vars
            for name in ast.walk(target) if target is not None else []:
                if isinstance(name, ast.Name):
                    found.setdefault(name.id, []).append(None)
    return found


class _Checker:
    def __init__(self, tree: ast.Module) -> None:
        self.module = _assignments(
            ast.Module(body=[n for n in tree.body if isinstance(n, ast.Assign)], type_ignores=[])
        )

    def safe(self, node: ast.AST | None, scope: dict, seen: frozenset = frozenset()) -> bool:
        if node is None:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(part, scope, seen) for part in node.values)
        if isinstance(node, ast.FormattedValue):
            return self.safe(node.value, scope, seen)
        if isinstance(node, ast.BinOp):
            if self._number(node):
                return True
            return (
                isinstance(node.op, ast.Add)
                and self.safe(node.left, scope, seen)
                and self.safe(node.right, scope, seen)
            )
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, scope, seen) and self.safe(node.orelse, scope, seen)
        if isinstance(node, ast.BoolOp):
            return all(self.safe(value, scope, seen) for value in node.values)
        if isinstance(node, ast.List | ast.Tuple):
            return all(self.safe(element, scope, seen) for element in node.elts)
        if isinstance(node, ast.ListComp | ast.GeneratorExp):
            return self._safe_items(node, scope, seen)
        if isinstance(node, ast.Subscript):  # a part of a safe list
            return self.safe(node.value, scope, seen)
        if isinstance(node, ast.Compare):
            return True  # a bool
        if isinstance(node, ast.Name):
            if node.id.isupper():
                return True  # a constant of ours (MAX_PROMPTS), by the naming convention
            if node.id in seen:
                return True
            values = scope.get(node.id) or self.module.get(node.id)
            return bool(values) and all(self.safe(v, scope, seen | {node.id}) for v in values)
        if isinstance(node, ast.Call):
            return self._safe_call(node, scope, seen)
        return False

    def _number(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, int | float)
        if isinstance(node, ast.BinOp):
            return self._number(node.left) or self._number(node.right)
        if isinstance(node, ast.Call):
            return _name(node.func) in NUMBER_FUNCTIONS
        return False

    def _safe_call(self, node: ast.Call, scope: dict, seen: frozenset) -> bool:
        name = _name(node.func)
        if name == "join" and isinstance(node.func, ast.Attribute):
            return self.safe(node.func.value, scope, seen) and all(
                self._safe_items(a, scope, seen) for a in node.args
            )
        if name not in SAFE_FUNCTIONS:
            return False
        if name == "str":
            return all(self._number(a) for a in node.args)
        if name == "t":  # the key names one of our strings; the values put in it must be safe
            values = [*node.args[1:], *(k.value for k in node.keywords)]
            return all(self.safe(v, scope, seen) or self._number(v) for v in values)
        return True

    def _safe_items(self, node: ast.AST, scope: dict, seen: frozenset) -> bool:
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            return self.safe(node.elt, {**scope, **_assignments(node)}, seen) or self._number(
                node.elt
            )
        return self.safe(node, scope, seen)


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Call):  # state.t()("key")
        return _name(func.func)
    return ""


def _text_arguments(call: ast.Call) -> list[ast.AST]:
    texts = [keyword.value for keyword in call.keywords if keyword.arg in TEXT_KEYWORDS]
    if call.args:
        first = call.args[0]
        texts += (
            first.elts if isinstance(first, ast.List) and _name(call.func) == "tabs" else [first]
        )
    return texts


def unsafe_markdown_calls(source: str, reviewed: set[str] = frozenset()) -> list[str]:
    """Markdown-rendering calls given text not known to be safe, outside `reviewed` functions."""
    tree = ast.parse(source)
    checker = _Checker(tree)
    scopes = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
    ]
    owner: dict[int, ast.AST] = {}
    for scope in scopes:  # innermost function wins: it is visited later
        for node in ast.walk(scope):
            owner[id(node)] = scope
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in MARKDOWN_CALLS:
            continue
        scope = owner.get(id(node), tree)
        if getattr(scope, "name", None) in reviewed:
            continue
        assigned = _assignments(scope) if scope is not tree else {}
        for text in _text_arguments(node):
            if not checker.safe(text, assigned):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:90]}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_safe_text_reaches_markdown(path):
    name = str(path.relative_to(ROOT))
    reviewed = {function for file, function in REVIEWED if file == name}
    assert unsafe_markdown_calls(path.read_text(encoding="utf-8"), reviewed) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "st.markdown(message.content)",
        "st.button(conversation.title, key='x')",
        "st.button(conversation.title or t('sidebar.untitled'))",
        "st.caption(f'**{name}**')",
        "st.warning(t('chat.model_removed', model=conversation.model_id))",
        "st.error(problem.detail)",
        "st.toast(notice[1])",
        "st.expander(label=file.name)",
        "st.tabs([t('a'), model.id])",
        "st.write(answer)",
        "column.markdown('**' + title + '**')",
        "def f(title):\n    label = title\n    st.button(label)",
    ],
)
def test_the_check_catches_text_that_is_not_ours(snippet):
    assert unsafe_markdown_calls(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "st.markdown('## Title')",
        "st.markdown(prepare_markdown(message.content))",
        "st.button(escape_markdown(conversation.title or t('sidebar.untitled')))",
        "st.caption(f\"**{t('x')}** {escape_markdown(name)}\")",
        "st.warning(t('chat.model_removed', model=escape_markdown(m), n=len(x)))",
        "def f():\n    label = t('a')\n    st.button(label)",
    ],
)
def test_safe_text_passes(snippet):
    assert unsafe_markdown_calls(snippet) == []
