"""The layers hold: pages and ui components reach the database only through core's
services (core/services.py), never through the store's repository functions, and
never reach through the worker into its runtime (breakers, queues, admission).

What they may take from core/store is what describes data: the views (frozen
dataclasses such as MessageView or ShareLinkView), enums and constants (UP,
DOWN, PASSWORD). A function, or any other object, from core/store is a way
to read or write the database past the services, and fails here.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORE = "core.store"

# What only the worker's own runtime holds: pages ask a service instead.
RUNTIME_PARTS = {"runtime", "breakers", "admission"}


def store_reaches(source: str) -> list[str]:
    """Each import in `source` that hands the module a way into the database:
    a store module itself, or anything from one that does not describe data."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if _in_store(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if node.module == "core" and alias.name == "store":
                    found.append("core.store")
                elif _in_store(node.module) and not _describes_data(node.module, alias.name):
                    found.append(f"{node.module}.{alias.name}")
    return found


def _in_store(module: str) -> bool:
    return module == STORE or module.startswith(STORE + ".")


def _describes_data(module: str, name: str) -> bool:
    """A view dataclass, an enum or a constant: safe to hand to a page."""
    try:  # `from core.store import messages`: a submodule
        value = importlib.import_module(f"{module}.{name}")
    except ModuleNotFoundError:
        value = getattr(importlib.import_module(module), name)
    if isinstance(value, types.ModuleType):
        return value.__name__ == "core.store.views"  # the views module is all types
    if inspect.isclass(value):
        return dataclasses.is_dataclass(value) or issubclass(value, enum.Enum)
    return not callable(value)


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", _modules("ui") + _modules("pages"), ids=_relative)
def test_pages_and_ui_reach_the_store_only_through_services(path):
    assert store_reaches(path.read_text(encoding="utf-8")) == [], (
        f"{_relative(path)} reaches the database past the services: call core/services.py"
    )


@pytest.mark.parametrize("path", _modules("ui") + _modules("pages"), ids=_relative)
def test_pages_and_ui_do_not_reach_into_the_workers_runtime(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reached = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in RUNTIME_PARTS
    ]
    assert not reached, f"{_relative(path)} lines {reached}: ask a service (core/services.py)"


def test_the_check_sees_each_way_into_the_store():
    """The check itself: each form of import that reaches the database is caught,
    and what only describes data is not."""
    reaching = """
import core.store.messages
from core import store
from core.store import conversations as conversation_store
from core.store import erase
from core.store.search import search
from core.store.processes import this_process_id, Heartbeat
"""
    assert store_reaches(reaching) == [
        "core.store.messages",
        "core.store",
        "core.store.conversations",
        "core.store.erase",
        "core.store.search.search",
        "core.store.processes.this_process_id",
        "core.store.processes.Heartbeat",
    ]
    describing = """
from core.store import views
from core.store.views import COMPLETE, MessageView
from core.store.feedback import DOWN, UP
from core.store.share_links import ShareLinkView
from core.store.users import PASSWORD
from core.catalog import Catalog
"""
    assert store_reaches(describing) == []
