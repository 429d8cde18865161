"""What a page asks for: send, regenerate, edit, retry, continue, stop.

Every action first asks `admit`: the per-user limits (sends per minute,
message size, answers at once, stored text, tokens and cost per day) are
checked before anything is stored or sent, so a refused request leaves no
trace in the database; it raises, and the page keeps the typed text on
screen with "Send again". Then the action stores what the user wrote and
hands the answer to the worker. A request that cannot be sent to the model
(too long for its context, a model gone) keeps the user's text and records
why on the answer, which offers Retry: nothing a person typed is ever dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from core import access
from core.attachments import for_model
from core.attachments.conversation import with_file_text
from core.attachments.model import Attachment
from core.catalog import Catalog, Model
from core.chat_settings import checked_system_prompt
from core.errors import (
    AnswerInProgress,
    AppError,
    ContextTooLong,
    InputRejected,
    RecordNotFound,
    TooManyAtOnce,
    TooManyMessages,
)
from core.generation import GenerationRequest
from core.limits import UsageCaps, rate_limiter_for
from core.model_settings import ModelSettings
from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store import stops as stop_store
from core.store import web_sources as web_store
from core.store.db import unit_of_work
from core.store.processes import this_process_id
from core.store.views import ERROR, QUEUED, ConversationView, MessageView
from core.text import MAX_MESSAGE_CHARS, auto_title, is_blank
from core.tokens import FittedHistory, Turn, count_text, fit_history, input_budget
from core.websearch.grounding import SearchAsk
from core.websearch.query import search_query
from core.websearch.shared import SharedSearch
from core.worker import CHAT_LANE, Job, Worker

# An answer this process owns but does not run is "stuck" after this long without
# a save: far above the moment between writing its row and handing it to the
# worker (a job waiting in the worker's queue counts as running).
STUCK_AFTER_S = 30.0
UNSAVED = "unsaved"  # the error kind of an answer whose final save failed for good

CONTINUE_PROMPT = "Continue exactly where your previous answer stopped. Do not repeat anything."


@dataclass(frozen=True)
class Choice:
    """The model settings a request is made with."""

    model_id: str
    thinking: bool | None = None
    temperature: float | None = None
    allow_fallback: bool = True
    web_search: bool = False  # ground the answer in web pages (core/websearch)
    # One search shared with the other answers to this question (the arena's sides).
    shared_search: SharedSearch | None = field(default=None, compare=False)

    @classmethod
    def of(cls, settings: ModelSettings, **request) -> Choice:
        """The request for a column's or a side's settings (its system prompt
        goes with the conversation it creates)."""
        return cls(settings.model_id, settings.thinking, settings.temperature, **request)


@dataclass(frozen=True)
class Sent:
    conversation_id: int
    user_message_id: int
    assistant_message_id: int
    dropped: int  # older messages left out to fit the context window


@dataclass(frozen=True)
class ReadySend:
    """A send checked and made ready before its transaction: admitted, its text
    and system prompt checked, its files as the model will read them, its
    tokens counted (`ChatService.prepare_send`)."""

    user_id: int
    conversation_id: int | None  # None: a new conversation
    text: str
    tokens: int
    choice: Choice
    files: tuple[Attachment, ...]
    kind: str
    system_prompt: str | None


@dataclass(frozen=True)
class StoredSend:
    """What a send's unit of work stored (`ChatService.store_send`): its answer is
    started (`start_send`) only once that transaction has committed."""

    conversation: ConversationView
    question: MessageView
    answer: MessageView
    choice: Choice

    @property
    def sent(self) -> Sent:
        return Sent(self.conversation.id, self.question.id, self.answer.id, 0)


class ChatService:
    def __init__(self, catalog: Catalog, worker: Worker) -> None:
        self.catalog = catalog
        self.worker = worker
        # The worker's clock, so a test's fake time moves every limit at once.
        self.rate = rate_limiter_for(catalog.policy.messages_per_minute, worker.clock)
        self.caps = UsageCaps(catalog, worker.clock)

    # ------------------------------------------------------------ actions

    def send(
        self,
        user_id: int,
        conversation_id: int | None,
        text: str,
        choice: Choice,
        *,
        kind: str = "chat",
        admitted: bool = False,
        files: Sequence[Attachment] = (),
        system_prompt: str | None = None,
    ) -> Sent:
        """Store the question, then start the answer. `InputRejected` if blank,
        a `UserLimitReached` if a limit is reached (nothing stored). `admitted`:
        the caller already asked `admit` for this send (a comparison's columns).
        `files`: read attachments (core/attachments), kept with the question;
        images for a text-only model are described first, or refused.
        `system_prompt`: a new conversation's (a persona's, or a compare column's
        prompt variant), checked first; an existing conversation keeps its own."""
        ready = self.prepare_send(
            user_id,
            conversation_id,
            text,
            choice,
            kind=kind,
            admitted=admitted,
            files=files,
            system_prompt=system_prompt,
        )
        # One transaction: a failure anywhere (a full disk, a lost server)
        # stores nothing, so no conversation is left without its question.
        with unit_of_work() as db:
            stored = self.store_send(db, ready)
        return replace(stored.sent, dropped=self.start_send(stored))

    def prepare_send(
        self,
        user_id: int,
        conversation_id: int | None,
        text: str,
        choice: Choice,
        *,
        kind: str = "chat",
        admitted: bool = False,
        files: Sequence[Attachment] = (),
        system_prompt: str | None = None,
        tokens: int | None = None,
    ) -> ReadySend:
        """Everything a send checks and computes before its transaction (`send`
        explains the arguments); raises, storing nothing, when it may not be
        sent. `tokens`: the text's count, when the caller made it (a
        comparison counts its prompt once for every column)."""
        text = "" if files and is_blank(text) else self._checked(text)
        system_prompt = checked_system_prompt(system_prompt)
        if conversation_id is not None:
            conversation_store.get_conversation(user_id, conversation_id)  # ownership first
            self.ensure_idle(user_id, conversation_id)
        if not admitted:
            self.admit(
                user_id,
                text,
                adding_bytes=send_bytes(text, files),
                adding_files=originals(files),
                models=[choice.model_id],
            )
        prepared = self._files_for(choice, files)
        if tokens is None:
            tokens = count_text(text)  # before the transaction: 0.5 s for a 1 MB paste
        return ReadySend(
            user_id, conversation_id, text, tokens, choice, tuple(prepared), kind, system_prompt
        )

    def store_send(self, db: Session, ready: ReadySend) -> StoredSend:
        """Write a send into the caller's unit of work `db`: the conversation
        (new: with its title, system prompt and web-search switch; existing: the
        model picked), the question, its files and the drafted `queued` answer.
        Only writes: no model call and no waiting (the transaction may hold
        SQLite's write lock)."""
        user_id, choice, files = ready.user_id, ready.choice, ready.files
        if ready.conversation_id is None:
            title_text = ready.text or ", ".join(f.name for f in files)
            conversation = self._new_conversation(
                db, user_id, title_text, choice, ready.kind, ready.system_prompt
            )
        else:
            conversation = conversation_store.get_conversation(
                user_id, ready.conversation_id, db=db
            )
            conversation_store.update_conversation(
                user_id,
                conversation.id,
                model_id=choice.model_id,
                thinking=choice.thinking,
                db=db,
            )
            web_store.set_switch(user_id, conversation.id, choice.web_search, db=db)
        question = self._ask(db, user_id, conversation, ready.text, ready.tokens)
        attachment_store.attach(user_id, question.id, files, db=db)
        answer = self._append_answer(db, user_id, conversation, question, choice)
        return StoredSend(conversation, question, answer, choice)

    def start_send(self, stored: StoredSend) -> int:
        """Start a stored send's answer, after its transaction committed; returns
        how many older messages were left out to fit the context window."""
        conversation = stored.conversation
        return self._start(
            conversation.user_id,
            conversation,
            stored.question,
            stored.answer.id,
            stored.choice,
            fresh=True,
        )

    def draft(
        self, user_id: int, text: str, choice: Choice, *, kind: str, system_prompt: str | None
    ) -> Sent:
        """A new conversation with the question and an empty, queued answer; nothing is sent.

        `generate` starts the answer later (a batch run, when a slot frees).
        """
        text = self._checked(text)
        _check_size(text)
        tokens = count_text(text)
        with unit_of_work() as db:
            conversation = self._new_conversation(db, user_id, text, choice, kind, system_prompt)
            question = self._ask(db, user_id, conversation, text, tokens)
            answer = self._append_answer(db, user_id, conversation, question, choice)
        return Sent(conversation.id, question.id, answer.id, 0)

    def regenerate(self, user_id: int, answer_id: int, choice: Choice) -> Sent:
        """A new answer beside `answer_id`, for the same question; the old one stays."""
        answer = self._owned_answer(user_id, answer_id)
        conversation = conversation_store.get_conversation(user_id, answer.conversation_id)
        question = message_store.get_message(user_id, answer.parent_id)
        self.ensure_idle(user_id, conversation.id)
        self.admit(user_id, models=[choice.model_id])
        with unit_of_work() as db:
            stored = self._draft_answer(db, user_id, conversation, question, choice)
        return replace(stored.sent, dropped=self.start_send(stored))

    def edit(self, user_id: int, question_id: int, text: str, choice: Choice) -> Sent:
        """Ask an edited question beside the old one: the old branch stays reachable."""
        text = self._checked(text)
        old = message_store.get_message(user_id, question_id)
        if old.role != "user":
            raise RecordNotFound(f"question {question_id}")
        conversation = conversation_store.get_conversation(user_id, old.conversation_id)
        self.ensure_idle(user_id, conversation.id)
        self.admit(user_id, text, models=[choice.model_id])
        # The edited question keeps the files of the one it replaces.
        kept = attachment_store.of_messages(user_id, [old.id]).get(old.id, [])
        tokens = count_text(text)  # before the transaction, as a send does
        # One transaction: the question, its files and its answer, or nothing.
        with unit_of_work() as db:
            question = self._store_question(user_id, conversation, text, old.parent_id, db, tokens)
            attachment_store.attach(user_id, question.id, kept, db=db)
            stored = self._draft_answer(db, user_id, conversation, question, choice)
        return replace(stored.sent, dropped=self.start_send(stored))

    def retry(self, user_id: int, answer_id: int, choice: Choice | None = None) -> int:
        """Generate an unfinished, stopped or failed answer again, in place."""
        return self.generate(user_id, answer_id, choice)

    def generate(
        self,
        user_id: int,
        answer_id: int,
        choice: Choice | None = None,
        *,
        lane: str = CHAT_LANE,
        user_limit: int | None = None,
    ) -> int:
        """(Re)generate a stored answer in place, for its question.

        In the chat lane the per-user limits of a person's own messages apply,
        before anything is reset or sent (a refused Retry keeps the old text);
        another lane (a batch run) is bounded by `user_limit` in that lane and
        does not count against the user's chat, but the caps on stored text,
        tokens and cost do apply: a cell refused by them says so on its answer.
        """
        answer = self._owned_answer(user_id, answer_id)
        if self.worker.is_running(answer_id):
            return answer_id
        choice = choice or self._choice_of(answer)
        try:
            self.admit(user_id, lane=lane, models=[choice.model_id])
        except AppError as refused:
            if lane == CHAT_LANE:
                raise
            message_store.finish(
                answer_id, status=ERROR, error_kind=refused.kind, error_detail=refused.detail
            )
            return answer.id
        conversation = conversation_store.get_conversation(user_id, answer.conversation_id)
        question = message_store.get_message(user_id, answer.parent_id)
        self._start(
            user_id, conversation, question, answer.id, choice, lane=lane, user_limit=user_limit
        )
        return answer.id

    def continue_answer(self, user_id: int, answer_id: int) -> int:
        """Ask the model to go on from an interrupted answer's text, appending to it."""
        answer = self._owned_answer(user_id, answer_id)
        if self.worker.is_running(answer_id) or not answer.content:
            return self.retry(user_id, answer_id)
        choice = self._choice_of(answer)
        conversation = conversation_store.get_conversation(user_id, answer.conversation_id)
        question = message_store.get_message(user_id, answer.parent_id)
        self.admit(user_id, models=[choice.model_id])
        extra = [Turn.of("assistant", answer.content), Turn.of("user", CONTINUE_PROMPT)]
        self._start(
            user_id, conversation, question, answer.id, choice, extra=extra, prefix=answer.content
        )
        return answer.id

    def switch_model(self, user_id: int, answer_id: int, choice: Choice) -> int:
        """While an answer waits (queued, retrying), ask another model instead."""
        if self.stop(user_id, answer_id):
            self.worker.wait(answer_id, timeout=10)
        return self.retry(user_id, answer_id, choice)

    def stop(self, user_id: int, answer_id: int) -> bool:
        """Stop an answer being written, here or by another process (replica)."""
        message_store.get_message(user_id, answer_id)  # ownership check
        return self.worker.cancel(answer_id) or stop_store.request_stop(user_id, answer_id)

    def owned_not_running(self, user_id: int, message: MessageView) -> bool:
        """An unfinished answer of this process that its worker is not running: one
        about to start (its row is written before the job reaches the worker), or
        one whose final save failed for good. Never "written in another window"."""
        return (
            message.unfinished
            and message.owner_process == this_process_id()
            and self.worker.progress_of(user_id, message.id) is None
        )

    def written_elsewhere(self, user_id: int, message: MessageView) -> bool:
        """An unfinished answer another process (a replica) writes: followed from the store."""
        return (
            message.unfinished
            and message.owner_process != this_process_id()
            and self.worker.progress_of(user_id, message.id) is None
        )

    @staticmethod
    def owned_here(message: MessageView) -> bool:
        """Whether this process wrote (or is about to write) this answer's row."""
        return message.owner_process == this_process_id()

    def settle_stuck(self, user_id: int, conversation_id: int) -> int:
        """Mark interrupted this process's unfinished answers in the conversation that
        its worker no longer runs, once they are `STUCK_AFTER_S` old: their final
        save failed for good, and nothing else would ever end them before a restart
        (the conversation would refuse new questions). Returns how many."""
        candidates = message_store.own_unfinished_ids(
            user_id, conversation_id, saved_before=self.worker.clock.wall() - STUCK_AFTER_S
        )
        stuck = [i for i in candidates if not self.worker.is_running(i)]
        return message_store.interrupt_own(stuck, UNSAVED)

    def choice_of(self, answer: MessageView, *, allow_fallback: bool = True) -> Choice:
        """The model and settings `answer` was asked with (Regenerate's default)."""
        return replace(self._choice_of(answer), allow_fallback=allow_fallback)

    def stop_all(self, user_id: int, conversation_id: int | None = None) -> int:
        """Stop every answer being written for this user (in one conversation, or
        in all), before their data is deleted."""
        return sum(
            self.worker.cancel(message_id)
            for message_id in message_store.unfinished_message_ids(user_id, conversation_id)
        )

    def ensure_idle(self, user_id: int, conversation_id: int) -> None:
        """`AnswerInProgress` while an answer of the conversation is queued or being
        written, by this process or another (replica): the database says, so a tab
        on any replica is refused alike. Checked before anything is counted or stored."""
        self.settle_stuck(user_id, conversation_id)
        if message_store.unfinished_message_ids(user_id, conversation_id):
            raise AnswerInProgress()

    def admit(
        self,
        user_id: int,
        text: str = "",
        *,
        answers: int = 1,
        lane: str = CHAT_LANE,
        adding_bytes: int | None = None,
        adding_files: Sequence[bytes] = (),
        models: Sequence[str] = (),
    ) -> None:
        """Every per-user limit, checked before anything is stored or sent;
        raises the first one reached (`ModelNotAllowed`, `TooManyMessages`,
        `InputRejected`, `TooManyAtOnce`, `StorageQuotaReached`,
        `FileStorageQuotaReached` (for `adding_files`, the originals), the token and
        cost quotas of core/quotas.py).

        First, whether the person may use each of `models` (core/access.py):
        a refused model counts against nothing.

        In the chat lane `answers` sends are counted first, all or none, so an
        oversized or otherwise refused send counts too (40 refused 1.9 MB
        sends used to cost nothing); then the size of `text`, and whether
        `answers` more may be written at once. In every lane the caps on
        stored text (`text` once per answer, or `adding_bytes`), tokens and
        cost per day. Counted by the process-wide rate limiter and worker and
        read from the database, so they hold across every tab and session.
        """
        access.check(self.catalog, user_id, models)
        if lane == CHAT_LANE:
            wait = self.rate.try_acquire(user_id, answers)
            if wait:
                raise TooManyMessages(str(max(1, math.ceil(wait))))
        _check_size(text)
        if lane == CHAT_LANE:
            limit = self.catalog.policy.per_user_generations
            if self.worker.active_count(user_id) + answers > limit:
                raise TooManyAtOnce(str(limit))
        if adding_bytes is None:
            adding_bytes = answers * len(text.encode("utf-8", "surrogatepass"))
        self.caps.check(user_id, adding_bytes=adding_bytes, adding_files=adding_files)

    # ------------------------------------------------------------ internals

    @staticmethod
    def _owned_answer(user_id: int, answer_id: int) -> MessageView:
        """An answer of this user's: never another's, and never a question, whose
        text an in-place retry would otherwise overwrite."""
        answer = message_store.get_message(user_id, answer_id)
        if answer.role != "assistant" or answer.parent_id is None:
            raise RecordNotFound(f"answer {answer_id}")
        return answer

    @staticmethod
    def _store_question(
        user_id: int,
        conversation: ConversationView,
        text: str,
        parent_id: int | None,
        db: Session | None = None,
        tokens: int | None = None,
    ) -> MessageView:
        """`tokens`: the text's count, when the caller made it outside its transaction."""
        return message_store.append_message(
            user_id,
            conversation.id,
            role="user",
            content=text,
            parent_id=parent_id,
            content_tokens=count_text(text) if tokens is None else tokens,
            db=db,
        )

    def _files_for(self, choice: Choice, files: Sequence[Attachment]) -> list[Attachment]:
        """Files as the chosen model will read them (images described for a
        text-only model); `AttachmentRefused` before anything is stored."""
        model = self.catalog.model(choice.model_id)
        if not files or model is None:
            return list(files)
        return for_model.prepare(self.catalog, model, files)

    def _checked(self, text: str) -> str:
        """The text to store; `InputRejected` if there is nothing to send.
        Its size is a limit, checked by `admit` (so an oversized send counts).
        Not cleaned here: the store cleans every string it writes, once
        (core/store/db.py), and everything after reads the stored text."""
        if is_blank(text):
            raise InputRejected("empty")
        return text

    def _choice_of(self, answer: MessageView) -> Choice:
        model_id = answer.requested_model_id or answer.model_id or self.catalog.default_model
        # An answer that searched the web searches again when regenerated or retried.
        searched = web_store.has_sources(answer.id)
        # No temperature: the conversation's applies (`_start`), as its menu last set it.
        return Choice(model_id, answer.thinking, web_search=searched)

    def _new_conversation(
        self,
        db: Session,
        user_id: int,
        text: str,
        choice: Choice,
        kind: str,
        system_prompt: str | None = None,
    ) -> ConversationView:
        conversation = conversation_store.create_conversation(
            user_id,
            choice.model_id,
            kind=kind,
            thinking=choice.thinking,
            temperature=choice.temperature,
            system_prompt=system_prompt,
            db=db,
        )
        if choice.web_search:
            web_store.set_switch(user_id, conversation.id, True, db=db)
        conversation_store.set_auto_title(user_id, conversation.id, auto_title(text), db=db)
        return conversation

    def _ask(
        self, db: Session, user_id: int, conversation: ConversationView, text: str, tokens: int
    ) -> MessageView:
        """The question, stored after the conversation's current message."""
        return self._store_question(
            user_id, conversation, text, conversation.current_leaf_id, db, tokens
        )

    def _append_answer(
        self,
        db: Session | None,
        user_id: int,
        conversation: ConversationView,
        question: MessageView,
        choice: Choice,
    ) -> MessageView:
        return message_store.append_message(
            user_id,
            conversation.id,
            role="assistant",
            parent_id=question.id,
            status=QUEUED,
            model_id=choice.model_id,
            requested_model_id=choice.model_id,
            thinking=choice.thinking,
            # Stored as it will be sent: `_start` does not rewrite a fresh draft.
            temperature=with_conversation_temperature(choice, conversation).temperature,
            db=db,
        )

    def _draft_answer(
        self,
        db: Session,
        user_id: int,
        conversation: ConversationView,
        question: MessageView,
        choice: Choice,
    ) -> StoredSend:
        answer = self._append_answer(db, user_id, conversation, question, choice)
        return StoredSend(conversation, question, answer, choice)

    def _start(
        self,
        user_id: int,
        conversation: ConversationView,
        question: MessageView,
        answer_id: int,
        choice: Choice,
        *,
        extra: list[Turn] | None = None,
        prefix: str = "",
        lane: str = CHAT_LANE,
        user_limit: int | None = None,
        fresh: bool = False,
    ) -> int:
        """Fit the history, reset the answer, submit. Failures are written on the answer.

        The request is built first (reads only); then one transaction resets the
        stored answer (its settings, its text unless `prefix` continues it, its
        old web sources, the messages left out), or records why the request
        cannot be sent. `fresh`: the answer was just drafted with these
        settings (a send), so there is nothing to reset, and no write before
        the worker's own unless history had to be left out."""
        choice = with_conversation_temperature(choice, conversation)
        try:
            job, dropped = self._job(
                user_id, conversation, question, answer_id, choice, extra or [], prefix, lane
            )
        except AppError as refused:
            self._reset(user_id, answer_id, choice, fresh=fresh, prefix=prefix, refused=refused)
            return 0
        if not fresh or dropped:
            self._reset(user_id, answer_id, choice, fresh=fresh, prefix=prefix, dropped=dropped)
        try:
            self.worker.submit(job, user_limit=user_limit)
        except AppError as refused:  # the person's answers at once, counted again
            message_store.finish(
                answer_id, status=ERROR, error_kind=refused.kind, error_detail=refused.detail
            )
            return 0
        return dropped

    @staticmethod
    def _reset(
        user_id: int,
        answer_id: int,
        choice: Choice,
        *,
        fresh: bool,
        prefix: str,
        dropped: int = 0,
        refused: AppError | None = None,
    ) -> None:
        """The answer's reset before it is (re)generated, or its refusal: one unit
        of work, so a failure midway leaves the answer as it was."""
        with unit_of_work() as db:
            message_store.restart_answer(
                user_id,
                answer_id,
                model_id=choice.model_id,
                thinking=choice.thinking,
                temperature=choice.temperature,
                keep_text=bool(prefix),
                context_dropped=dropped,
                error_kind=refused.kind if refused else None,
                error_detail=refused.detail if refused else None,
                db=db,
            )
            if not fresh and not prefix:  # a new answer reads the web anew
                web_store.save_sources(answer_id, None, db=db)

    def _job(
        self,
        user_id: int,
        conversation: ConversationView,
        question: MessageView,
        answer_id: int,
        choice: Choice,
        extra: list[Turn],
        prefix: str,
        lane: str,
    ) -> tuple[Job, int]:
        """The worker's job for this answer and how many older messages it leaves
        out; `AppError` when it cannot be sent (a model gone, the context too long).
        Reads only: nothing is written here."""
        model = self.catalog.model(choice.model_id)
        if model is None:
            raise RecordNotFound(choice.model_id)
        fitted, files = self._fit(user_id, conversation, question, model, extra)
        messages = fitted.as_messages()
        if model.vision and not extra:
            messages = for_model.with_images(messages, files.get(question.id, []))
        # A fallback that cannot see would be sent image parts it refuses.
        fallback = (
            choice.allow_fallback
            and for_model.fallback_can_take(self.catalog, model, messages)
            # A stand-in the person may not use does not answer for them.
            and access.may_use(self.catalog, user_id, model.fallback or "")
        )
        request = GenerationRequest(
            model_id=model.id,
            messages=messages,
            thinking=choice.thinking,
            temperature=choice.temperature,
            allow_fallback=fallback,
            web_search=self._search_ask(user_id, conversation, question, model, fitted, choice)
            if not prefix
            else None,
        )
        job = Job(answer_id, user_id, conversation.id, request, fitted.prompt_tokens, prefix, lane)
        return job, fitted.dropped

    def _search_ask(
        self,
        user_id: int,
        conversation: ConversationView,
        question: MessageView,
        model: Model,
        fitted: FittedHistory,
        choice: Choice,
    ) -> SearchAsk | None:
        """What web search is asked for this answer: the query, and the tokens the
        pages may take (what the history left of the model's input budget)."""
        if not choice.web_search:
            return None
        branch = message_store.branch(user_id, conversation.id, question.id)
        questions = [m.content for m in branch if m.role == "user"]
        budget = input_budget(model.context_window, model.max_output_tokens)
        room = max(0, budget - fitted.prompt_tokens)
        if choice.shared_search is not None:
            choice.shared_search.offer(room)
        return SearchAsk(search_query(questions), room, choice.shared_search)

    def _fit(
        self,
        user_id: int,
        conversation: ConversationView,
        question: MessageView,
        model: Model,
        extra: list[Turn],
    ) -> tuple[FittedHistory, dict[int, list[Attachment]]]:
        branch = message_store.branch(user_id, conversation.id, question.id)
        branch, files = with_file_text(user_id, branch)
        turns = history_turns(branch)
        if conversation.system_prompt:
            turns.insert(0, Turn.of("system", conversation.system_prompt))
        turns.extend(extra)
        budget = input_budget(model.context_window, model.max_output_tokens)
        fitted = fit_history(turns, budget)
        if fitted.prompt_tokens > budget:
            raise ContextTooLong(
                f"{fitted.prompt_tokens:,} tokens; {model.label} accepts {budget:,}"
            )
        return fitted, files


def send_bytes(text: str, files: Sequence[Attachment]) -> int:
    """What a send adds to the text a person keeps: the question and its files."""
    size = len(text.encode("utf-8", "surrogatepass"))
    return size + sum(
        len(f.text.encode("utf-8", "surrogatepass")) + len(f.image or b"") for f in files
    )


def originals(files: Sequence[Attachment]) -> list[bytes]:
    """The uploaded bytes of these files, to be kept (once per person and content)."""
    return [f.original for f in files if f.original is not None]


def _check_size(text: str) -> None:
    if len(text) > MAX_MESSAGE_CHARS:
        raise InputRejected(f"{len(text):,} characters; the limit is {MAX_MESSAGE_CHARS:,}")


def with_conversation_temperature(choice: Choice, conversation: ConversationView) -> Choice:
    """No temperature chosen: the conversation's own applies, as its menu or its
    persona last set it."""
    if choice.temperature is None:
        return replace(choice, temperature=conversation.temperature)
    return choice


def history_turns(messages: list[MessageView]) -> list[Turn]:
    """The turns to send for a branch: answered text only, roles alternating.

    Failed or empty answers are skipped, and consecutive messages of one role
    are joined, because some reasoning APIs (DeepSeek's R1) refuse two user
    messages in a row. Reasoning is never included.
    """
    turns: list[Turn] = []
    for message in messages:
        if message.role == "assistant" and (not message.content or message.status == ERROR):
            continue
        if message.role not in ("user", "assistant", "system"):
            continue
        tokens = message.content_tokens
        if tokens is None:
            tokens = count_text(message.content)
        if turns and turns[-1].role == message.role:
            previous = turns.pop()
            turns.append(
                Turn(
                    message.role,
                    f"{previous.content}\n\n{message.content}",
                    previous.tokens + tokens,
                )
            )
        else:
            turns.append(Turn(message.role, message.content, tokens))
    return turns
