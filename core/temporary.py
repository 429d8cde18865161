"""Temporary chats: conversations that are never written to the database.

A temporary chat lives in this process's memory, keyed by its owner and an
unguessable id the page keeps in the URL (`?tmp=`), so a reload of the tab
finds it again, and an answer being written is followed through the worker
like any other. Its answers carry negative ids (`core.worker.is_temporary`):
the worker saves nothing of them, records no route attempt, and their final
text is read from the generation's progress, which the chat holds.

Nothing of it reaches search, exports or the history: they read the
database. What is kept is counters: the per-user send and concurrency limits
count its sends like any other, and the tokens it used count toward the daily
token and cost caps (`spent_since`, read by `core.limits.UsageCaps`), so a
temporary chat is not a way around them. A chat is forgotten when its owner
turns it off, after `IDLE_S` untouched, or when the process restarts.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field, replace

from core.chat import ChatService, Choice, history_turns
from core.clock import SYSTEM_CLOCK, Clock
from core.errors import AppError, ContextTooLong, InputRejected, RecordNotFound
from core.generation import GenerationRequest
from core.progress import GenerationProgress
from core.store.views import COMPLETE, ERROR, QUEUED, STREAMING, MessageView
from core.text import clean_text, is_blank
from core.tokens import count_text, fit_history, input_budget
from core.worker import Job, final_fields

IDLE_S = 3600.0  # a chat nobody looked at for an hour is forgotten
MAX_CHATS_PER_USER = 20  # the oldest goes when a person starts one more
DAY_S = 86_400.0
ID_BYTES = 16


@dataclass
class _Turn:
    """One message of a temporary chat; an answer holds its generation's progress."""

    view: MessageView  # the question, or the answer as it was when sent
    job: Job | None = None
    progress: GenerationProgress | None = None


@dataclass
class TemporaryChat:
    public_id: str
    user_id: int
    touched_at: float
    turns: list[_Turn] = field(default_factory=list)


class TemporaryChats:
    """Every temporary chat of this process, each visible to its owner only."""

    def __init__(self, chat: ChatService, clock: Clock = SYSTEM_CLOCK) -> None:
        self.chat = chat
        self.clock = clock
        self._chats: dict[str, TemporaryChat] = {}
        self._spent: list[tuple[float, int, str | None, int, int]] = []  # of forgotten chats
        self._lock = threading.Lock()
        self._ids = itertools.count(-1, -1)
        chat.caps.unstored_spending = self.spent_since

    # ------------------------------------------------------------ chats

    def start(self, user_id: int) -> str:
        """A new, empty temporary chat of the user's: its id (for the URL)."""
        with self._lock:
            self._prune()
            mine = sorted(
                (c for c in self._chats.values() if c.user_id == user_id),
                key=lambda c: c.touched_at,
            )
            for old in mine[: max(0, len(mine) - MAX_CHATS_PER_USER + 1)]:
                self._forget(old)
            public_id = secrets.token_urlsafe(ID_BYTES)
            self._chats[public_id] = TemporaryChat(public_id, user_id, self.clock.wall())
            return public_id

    def exists(self, user_id: int, public_id: str | None) -> bool:
        with self._lock:
            return self._owned(user_id, public_id) is not None

    def forget(self, user_id: int, public_id: str | None) -> None:
        """Turn the chat off: its answers stop and everything of it is dropped."""
        with self._lock:
            chat = self._owned(user_id, public_id)
            if chat is not None:
                self._forget(chat)

    def messages(self, user_id: int, public_id: str | None) -> list[MessageView]:
        """The chat's messages as the chat page shows stored ones (`RecordNotFound`
        when it is not the user's, or was forgotten)."""
        with self._lock:
            chat = self._required(user_id, public_id)
            turns = list(chat.turns)
        return [_current(turn) for turn in turns]

    def progress_of(
        self, user_id: int, public_id: str | None, answer_id: int
    ) -> GenerationProgress | None:
        """The generation of one of the chat's answers, while it is being written."""
        with self._lock:
            chat = self._required(user_id, public_id)
            for turn in chat.turns:
                if turn.view.id == answer_id and turn.progress is not None:
                    return None if turn.progress.done else turn.progress
        return None

    # ------------------------------------------------------------ actions

    def send(self, user_id: int, public_id: str | None, text: str, choice: Choice) -> int:
        """Ask `text` in the chat: the answer's id. Refused like any send (`admit`:
        limits and caps, nothing kept); a question that cannot be sent keeps its
        text and shows why on the answer."""
        if is_blank(text):
            raise InputRejected("empty")
        text = clean_text(text)
        with self._lock:
            self._required(user_id, public_id)
        # Nothing is stored; model access and quotas hold as for any chat.
        self.chat.admit(user_id, text, adding_bytes=0, models=[choice.model_id])
        with self._lock:
            chat = self._required(user_id, public_id)
            now = self.clock.wall()
            history = [_current(turn) for turn in chat.turns]
            question = _Turn(_message(next(self._ids), "user", text, now))
            answer_view = _message(next(self._ids), "assistant", "", now, status=QUEUED)
            answer_view = _with(
                answer_view,
                model_id=choice.model_id,
                requested_model_id=choice.model_id,
                thinking=choice.thinking,
                temperature=choice.temperature,
            )
            answer = _Turn(answer_view)
            chat.turns += [question, answer]
            chat.touched_at = now
        try:
            job = self._job(user_id, [*history, question.view], answer_view, choice)
            progress = self.chat.worker.submit(job)
        except AppError as refused:
            answer.view = _with(
                answer_view, status=ERROR, error_kind=refused.kind, error_detail=refused.detail
            )
            return answer_view.id
        answer.job, answer.progress = job, progress
        return answer_view.id

    def stop(self, user_id: int, public_id: str | None, answer_id: int) -> bool:
        """Stop one of the chat's answers; what it wrote so far is kept."""
        if self.progress_of(user_id, public_id, answer_id) is None:
            return False
        return self.chat.worker.cancel(answer_id)

    def spent_since(self, user_id: int, since: float) -> list[tuple[str | None, int, int]]:
        """(model, prompt tokens, completion tokens) of the user's temporary answers
        since `since`: what the daily caps count beside the stored answers."""
        with self._lock:
            self._prune()
            spent = [
                (model, prompt, completion)
                for at, owner, model, prompt, completion in self._spent
                if owner == user_id and at >= since
            ]
            for chat in self._chats.values():
                if chat.user_id == user_id:
                    spent += [s[2:] for s in _spending(chat) if s[0] >= since]
            return spent

    # ------------------------------------------------------------ internals

    def _job(
        self, user_id: int, branch: list[MessageView], answer: MessageView, choice: Choice
    ) -> Job:
        model = self.chat.catalog.model(choice.model_id)
        if model is None:
            raise RecordNotFound(choice.model_id)
        budget = input_budget(model.context_window, model.max_output_tokens)
        fitted = fit_history(history_turns(branch), budget)
        if fitted.prompt_tokens > budget:
            raise ContextTooLong(
                f"{fitted.prompt_tokens:,} tokens; {model.label} accepts {budget:,}"
            )
        request = GenerationRequest(
            model_id=model.id,
            messages=fitted.as_messages(),
            thinking=choice.thinking,
            temperature=choice.temperature,
            allow_fallback=choice.allow_fallback,
        )
        return Job(answer.id, user_id, None, request, fitted.prompt_tokens)

    def _owned(self, user_id: int, public_id: str | None) -> TemporaryChat | None:
        self._prune()
        chat = self._chats.get(public_id or "")
        if chat is None or chat.user_id != user_id:
            return None
        chat.touched_at = self.clock.wall()
        return chat

    def _required(self, user_id: int, public_id: str | None) -> TemporaryChat:
        chat = self._owned(user_id, public_id)
        if chat is None:
            raise RecordNotFound("temporary chat")
        return chat

    def _prune(self) -> None:  # with the lock held
        now = self.clock.wall()
        self._spent = [s for s in self._spent if now - s[0] < DAY_S]
        for chat in list(self._chats.values()):
            running = any(t.progress is not None and not t.progress.done for t in chat.turns)
            if now - chat.touched_at > IDLE_S and not running:
                self._forget(chat)

    def _forget(self, chat: TemporaryChat) -> None:  # with the lock held
        for turn in chat.turns:
            if turn.progress is not None and not turn.progress.done:
                self.chat.worker.cancel(turn.view.id)
        self._spent += [(s[0], chat.user_id, *s[2:]) for s in _spending(chat)]
        self._chats.pop(chat.public_id, None)


