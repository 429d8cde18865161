"""Each process has an identity and a heartbeat; only a dead process's answers are
interrupted, and a tool that opens the store touches none."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.db import session
from core.store.models import Message, Process, User
from core.store.processes import THIS, Heartbeat, recover_orphans
from core.store.users import PASSWORD, ensure_user
from core.store.views import COMPLETE, INTERRUPTED, QUEUED, STREAMING

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def alice(db):
    return ensure_user("alice")


def answer_owned_by(user, owner: str | None, text: str = "half an answer") -> int:
    conversation = conversation_store.create_conversation(user.id, "demo-thinker")
    question = message_store.append_message(
        user.id, conversation.id, role="user", content="q", parent_id=None
    )
    answer = message_store.append_message(
        user.id, conversation.id, role="assistant", parent_id=question.id, status=STREAMING
    )
    message_store.save_progress(answer.id, content=text)
    with session() as db:
        db.execute(update(Message).where(Message.id == answer.id).values(owner_process=owner))
    return answer.id


def add_process(id_: str, *, host: str = "another-host", pid: int = 1, beat_ago: float = 0):
    now = time.time()
    with session() as db:
        db.add(Process(id=id_, host=host, pid=pid, started_at=now, heartbeat_at=now - beat_ago))


def process_ids() -> set[str]:
    with session() as db:
        return set(db.scalars(select(Process.id)))


def owner_of(message_id: int) -> str | None:
    with session() as db:
        return db.scalar(select(Message.owner_process).where(Message.id == message_id))


def test_answers_name_the_process_writing_them_until_they_end(alice):
    conversation = conversation_store.create_conversation(alice.id, "demo-thinker")
    answer = message_store.append_message(
        alice.id, conversation.id, role="assistant", parent_id=None, status=QUEUED
    )
    assert owner_of(answer.id) == THIS.id
    message_store.finish(answer.id, status=COMPLETE, content="done")
    assert owner_of(answer.id) is None
    message_store.save_progress(answer.id, status=QUEUED, content="")  # Retry starts over
    assert owner_of(answer.id) == THIS.id


def test_a_starting_process_interrupts_only_the_answers_of_dead_processes(alice):
    add_process("live-replica")
    add_process("dead-replica", beat_ago=600)
    live = answer_owned_by(alice, "live-replica", "still being written")
    dead = answer_owned_by(alice, "dead-replica", "cut off here")
    unknown = answer_owned_by(alice, None, "written before owners existed")

    heartbeat = Heartbeat(interval=3600)  # what the app does when it starts its worker
    try:
        states = {i: message_store.get_message(alice.id, i) for i in (live, dead, unknown)}
        assert states[live].status == STREAMING
        assert states[dead].status == INTERRUPTED and states[dead].content == "cut off here"
        assert states[dead].error_kind == "restart"
        assert states[unknown].status == INTERRUPTED
        assert process_ids() == {"live-replica", THIS.id}  # the dead one is forgotten
    finally:
        heartbeat.stop()
    assert process_ids() == {"live-replica"}  # leaving, this process removed itself


def test_a_process_that_died_on_this_host_is_recovered_without_waiting(alice):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    add_process("crashed-here", host=THIS.host, pid=int(gone.stdout))  # beat a moment ago
    answer = answer_owned_by(alice, "crashed-here")
    assert recover_orphans() == 1
    assert message_store.get_message(alice.id, answer).status == INTERRUPTED


def test_the_heartbeat_keeps_this_process_alive_and_recovers_later_deaths(alice):
    heartbeat = Heartbeat(interval=0.05)
    try:
        with session() as db:
            first_beat = db.get(Process, THIS.id).heartbeat_at
        add_process("dies-later", beat_ago=600)
        answer = answer_owned_by(alice, "dies-later")
        assert heartbeat.wait_for_beats(2, timeout=10)  # one begun after the death, whole
        assert message_store.get_message(alice.id, answer).status == INTERRUPTED
        with session() as db:
            assert db.get(Process, THIS.id).heartbeat_at > first_beat
    finally:
        heartbeat.stop()


def test_the_add_user_tool_touches_no_answer(alice, db):
    orphan = answer_owned_by(alice, None)  # a worker starting would interrupt this one
    done = subprocess.run(
        [sys.executable, "-m", "core.auth", "add-user", "carol"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": db, "AUTH_MODE": "accounts"},
        input="correct horse battery staple\ncorrect horse battery staple\n",
        text=True,
        capture_output=True,
        start_new_session=True,  # no terminal: getpass reads the password from stdin
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    with session() as s:
        assert s.scalar(select(Message.status).where(Message.id == orphan)) == STREAMING
        assert s.scalar(select(User.auth_source).where(User.username == "carol")) == PASSWORD
