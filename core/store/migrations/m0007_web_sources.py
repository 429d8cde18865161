"""Web search: what an answer read, and the switch each conversation remembers.

Two tables of their own rather than columns on `messages` and `conversations`,
so code that writes those rows is unchanged and a database made before web
search keeps working with every older migration's test:

- `message_web_sources`: an answer's web search record as JSON (the query,
  the numbered sources given to the model, the pages skipped, or that search
  was unavailable; core/websearch/results.py). Reopening a conversation shows
  its sources from here: nothing is fetched again.
- `conversation_web_search`: the conversation's Web search switch.

Both go with their message or conversation (ON DELETE CASCADE).
"""

from sqlalchemy import Boolean, Column, ForeignKey, Integer, MetaData, Table, Text
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    meta = MetaData()
    Table("messages", meta, Column("id", Integer, primary_key=True))
    Table("conversations", meta, Column("id", Integer, primary_key=True))
    Table(
        "message_web_sources",
        meta,
        Column(
            "message_id",
            ForeignKey("messages.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("sources", Text, nullable=False),
    ).create(conn)
    Table(
        "conversation_web_search",
        meta,
        Column(
            "conversation_id",
            ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("enabled", Boolean, nullable=False),
    ).create(conn)
