"""Side-by-side comparisons: one prompt, several models, answered at once.

Each column is an ordinary conversation with its own model settings, so a
follow-up continues every column's own history, and every answer goes
through the same worker, queue and busy handling as a chat. Files and web
search are given to every column alike: the same extracted text, and one
search per question whose numbered sources every column reads
(core/websearch/shared.py). The answers are
submitted together and stream concurrently: the slowest column sets the
pace, not the sum of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy.orm import Session

from core.attachments import for_model
from core.attachments.model import Attachment
from core.chat import ChatService, Choice, ReadySend, StoredSend, originals, send_bytes
from core.chat_settings import checked_system_prompt
from core.errors import InputRejected
from core.model_settings import ModelSettings
from core.store import attachments as attachment_store
from core.store import comparisons as comparison_store
from core.store import conversations as conversation_store
from core.store import erase
from core.store import messages as message_store
from core.store import web_sources as web_store
from core.store.comparisons import COMPARE, ComparisonView
from core.store.db import unit_of_work
from core.store.views import ConversationView, MessageView
from core.text import auto_title, is_blank
from core.tokens import count_text
from core.websearch.shared import SharedSearch

T = TypeVar("T")

MIN_COLUMNS = 2
MAX_COLUMNS = 4


@dataclass(frozen=True)
class ComparisonTurn:
    """One prompt and each column's answer to it (None where a column has none)."""

    question: MessageView
    answers: tuple[MessageView | None, ...]


@dataclass(frozen=True)
class ComparisonDetail:
    comparison: ComparisonView
    columns: tuple[ConversationView, ...]
    turns: tuple[ComparisonTurn, ...]  # oldest first

    @property
    def latest_answers(self) -> tuple[MessageView | None, ...]:
        return self.turns[-1].answers if self.turns else ()


def column_choice(conversation: ConversationView, *, allow_fallback: bool) -> Choice:
    """The settings a column's conversation was created with."""
    return Choice(
        conversation.model_id,
        conversation.thinking,
        conversation.temperature,
        allow_fallback=allow_fallback,
    )


