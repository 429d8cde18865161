"""DATABASE_URL chooses the database; PostgreSQL's usual spellings reach psycopg 3."""

import pytest

from core.store.db import DEFAULT_URL, database_url


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://app:pw@db/duet", "postgresql+psycopg://app:pw@db/duet"),
        ("postgres://app@db:5433/duet", "postgresql+psycopg://app@db:5433/duet"),
        ("postgresql+psycopg://app@db/duet", "postgresql+psycopg://app@db/duet"),
        ("sqlite:////srv/chat.db", "sqlite:////srv/chat.db"),
        ("", DEFAULT_URL),
    ],
)
def test_database_url(monkeypatch, given, used):
    monkeypatch.setenv("DATABASE_URL", given)
    assert database_url() == used
