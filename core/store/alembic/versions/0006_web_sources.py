"""Web search: what an answer read, and the switch each conversation remembers.

Two tables of their own rather than columns on `messages` and `conversations`,
so code that writes those rows is unchanged and a database made before web
search keeps working:

- `message_web_sources`: an answer's web search record as JSON (the query,
  the numbered sources given to the model, the pages skipped, or that search
  was unavailable; core/websearch/results.py). Reopening a conversation shows
  its sources from here: nothing is fetched again.
- `conversation_web_search`: the conversation's Web search switch.

Both go with their message or conversation (ON DELETE CASCADE).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_web_sources",
        sa.Column(
            "message_id",
            sa.Integer,
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sources", sa.Text, nullable=False),
    )
    op.create_table(
        "conversation_web_search",
        sa.Column(
            "conversation_id",
            sa.Integer,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("enabled", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("conversation_web_search")
    op.drop_table("message_web_sources")
