"""What web search left on a conversation: its switch, and each answer's sources.

The chat page shows both; stored sources are shown as they were saved, nothing
is fetched again when a conversation is reopened.
"""

from __future__ import annotations

from core.store import web_sources as web_store
from core.websearch.results import WebSources


class RememberedWebSearch:
    def switch_of(self, user_id: int, conversation_id: int) -> bool:
        """The conversation's Web search switch (off unless turned on)."""
        return web_store.switch_of(user_id, conversation_id)

    def set_switch(self, user_id: int, conversation_id: int, enabled: bool) -> None:
        web_store.set_switch(user_id, conversation_id, enabled)

    def sources_of(self, user_id: int, message_id: int) -> WebSources | None:
        """The sources an answer of the person's was grounded in (None: it searched nothing)."""
        return WebSources.from_json(web_store.sources_of(user_id, [message_id]).get(message_id))
