"""Answers another process is writing, followed from the database.

A load balancer pins each browser to one replica, but one person may open a
conversation in a tab served by another (a second device, a window opened
after the balancer moved them). That replica's worker knows nothing of the
answer; the writer saves it to its row about once a second
(core/worker.SAVE_INTERVAL_S). So the page re-reads the row on a timer
(`st.fragment(run_every=…)`: only this panel reruns), shows the text saved so
far, offers Stop (a request in the database that the writer honours,
core/store/stops.py), and reruns the whole page once the answer has ended,
which renders it as usual and frees the input.

An unfinished answer this process owns but its worker does not run is not
"in another window": it is about to start, or its final save failed for good.
It is shown as waiting, and each look asks the chat service to settle it
(`ChatService.settle_stuck`: interrupted once it is clearly stuck), so the
conversation does not refuse new questions until a restart.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.errors import AppError, RecordNotFound, StorageError
from core.i18n import Translator
from core.store.views import MessageView
from ui.announce import announce_on_next_run
from ui.errors import describe
from ui.message import render_text
from ui.state import svc

# As often as the writer saves (core/worker.SAVE_INTERVAL_S): faster finds nothing new.
POLL_S = 1.0

Stop = Callable[[int], None]


def follow_from_store(
    t: Translator, user_id: int, message: MessageView, *, stop: Stop | None = None
) -> None:
    """Show `message` as it is saved, until it ends; with `stop`, a Stop button."""
    _followed(t, user_id, message.id, stop)


@st.fragment(run_every=POLL_S)
def _followed(t: Translator, user_id: int, message_id: int, stop: Stop | None) -> None:
    services = svc()
    try:
        message = services.history.message(user_id, message_id)
    except RecordNotFound:  # deleted meanwhile (from another tab)
        st.rerun(scope="app")
    except StorageError as error:  # the database is away: say so, and look again
        st.warning(describe(t, error.kind, error.detail), icon=":material/warning:")
        return
    chat = services.chat
    if message.unfinished and chat.owned_not_running(user_id, message):
        try:
            if chat.settle_stuck(user_id, message.conversation_id):
                st.rerun(scope="app")  # now interrupted: rendered with Retry, input free
        except StorageError as error:
            st.warning(describe(t, error.kind, error.detail), icon=":material/warning:")
            return
    if not message.unfinished or chat.worker.progress_of(user_id, message_id) is not None:
        st.session_state.pop(_stopping_key(message_id), None)  # a Retry may run it again
        # Ended, or this process now runs it: the page renders it from the store
        # or from the worker, and frees the input.
        st.rerun(scope="app")
    waiting = chat.owned_here(message)
    stopping = st.session_state.get(_stopping_key(message_id), False)
    stop_pressed = (
        stop is not None
        and not stopping
        and st.button(t("answer.stop"), key=f"stop-{message_id}", icon=":material/stop:")
    )
    if stop_pressed:
        try:
            stop(message_id)
        except AppError as error:  # the database is away: the answer goes on; say why
            st.error(describe(t, error.kind, error.detail), icon=":material/error:")
            return
        st.session_state[_stopping_key(message_id)] = True
        announce_on_next_run(t("a11y.answer_stopped"))  # for screen readers
        stopping = True
    note = (
        t("answer.stopping") if stopping else t("answer.waiting" if waiting else "answer.elsewhere")
    )
    st.caption(f":material/sync: {note}")
    if message.reasoning:
        with st.expander(t("reasoning.title"), icon=":material/psychology:", expanded=False):
            render_text(t, message.reasoning, key=f"followed-reasoning-{message_id}")
    if message.content:
        render_text(t, message.content, key=f"followed-{message_id}")


def _stopping_key(message_id: int) -> str:
    return f"followed-stopping-{message_id}"
