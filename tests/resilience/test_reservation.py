"""Two tabs comparing at the same moment: each gets all its columns or none.

The person may have 3 answers at once; two tabs each send a 2-column
comparison. The first tab is held after its first column was sent, the
moment a "check, then send one by one" compare used to let the second tab
in: that tab then took the slot the first tab's second column needed. With
the slots reserved in one step, the second tab is refused before anything is
stored, and the first tab's columns all run. On PostgreSQL the second tab
waits for the first one's turn (an advisory lock), then is refused.
"""

from __future__ import annotations

import threading

import pytest

from core.chat import ChatService
from core.compare import CompareService
from core.demo.replies import Stall, StreamReply, text_stream
from core.errors import TooManyAtOnce
from core.model_settings import ModelSettings
from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store.comparisons import COMPARE
from core.store.users import ensure_user
from core.store.views import COMPLETE

COLUMNS = [ModelSettings("m"), ModelSettings("m", temperature=0.5)]
FIRST_TAB = "first-tab"
WAIT_S = 30  # a bound for a broken test, never a pace


class HeldAfterFirstSend(ChatService):
    """A chat service whose sends from one thread stop after the first, until
    the test lets them go on: the race window, made deterministic."""

    def __init__(self, chat: ChatService) -> None:
        super().__init__(chat.catalog, chat.worker)
        self.held = threading.Event()
        self.go_on = threading.Event()

    def send(self, *args, **kwargs):
        sent = super().send(*args, **kwargs)
        if threading.current_thread().name == FIRST_TAB and not self.held.is_set():
            self.held.set()
            assert self.go_on.wait(WAIT_S)
        return sent


@pytest.fixture
def release():
    """Answers stream until the test releases them (they hold their slots)."""
    gate = threading.Event()
    yield gate
    gate.set()


def held_answers(release: threading.Event):
    def reply(request):
        def steps():
            yield from text_stream("r1", answer=["first "])
            while not release.is_set():  # keeps the stream (and its slot) open
                yield Stall(0.05)
            yield from text_stream("r1", answer=["done"], usage=(3, 2, None))

        return StreamReply(steps())

    return reply


def test_two_tabs_comparing_at_once_get_all_their_columns_or_none(make_chat, server, release):
    server.default = held_answers(release)
    chat = HeldAfterFirstSend(make_chat(policy={"per_user_generations": 3}))
    compare = CompareService(chat)
    user = ensure_user("alice")
    outcome: dict[str, object] = {}
    second_tab_at_the_door = threading.Event()  # refused, or waiting for the first tab's turn
    chat.worker.turns.on_wait = second_tab_at_the_door.set

    def tab(name: str) -> None:
        try:
            outcome[name] = compare.start(user.id, "Which is larger?", COLUMNS)
        except TooManyAtOnce as refused:
            outcome[name] = refused
        finally:  # a tab that ended early lets the test go on (and fail there)
            (second_tab_at_the_door if name == "second" else chat.held).set()

    first = threading.Thread(target=tab, args=("first",), name=FIRST_TAB)
    first.start()
    assert chat.held.wait(WAIT_S), "the first tab never sent its first column"
    second = threading.Thread(target=tab, args=("second",))
    second.start()
    assert second_tab_at_the_door.wait(WAIT_S)
    chat.go_on.set()
    first.join(WAIT_S)
    second.join(WAIT_S)

    assert isinstance(outcome["second"], TooManyAtOnce)
    comparison = outcome["first"]
    assert not isinstance(comparison, Exception), f"the first tab lost a column: {comparison}"
    stored = comparison_store.list_comparisons(user.id, COMPARE)
    assert [c.id for c in stored] == [comparison.id]  # the refused tab stored nothing
    assert len(conversation_store.list_conversations(user.id, kind=COMPARE)) == len(COLUMNS)
    release.set()
    answers = compare.detail(user.id, comparison.id).latest_answers
    assert [chat.worker.wait(a.id, timeout=WAIT_S).outcome for a in answers] == [COMPLETE] * 2


def test_a_reservation_gives_back_the_slots_it_did_not_fill(make_chat, server, release):
    server.default = held_answers(release)
    chat = make_chat(policy={"per_user_generations": 2})
    user = ensure_user("alice")
    with pytest.raises(TooManyAtOnce), chat.worker.reserve(user.id, 3):
        pass  # more than the limit: refused before anything
    with chat.worker.reserve(user.id, 2):
        assert chat.worker.active_count(user.id) == 2  # held for this send: another tab sees them
    assert chat.worker.active_count(user.id) == 0  # nothing was sent: both given back
