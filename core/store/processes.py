"""Which process writes which answer, and which processes are still alive.

Several app processes (replicas) can share one database. Each has an
identity (a random id, its host and pid) and a row in `processes` whose
heartbeat it renews every `HEARTBEAT_S`. An answer being written names its
owner (`messages.owner_process`). When a process dies mid-answer, the
answer's row stays queued or streaming; `recover_orphans` marks such answers
interrupted (their text kept, the page offers Retry), and only those:

- the owner's heartbeat is older than `DEAD_AFTER_S` (it stopped beating),
- or the owner ran on this host and its pid is gone (a restart on a laptop
  recovers at once instead of waiting out the heartbeat),
- or the owner is unknown (no row; or an answer written before owners).

Only a process that runs generations does this (`Heartbeat`, started with
the app's services): tools that merely open the store, such as
`python -m core.auth add-user`, never touch anyone's answers.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, delete, not_, or_, select, update

from core.errors import StorageError
from core.store.db import session
from core.store.models import Message, Process
from core.store.views import INTERRUPTED, UNFINISHED

HEARTBEAT_S = 10.0
DEAD_AFTER_S = 45.0  # several missed beats: a slow database is not a death

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    id: str
    host: str
    pid: int


THIS = Identity(uuid.uuid4().hex, socket.gethostname()[:255], os.getpid())


def this_process_id() -> str:
    return THIS.id


def register(now: float | None = None) -> None:
    """Say this process is alive (a new row, or a renewed heartbeat)."""
    now = time.time() if now is None else now
    with session() as db:
        row = db.get(Process, THIS.id)
        if row is None:
            db.add(
                Process(id=THIS.id, host=THIS.host, pid=THIS.pid, started_at=now, heartbeat_at=now)
            )
        else:
            row.heartbeat_at = now


def unregister() -> None:
    """This process is leaving: its row goes (its answers were stopped first)."""
    with session() as db:
        db.execute(delete(Process).where(Process.id == THIS.id))


def dead_process_ids(now: float | None = None) -> set[str]:
    """Processes that stopped beating, or ran on this host under a pid now gone."""
    now = time.time() if now is None else now
    with session() as db:
        rows = db.execute(select(Process.id, Process.host, Process.pid, Process.heartbeat_at))
        return {
            row.id
            for row in rows
            if row.heartbeat_at < now - DEAD_AFTER_S
            or (row.host == THIS.host and row.id != THIS.id and not _pid_alive(row.pid))
        }


def recover_orphans(now: float | None = None) -> int:
    """Interrupt the unfinished answers of dead or unknown processes; forget the dead.

    Returns how many answers were interrupted.
    """
    now = time.time() if now is None else now
    dead = dead_process_ids(now)
    with session() as db:
        known_alive = select(Process.id).where(not_(Process.id.in_(dead)))
        orphaned = or_(
            Message.owner_process.is_(None),
            not_(Message.owner_process.in_(known_alive)),
        )
        result = db.execute(
            update(Message)
            .where(and_(Message.status.in_(UNFINISHED), orphaned))
            .values(status=INTERRUPTED, error_kind="restart", owner_process=None, updated_at=now)
        )
        if dead:
            db.execute(delete(Process).where(Process.id.in_(dead)))
        return result.rowcount or 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class Heartbeat:
    """Registers this process, recovers dead processes' answers, and keeps beating.

    Every beat also recovers: a replica that crashed has its answers marked
    interrupted by the others within about `DEAD_AFTER_S + HEARTBEAT_S`.
    """

    def __init__(self, interval: float = HEARTBEAT_S) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._beats = 0  # beats done since the start (`wait_for_beats`)
        self._beaten = threading.Condition()
        register()
        recovered = recover_orphans()
        if recovered:
            log.info("interrupted %d answers left by processes that died", recovered)
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                register()
                recover_orphans()
            except StorageError as exc:  # the database is away: try again next beat
                log.warning("heartbeat failed: %s", exc)
            with self._beaten:
                self._beats += 1
                self._beaten.notify_all()

    def wait_for_beats(self, count: int, timeout: float) -> bool:
        """Block until `count` more beats have run from now; False on timeout.

        A beat already running may have read the processes before the caller's
        change, so asking for two guarantees one that started after it."""
        with self._beaten:
            target = self._beats + count
            return self._beaten.wait_for(lambda: self._beats >= target, timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        try:
            unregister()
        except StorageError as exc:
            log.warning("could not remove this process's row: %s", exc)
