"""Web search: what an answer read, and the switch each conversation remembers.

`messages.web_sources` holds the answer's web search record as JSON (the
query, the numbered sources given to the model, the pages skipped, or that
search was unavailable; core/websearch/results.py), so reopening a
conversation shows its sources without fetching anything again.
`conversations.web_search` is the conversation's Web search switch.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE messages ADD COLUMN web_sources TEXT"))
    conn.execute(text("ALTER TABLE conversations ADD COLUMN web_search BOOLEAN"))
