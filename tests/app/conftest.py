"""AppTest fixtures: the real app script, its real services, a temporary database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from core.demo.faults import clear_faults, set_faults
from core.services import reset_services
from core.store import reset_for_tests

TIMEOUT = 30
APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def navigation_not_pages_directory(monkeypatch):
    """Keep AppTest on `st.navigation` across runs, as the real server is.

    AppTest resets Streamlit's process-wide "uses the pages/ directory" flag
    before every run, so each run would start in multipage v1 mode, where
    ui/bootstrap.py reruns through app.py and the run's widget value (a
    submitted chat message) is consumed by the rerun. The real server resets
    it only once per process (see ui/bootstrap.py).
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url("app"))
    monkeypatch.setenv("DEMO_SPEED", "40")
    reset_services()
    reset_for_tests()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    yield at
    reset_services()
    reset_for_tests()


@pytest.fixture
def faults():
    """Switch the demo clouds' faults (`faults("demo-east", speed=0.1)`); cleared after."""
    yield set_faults
    clear_faults()


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """Markdown as a reader sees it: without the backslashes that escape punctuation
    (core/markdown.py escapes every punctuation mark of text that is not ours)."""
    return _ESCAPE.sub(r"\1", markdown)


def texts(at: AppTest) -> str:
    """Everything written as Markdown or captions on the page, joined, as read."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return shown("\n".join(parts))
