"""Keeping original files: time to store a 10 MB file, to attach it again
(deduplicated), and to delete the conversations (docs/performance.md, section 7).

    python -m bench.attachment_originals                 # a SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://… python -m bench.attachment_originals

On PostgreSQL, give it a scratch database, never the test suite's: it
migrates the database and leaves a "bench-…" user (its files are deleted).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time


def main() -> None:
    folder = tempfile.mkdtemp()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.db")
    from core.attachments import read_attachment
    from core.store import attachment_files, erase, open_store
    from core.store import attachments as attachment_store
    from core.store import conversations as conversation_store
    from core.store import messages as message_store
    from core.store.users import ensure_user

    open_store()
    user = ensure_user(f"bench-{time.time_ns()}")
    data = os.urandom(5 * 1024 * 1024).hex().encode()[: 10 * 1024 * 1024 - 1]  # text, 10 MB
    # Read a small part (reading is bench/attachment_extraction.py's); store all 10 MB.
    file = dataclasses.replace(read_attachment("big.txt", data[:100_000]), original=data)
    conversations = []

    def attach_once() -> float:
        conversation = conversation_store.create_conversation(user.id, "demo-thinker")
        question = message_store.append_message(
            user.id, conversation.id, role="user", content="q", parent_id=None
        )
        conversations.append(conversation.id)
        started = time.perf_counter()
        attachment_store.attach(user.id, question.id, [file])
        return time.perf_counter() - started

    first, again = attach_once(), attach_once()
    kept = attachment_files.stored_bytes(user.id)
    started = time.perf_counter()
    for conversation_id in conversations:
        erase.delete_conversation(user.id, conversation_id)
    deleted = time.perf_counter() - started
    url = os.environ["DATABASE_URL"].split(":")[0]
    print(
        f"{url}: store a 10 MB original {first:.2f} s; the same file again {again:.2f} s "
        f"(kept once: {kept / 1e6:.1f} MB); delete both conversations {deleted:.2f} s; "
        f"left {attachment_files.stored_bytes(user.id)} bytes"
    )


if __name__ == "__main__":
    main()
