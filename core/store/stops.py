"""Stop, from any process: a request in the database that the writer honours.

A page's Stop first asks its own process's worker; when the answer is being
written elsewhere (another replica), it leaves a request here. The writing
process reads it when it next saves its progress (about once a second) and
stops the generation; the partial answer is kept and marked stopped, as with
a local Stop. A request counts only for generations started before it.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from core.errors import RecordNotFound
from core.store.db import session
from core.store.models import Conversation, Message, StopRequest
from core.store.views import UNFINISHED


def request_stop(user_id: int, message_id: int) -> bool:
    """Ask whichever process writes this answer to stop; False if it is not being written."""
    now = time.time()
    with session() as db:
        status = db.scalar(
            select(Message.status)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.id == message_id, Conversation.user_id == user_id)
        )
        if status is None:
            raise RecordNotFound(f"message {message_id}")
        if status not in UNFINISHED:
            return False
        request = db.get(StopRequest, message_id)
        if request is None:
            db.add(StopRequest(message_id=message_id, requested_at=now))
        else:
            request.requested_at = now
        return True


def stop_requested(message_id: int, since: float) -> bool:
    """Whether Stop was pressed for this answer after `since` (its generation's start)."""
    with session() as db:
        requested_at = db.scalar(
            select(StopRequest.requested_at).where(StopRequest.message_id == message_id)
        )
    return requested_at is not None and requested_at >= since