class CompareService:
    """Every workflow of the comparisons of one kind (compare, or arena battles):
    built once per process (core/services.py); pages call it and render what it returns."""

    def __init__(self, chat: ChatService, *, kind: str = COMPARE) -> None:
        self.chat = chat
        self.kind = kind  # the comparison mode and the columns' conversation kind

    def history(self, user_id: int, *, limit: int = 50) -> list[ComparisonView]:
        """The user's comparisons of this kind, most recently active first."""
        return comparison_store.list_comparisons(user_id, self.kind, limit=limit)

    def get(self, user_id: int, comparison_id: int) -> ComparisonView:
        """One of the user's comparisons; `RecordNotFound` for anyone else's."""
        return comparison_store.get_comparison(user_id, comparison_id)

    def find(self, user_id: int, public_id: str) -> ComparisonView:
        """By the id in the URL, among the user's own only."""
        return comparison_store.find_comparison(user_id, public_id)

    def files_of(self, user_id: int, detail: ComparisonDetail) -> dict[int, list[Attachment]]:
        """The files (names and sizes, no text) under each question shown, by question id."""
        return attachment_store.summaries_of(user_id, [turn.question.id for turn in detail.turns])

    def delete(self, user_id: int, comparison_id: int) -> None:
        """Delete a comparison with the guarantee a conversation's deletion gives:
        its columns' running answers are stopped first, then the columns are erased
        for real (rows, files, search index, log: core/store/erase.py). Votes keep
        their models but lose their answers' text."""
        comparison = comparison_store.get_comparison(user_id, comparison_id)  # owner first
        if comparison.mode != self.kind:  # a battle is deleted by the arena, and vice versa
            raise InputRejected(f"not a {self.kind} of this page")
        for conversation_id in comparison.conversation_ids:
            self.chat.stop_all(user_id, conversation_id)
        comparison_store.delete_comparison(user_id, comparison_id)
        erase.forget_deleted_text()

    def start(
        self,
        user_id: int,
        text: str,
        settings: Sequence[ModelSettings],
        *,
        allow_fallback: bool = True,
        files: Sequence[Attachment] = (),
        web_search: bool = False,
    ) -> ComparisonView:
        """Ask every column the first prompt; `AppError` before anything is stored
        when the prompt is blank, the columns are too few or too many, or a
        per-user limit cannot take all of them (`ChatService.admit`: sends per
        minute, answers at once, size, stored text, tokens and cost)."""
        if not MIN_COLUMNS <= len(settings) <= MAX_COLUMNS:
            raise InputRejected(f"{len(settings)} columns; choose {MIN_COLUMNS} to {MAX_COLUMNS}")
        models = [setting.model_id for setting in settings]
        self._check_sendable(user_id, text, len(settings), files, models)
        for setting in settings:  # every column's prompt variant, before any is asked
            checked_system_prompt(setting.system_prompt)
        column_files = self._files_per_column(models, files)
        tokens = count_text(text)  # once for every column, before the transaction
        shared = SharedSearch() if web_search else None  # one search, every column alike
        ready = [
            self.chat.prepare_send(
                user_id,
                None,
                text,
                Choice.of(
                    setting,
                    allow_fallback=allow_fallback,
                    web_search=web_search,
                    shared_search=shared,
                ),
                kind=self.kind,
                admitted=True,
                files=own_files,
                system_prompt=setting.system_prompt,
                tokens=tokens,
            )
            for setting, own_files in zip(settings, column_files, strict=True)
        ]
        title = auto_title(text or ", ".join(f.name for f in files))
        return self._ask_every_column(
            user_id,
            ready,
            shared,
            lambda db, stored: comparison_store.create_comparison(
                user_id, self.kind, [send.conversation.id for send in stored], title=title, db=db
            ),
        )

    def follow_up(
        self,
        user_id: int,
        comparison_id: int,
        text: str,
        *,
        allow_fallback: bool = True,
        files: Sequence[Attachment] = (),
    ) -> None:
        """Ask every column a next prompt, each within its own conversation."""
        comparison = comparison_store.get_comparison(user_id, comparison_id)
        for conversation_id in comparison.conversation_ids:  # all columns or none
            self.chat.ensure_idle(user_id, conversation_id)
        columns = [
            conversation_store.get_conversation(user_id, conversation_id)
            for conversation_id in comparison.conversation_ids
        ]
        models = [conversation.model_id for conversation in columns]
        self._check_sendable(user_id, text, len(columns), files, models)
        column_files = self._files_per_column(models, files)
        choices = [self._column_choice(user_id, c, allow_fallback) for c in columns]
        shared = SharedSearch() if any(choice.web_search for choice in choices) else None
        tokens = count_text(text)  # once for every column, before the transaction
        ready = [
            self.chat.prepare_send(
                user_id,
                conversation.id,
                text,
                replace(choice, shared_search=shared),
                kind=self.kind,
                admitted=True,
                files=own_files,
                tokens=tokens,
            )
            for conversation, choice, own_files in zip(columns, choices, column_files, strict=True)
        ]
        self._ask_every_column(
            user_id,
            ready,
            shared,
            lambda db, _stored: comparison_store.touch_comparison(user_id, comparison_id, db=db),
        )

    def _ask_every_column(
        self,
        user_id: int,
        ready: Sequence[ReadySend],
        shared: SharedSearch | None,
        comparison_row: Callable[[Session, list[StoredSend]], T],
    ) -> T:
        """Store every column's question, files and drafted answer, and the
        comparison's own row (`comparison_row`), in one unit of work, then start
        the answers once it has committed: a failure at any column stores no
        column. All columns or none: their slots are reserved in one step, so
        another tab cannot take one between the first column's start and the
        last's."""
        with self.chat.worker.reserve(user_id, len(ready)):
            try:
                with unit_of_work() as db:
                    stored = [self.chat.store_send(db, send) for send in ready]
                    result = comparison_row(db, stored)
                for send in stored:
                    self.chat.start_send(send)
            finally:
                if shared is not None:
                    shared.seal()
        return result

    def retry(
        self, user_id: int, comparison_id: int, answer_id: int, *, allow_fallback: bool = True
    ) -> None:
        """Generate one column's failed or stopped answer again, with its settings."""
        answer = message_store.get_message(user_id, answer_id)
        comparison = comparison_store.get_comparison(user_id, comparison_id)
        if answer.conversation_id not in comparison.conversation_ids:
            raise InputRejected("not an answer of this comparison")
        conversation = conversation_store.get_conversation(user_id, answer.conversation_id)
        self.chat.retry(
            user_id, answer_id, self._column_choice(user_id, conversation, allow_fallback)
        )

    @staticmethod
    def _column_choice(
        user_id: int, conversation: ConversationView, allow_fallback: bool
    ) -> Choice:
        """A column's settings, with the web search switch its conversation keeps."""
        choice = column_choice(conversation, allow_fallback=allow_fallback)
        return replace(choice, web_search=web_store.switch_of(user_id, conversation.id))

    def stop(self, user_id: int, comparison_id: int) -> None:
        """Stop every column's answer that is still being written."""
        for answer in self.detail(user_id, comparison_id, last_turns=1).latest_answers:
            if answer is not None:
                self.chat.stop(user_id, answer.id)

    def detail(
        self, user_id: int, comparison_id: int, *, last_turns: int | None = None
    ) -> ComparisonDetail:
        """The columns and their turns side by side (the newest `last_turns` only)."""
        comparison = comparison_store.get_comparison(user_id, comparison_id)
        columns = tuple(
            conversation_store.get_conversation(user_id, conversation_id)
            for conversation_id in comparison.conversation_ids
        )
        last = None if last_turns is None else 2 * last_turns
        branches = [
            message_store.branch(user_id, conversation.id, last=last) for conversation in columns
        ]
        return ComparisonDetail(comparison, columns, align_turns(branches))

    def _files_per_column(
        self, models: Sequence[str], files: Sequence[Attachment]
    ) -> list[list[Attachment]]:
        """Each column's files as its model reads them, prepared before anything
        is stored (a refusal stops every column). An image is described once per
        describing model, so the text-only columns read the very same words."""
        catalog = self.chat.catalog
        prepared: dict[str, list[Attachment]] = {}
        per_column = []
        for model_id in models:
            model = catalog.model(model_id)
            if model is None or not files:
                per_column.append(list(files))
                continue
            key = for_model.describer_key(catalog, model, files)
            if key not in prepared:
                prepared[key] = for_model.prepare(catalog, model, files)
            per_column.append(prepared[key])
        return per_column

    def _check_sendable(
        self,
        user_id: int,
        text: str,
        columns: int,
        files: Sequence[Attachment] = (),
        models: Sequence[str] = (),
    ) -> None:
        """All columns or none: a comparison with a missing column says nothing,
        so every limit is asked for all of them at once, before anything is stored.
        Files are given to every column: each column keeps its own copy."""
        if is_blank(text) and not files:
            raise InputRejected("empty")
        adding = columns * send_bytes(text, files)
        self.chat.admit(
            user_id,
            text,
            answers=columns,
            adding_bytes=adding,
            adding_files=originals(files),  # kept once, however many columns
            models=models,
        )


def align_turns(branches: Sequence[list[MessageView]]) -> tuple[ComparisonTurn, ...]:
    """Pair each column's answers by the question they answer, in order.

    Every column receives the same prompts, so the k-th question of one is the
    k-th of all; a column missing an answer (a cut history) gets None.
    """
    per_column = [_question_answer_pairs(branch) for branch in branches]
    if not per_column or not per_column[0]:
        return ()
    turns = []
    for index, (question, _answer) in enumerate(per_column[0]):
        answers = tuple(pairs[index][1] if index < len(pairs) else None for pairs in per_column)
        turns.append(ComparisonTurn(question, answers))
    return tuple(turns)


def _question_answer_pairs(
    branch: list[MessageView],
) -> list[tuple[MessageView, MessageView | None]]:
    pairs: list[tuple[MessageView, MessageView | None]] = []
    for message in branch:
        if message.role == "user":
            pairs.append((message, None))
        elif message.role == "assistant" and pairs and pairs[-1][1] is None:
            pairs[-1] = (pairs[-1][0], message)
    return pairs
