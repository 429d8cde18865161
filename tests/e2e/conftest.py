"""Browser journeys: the real app (`streamlit run serve.py`) in headless Chromium.

Each test module gets its own server on a free port with a temporary database;
each test gets a fresh browser page. Chromium comes from Debian (/usr/bin/chromium);
Playwright's own browser download does not work without network. A journey that
fails leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # This machine has no network: background services would only fail.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """`streamlit run serve.py` (the app and its live channel, or another script) in a
    subprocess, with its own database.

    bench/browser.py runs the benchmarks' servers with it too.
    """

    POLL_S = 0.2  # how often to ask whether the server is up

    def __init__(self, directory: Path, script: str = "serve.py", **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / "streamlit.log"
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{directory / 'e2e.db'}",
            "OLLAMA_URL": "off",
            "DEMO_SPEED": "2",
            **env,
        }
        for name in list(environment):
            if name.endswith("_API_KEY"):
                del environment[name]
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ]
        self._log_file = self.log.open("w")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(self.POLL_S)
        raise RuntimeError(f"streamlit did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log_file.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[AppServer]:
    server = AppServer(tmp_path_factory.mktemp("e2e"))
    yield server
    server.stop()


@pytest.fixture
def page(request, browser, app_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    try:
        reports = [getattr(request.node, f"report_{when}", None) for when in ("setup", "call")]
        if any(report is not None and report.failed for report in reports):
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def new_context(browser) -> Iterator:
    """Browser contexts with other settings (a locale, a phone, dark mode),
    closed after the test whether it passed or failed."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def demo_faults(browser, app_server) -> Iterator:
    """Inject faults into demo clouds from the Status page, as a presenter would:
    `demo_faults("demo-east", busy=100)`. After the test, pass or fail, every
    cloud it touched is healthy again and every breaker closed, so no fault
    leaks into the next journey. The faults are set from a page of their own,
    which a failing test cannot leave in a broken state."""
    from tests.e2e.helpers import go, set_demo_faults, wait_idle

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(20_000)
    presenter = context.new_page()
    touched: set[str] = set()

    def inject(cloud: str, *, busy: int = 0, retry_after: int = 0, down: bool = False) -> None:
        touched.add(cloud)
        set_demo_faults(
            presenter, app_server.url, cloud, busy=busy, retry_after=retry_after, down=down
        )

    yield inject
    try:
        for cloud in sorted(touched):
            set_demo_faults(presenter, app_server.url, cloud, busy=0, retry_after=0, down=False)
        go(presenter, app_server.url, "status")
        close_breakers = presenter.get_by_role("button", name="Close all breakers")
        if close_breakers.count():
            close_breakers.click()
            wait_idle(presenter)
    finally:
        context.close()
