"""The product-team pages call services only (issue 16): no repository function of
core/store is imported (its types, views and constants may be), and nothing
reaches through the worker into its runtime (breakers, queues)."""

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The chat-side pages and ui modules are converted separately; add them here when done.
CONVERTED = [
    "pages/compare.py",
    "pages/arena.py",
    "pages/batch.py",
    "pages/leaderboard.py",
    "pages/status.py",
    "ui/batch_judging.py",
    "ui/compare_view.py",
    "ui/prompt_input.py",
]


def store_imports(tree: ast.AST) -> list[tuple[str, str]]:
    """(module, name) of every import from core.store."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("core.store"):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("core.store")]
    return found


def store_calls(source: str) -> list[str]:
    """What a module takes from core/store beyond types: repository modules and functions."""
    wrong = []
    for module, name in store_imports(ast.parse(source)):
        imported = getattr(importlib.import_module(module), name) if name else None
        if imported is None or inspect.ismodule(imported) or inspect.isfunction(imported):
            wrong.append(f"{module}.{name}" if name else module)
    return wrong


@pytest.mark.parametrize("path", CONVERTED)
def test_a_converted_page_imports_no_store_function(path):
    assert store_calls((ROOT / path).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", CONVERTED)
def test_a_converted_page_does_not_reach_into_the_worker(path):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    reached = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"runtime", "breakers", "admission"}
    ]
    assert not reached, f"{path} lines {reached}: ask a service (core/services.py)"


def test_the_check_finds_what_pages_used_to_import():
    """Not vacuous: the imports the pages had before are caught, types are not."""
    before = (
        "from core.store import batches as batch_store\n"
        "from core.store.votes import vote_stamp\n"
        "import core.store.erase\n"
        "from core.store.views import MessageView\n"
        "from core.store.comparisons import ComparisonView\n"
    )
    assert store_calls(before) == [
        "core.store.batches",
        "core.store.votes.vote_stamp",
        "core.store.erase",
    ]
