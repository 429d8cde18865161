"""Accounts: who signed in through which provider, and every sign-in attempt.

`users.subject` is the identity provider's stable id for a single sign-on
user (issuer and `sub` claim); it is unique per `auth_source`, so the same
person always maps onto the same row. `login_attempts` keeps recent sign-in
attempts in the database, so throttling holds across sessions and restarts.
"""

from sqlalchemy import Boolean, Column, Float, Index, Integer, MetaData, String, Table, text
from sqlalchemy.engine import Connection


def upgrade(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE users ADD COLUMN subject VARCHAR(255)"))
    meta = MetaData()
    users = Table(
        "users",
        meta,
        Column("id", Integer, primary_key=True),
        Column("auth_source", String(16), nullable=False),
        Column("subject", String(255)),
    )
    Index("ux_users_auth_subject", users.c.auth_source, users.c.subject, unique=True).create(conn)
    attempts = Table(
        "login_attempts",
        meta,
        Column("id", Integer, primary_key=True),
        Column("username", String(64), nullable=False),
        Column("ip", String(64)),
        Column("succeeded", Boolean, nullable=False),
        Column("attempted_at", Float, nullable=False),
    )
    Index("ix_login_attempts_username", attempts.c.username, attempts.c.attempted_at)
    Index("ix_login_attempts_ip", attempts.c.ip, attempts.c.attempted_at)
    attempts.create(conn)
