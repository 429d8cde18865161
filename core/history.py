"""A person's conversations as the chat page and the sidebar see them.

Listing, opening, renaming, pinning, archiving, searching, paging between
versions, exporting and deleting: each is one method here, so the pages and
ui components never reach into the store. Every method takes the user first
and the store checks ownership (another person's id is `RecordNotFound`).

Deleting has one guarantee, whoever calls it: the conversation's answers
being written are stopped first (so none saves into a row about to go), then
the store erases it for real (messages, attachments, search index, the log:
core/store/erase.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from core.attachments.model import Attachment
from core.chat import ChatService
from core.store import attachment_files, erase, transfer
from core.store import attachments as attachment_store
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.context_use import branch_tokens
from core.store.search import SearchHit, search
from core.store.views import ConversationView, MessageView


class History:
    def __init__(self, chat: ChatService) -> None:
        self._chat = chat  # stops a conversation's answers before it is deleted

    # ------------------------------------------------------------ conversations

    def conversation(self, user_id: int, conversation_id: int) -> ConversationView:
        return conversation_store.get_conversation(user_id, conversation_id)

    def find(self, user_id: int, public_id: str) -> ConversationView:
        """The conversation a URL names (`?c=`), among this person's only."""
        return conversation_store.find_conversation(user_id, public_id)

    def conversations(
        self, user_id: int, *, archived: bool = False, limit: int = 50
    ) -> list[ConversationView]:
        """Pinned first, then the most recently updated."""
        return conversation_store.list_conversations(user_id, archived=archived, limit=limit)

    def rename(self, user_id: int, conversation_id: int, title: str) -> None:
        """A title the person chose (blank: named after its first question again)."""
        conversation_store.rename_conversation(user_id, conversation_id, title)

    def set_pinned(self, user_id: int, conversation_id: int, pinned: bool) -> None:
        conversation_store.update_conversation(user_id, conversation_id, pinned=pinned)

    def set_archived(self, user_id: int, conversation_id: int, archived: bool) -> None:
        conversation_store.update_conversation(user_id, conversation_id, archived=archived)

    def remember_model(
        self, user_id: int, conversation_id: int, model_id: str, thinking: bool | None
    ) -> None:
        """The model (and thinking switch) the picker shows for this conversation."""
        conversation_store.update_conversation(
            user_id, conversation_id, model_id=model_id, thinking=thinking
        )

    def delete(self, user_id: int, conversation_id: int) -> None:
        """Stop its answers being written, then erase it for real."""
        conversation_store.get_conversation(user_id, conversation_id)  # ownership first
        self._chat.stop_all(user_id, conversation_id)
        erase.delete_conversation(user_id, conversation_id)

    def export(self, user_id: int, conversation_ids: Sequence[int] | None = None) -> dict:
        """The export document (core/store/transfer.py) of some conversations, or all."""
        ids = None if conversation_ids is None else list(conversation_ids)
        return transfer.export_conversations(user_id, ids)

    def search(self, user_id: int, query: str, *, include_reasoning: bool) -> list[SearchHit]:
        return search(user_id, query, include_reasoning=include_reasoning)

    # ------------------------------------------------------------ messages

    def message(self, user_id: int, message_id: int) -> MessageView:
        return message_store.get_message(user_id, message_id)

    def find_message(self, user_id: int, conversation_id: int, public_id: str) -> MessageView:
        """The message a URL names (`?m=`), in that conversation of this person's."""
        return message_store.find_message(user_id, conversation_id, public_id)

    def branch(self, user_id: int, conversation_id: int, *, last: int) -> list[MessageView]:
        """The newest `last` messages of the branch shown, oldest first."""
        return message_store.branch(user_id, conversation_id, last=last)

    def branch_length(self, user_id: int, conversation_id: int) -> int:
        return message_store.count_branch(user_id, conversation_id)

    def branch_tokens(self, user_id: int, conversation_id: int) -> int:
        """Tokens the branch shown takes in the model's context (its system prompt too)."""
        return branch_tokens(user_id, conversation_id)

    def versions(
        self, user_id: int, conversation_id: int, messages: list[MessageView]
    ) -> dict[int, list[int]]:
        """For each shown message that has other versions: all of them, oldest first."""
        return message_store.alternatives(user_id, conversation_id, messages)

    def choose_version(self, user_id: int, message_id: int) -> MessageView:
        """Show the branch through this version; the conversation goes on from there."""
        return message_store.choose(user_id, message_id)

    def reveal(self, user_id: int, message_id: int) -> MessageView:
        """Make a found message part of the branch shown (switching only if needed)."""
        return message_store.reveal(user_id, message_id)

    def original_file(self, user_id: int, message_id: int, position: int) -> bytes:
        """The kept original of a file of the person's message (a download);
        `RecordNotFound` once it is gone."""
        return attachment_files.original(user_id, message_id, position).data

    def files_of(self, user_id: int, message_ids: Sequence[int]) -> dict[int, list[Attachment]]:
        """The files attached to these questions: names and sizes, not their text."""
        return attachment_store.summaries_of(user_id, message_ids)