def _spending(chat: TemporaryChat) -> list[tuple[float, int, str | None, int, int]]:
    """(when, owner, model, prompt, completion) of each answer that reported usage."""
    spent = []
    for turn in chat.turns:
        if turn.progress is None:
            continue
        snapshot = turn.progress.snapshot()
        if snapshot.usage is not None:
            usage = snapshot.usage
            spent.append(
                (
                    snapshot.started_at,
                    chat.user_id,
                    snapshot.model_id or None,
                    usage.prompt_tokens or 0,
                    usage.completion_tokens or 0,
                )
            )
    return spent


def _current(turn: _Turn) -> MessageView:
    """The message as it is now: an answer's text and state from its generation."""
    if turn.progress is None or turn.job is None:
        return turn.view
    snapshot = turn.progress.snapshot()
    if snapshot.done:
        return _with(
            turn.view, **final_fields(turn.job, snapshot, snapshot.outcome, snapshot.error)
        )
    status = STREAMING if snapshot.first_token_s is not None else QUEUED
    return _with(turn.view, status=status, content=snapshot.answer, reasoning=snapshot.reasoning)


def _message(
    message_id: int, role: str, content: str, at: float, *, status: str = COMPLETE
) -> MessageView:
    return MessageView(
        id=message_id,
        public_id="",
        conversation_id=0,
        parent_id=None,
        depth=0,
        role=role,
        content=content,
        reasoning="",
        status=status,
        model_id=None,
        requested_model_id=None,
        provider_id=None,
        upstream_model=None,
        thinking=None,
        temperature=None,
        error_kind=None,
        error_detail=None,
        finish_reason=None,
        prompt_tokens=None,
        completion_tokens=None,
        reasoning_tokens=None,
        usage_estimated=False,
        content_tokens=count_text(content) if content else None,
        context_dropped=0,
        queue_ms=None,
        ttft_ms=None,
        answer_ms=None,
        reasoning_ms=None,
        duration_ms=None,
        attempts=0,
        created_at=at,
        updated_at=at,
    )


def _with(message: MessageView, **changes: object) -> MessageView:
    return replace(message, **changes)
