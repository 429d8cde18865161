"""The reference deployment, end to end: PostgreSQL, two replicas and nginx, all
started by deploy/run-replicas, and Chromium driving the app through them.

A person asks through the balancer; a reload stays on the replica writing the
answer (sticky sessions); the same conversation opened on the other replica
(by its own port, as a second device the balancer sent elsewhere would be)
shows the answer growing, refuses a new question, and its Stop stops the writer.
Skipped where nginx or PostgreSQL is not installed (.ci/run installs both).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import ROOT, free_port
from tests.e2e.helpers import choose, last_answer, open_app, send, wait_idle

NGINX = "/usr/sbin/nginx"
ELSEWHERE = "Being written in another window"


def unavailable(reason: str) -> None:
    """Skip on a laptop without it; in CI, which installs it, that is a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def two_free_ports() -> int:
    """A port p with p + 1 free too (deploy/run-replicas numbers replicas in a row)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports in a row")


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"deploy/run-replicas exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} never answered: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        unavailable("PostgreSQL is not installed (.ci/run installs it)")
    # Not under pytest's temporary directory: the server runs as the postgres
    # user (when the tests run as root), which must reach its directory.
    directory = tempfile.mkdtemp(prefix="duet-replicas-pg.")
    url = subprocess.run(
        [str(ROOT / ".ci/postgres"), "start", str(directory)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    yield url
    subprocess.run([str(ROOT / ".ci/postgres"), "stop", str(directory)], check=False)
    shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Deployment:
    balancer: str  # what browsers are given
    replicas: list[str]  # each replica's own address
    pids: list[int]  # each replica's process id, in the same order
    database_url: str


@pytest.fixture(scope="module")
def deployment(postgres, tmp_path_factory) -> Iterator[Deployment]:
    if not os.path.exists(NGINX):
        unavailable("nginx is not installed (.ci/run installs it)")
    run_dir = tmp_path_factory.mktemp("replicas")
    first, listen = two_free_ports(), free_port()
    log = run_dir / "run-replicas.log"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")},
        "DATABASE_URL": postgres,
        "REPLICAS": "2",
        "FIRST_PORT": str(first),
        "LISTEN": f"127.0.0.1:{listen}",
        "RUN_DIR": str(run_dir),
        "OLLAMA_URL": "off",
        "DEMO_SPEED": "1",  # about 40 tokens a second: a long answer takes many seconds
    }
    with log.open("w") as out:
        script = subprocess.Popen(
            [str(ROOT / "deploy/run-replicas")],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: nothing of it outlives the test
        )
    try:
        wait_for(f"http://127.0.0.1:{listen}/_stcore/health", script, log)
        ports = [first, first + 1]
        pids = [int((run_dir / f"replica-{port}.pid").read_text()) for port in ports]
        yield Deployment(
            f"http://127.0.0.1:{listen}",
            [f"http://127.0.0.1:{port}" for port in ports],
            pids,
            postgres,
        )
    finally:
        script.send_signal(signal.SIGTERM)  # the script stops nginx, then the replicas
        try:
            script.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGKILL)


def writer_of(deployment: Deployment, conversation: str) -> tuple[int, str, str]:
    """The answer being written in a conversation: its id, its status and the
    address of the replica writing it (from the database's owner of the row)."""
    engine = create_engine(deployment.database_url)
    try:
        with engine.connect() as db:
            row = db.execute(
                text(
                    "SELECT m.id, m.status, p.pid FROM messages m"
                    " JOIN conversations c ON c.id = m.conversation_id"
                    " LEFT JOIN processes p ON p.id = m.owner_process"
                    " WHERE c.public_id = :c AND m.role = 'assistant'"
                    " ORDER BY m.id DESC LIMIT 1"
                ),
                {"c": conversation},
            ).one()
    finally:
        engine.dispose()
    replica = (
        deployment.replicas[deployment.pids.index(row.pid)] if row.pid in deployment.pids else ""
    )
    return row.id, row.status, replica


def test_an_answer_is_followed_and_stopped_from_the_other_replica(deployment, new_context):
    person = new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    open_app(person, deployment.balancer)
    choose(person, 0, "Demo Swift · offline")
    send(person, "Write a long, detailed essay about tortoises")
    expect(last_answer(person)).to_contain_text("tortoise", timeout=20_000)
    conversation = re.search(r"[?&]c=([^&]+)", person.url).group(1)
    answer_id, status, writer = writer_of(deployment, conversation)
    assert status in ("queued", "streaming") and writer, (status, writer)

    # A reload goes back through the balancer to the same replica: it follows
    # the answer from its own worker (a Stop of its own, no "another window").
    person.reload()
    person.locator('[data-testid="stApp"]').wait_for()
    expect(person.get_by_role("button", name="Stop")).to_be_visible(timeout=10_000)
    expect(person.get_by_text(ELSEWHERE)).to_have_count(0)

    # The other replica, as a second device would reach it.
    other = next(r for r in deployment.replicas if r != writer)
    device = new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    device.goto(f"{other}/?c={conversation}")
    answer = last_answer(device)
    expect(answer).to_contain_text(ELSEWHERE, timeout=20_000)
    expect(device.get_by_test_id("stChatInputTextArea")).to_be_disabled()
    before = len(answer.inner_text())
    device.wait_for_timeout(2_500)  # two or three of the writer's saves
    grown = len(answer.inner_text())
    assert grown > before, (before, grown)

    answer.get_by_role("button", name="Stop").click()
    expect(answer).to_contain_text("Stopped. The text so far is kept.", timeout=15_000)
    expect(device.get_by_test_id("stChatInputTextArea")).to_be_enabled()
    _, status, _ = writer_of(deployment, conversation)
    assert status == "stopped"
    # And the person who asked sees it stopped too, on the writing replica.
    expect(last_answer(person)).to_contain_text("Stopped. The text so far is kept.")
    wait_idle(person)
    assert answer_id == writer_of(deployment, conversation)[0]  # no second answer started
