"""One replica's offline demo server, for tests/test_shared_switches.py.

Run as `python -m tests.demo_replica_process` with DATABASE_URL naming the
shared database. Like the app's services on PostgreSQL, it reads the demo's
fault switches from the database; it starts the real demo server, prints its
port, and serves until its stdin closes.
"""

from __future__ import annotations

import sys

from core.demo import demo_responder
from core.demo.faults import share_faults
from core.demo.server import LocalOpenAIServer
from core.demo.shared_faults import SharedFaults
from core.store import open_store


def main() -> None:
    open_store()
    share_faults(SharedFaults())
    with LocalOpenAIServer(demo_responder) as server:
        print(server.port, flush=True)
        sys.stdin.read()  # until the test closes our stdin (or dies)


if __name__ == "__main__":
    main()
