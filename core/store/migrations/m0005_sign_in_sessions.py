"""Sign-in sessions that survive a reload, and sign-ups counted like sign-ins.

`sign_in_sessions` keeps one row per signed-in browser: the SHA-256 of a
random token the browser holds (never the token), whose user, and until
when. Deleting the rows ends the sessions. `login_attempts.kind` tells a
sign-in attempt from a sign-up, so both are throttled from one table.
"""

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, text
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    meta = MetaData()
    Table("users", meta, Column("id", Integer, primary_key=True))
    sessions = Table(
        "sign_in_sessions",
        meta,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        Column("token_hash", String(64), nullable=False, unique=True),
        Column("created_at", Float, nullable=False),
        Column("expires_at", Float, nullable=False),
    )
    Index("ix_sign_in_sessions_user", sessions.c.user_id)
    sessions.create(conn)
    conn.execute(
        text("ALTER TABLE login_attempts ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'sign_in'")
    )
    attempts = Table(
        "login_attempts",
        meta,
        Column("id", Integer, primary_key=True),
        Column("kind", String(16)),
        Column("attempted_at", Float),
    )
    Index("ix_login_attempts_kind", attempts.c.kind, attempts.c.attempted_at).create(conn)
