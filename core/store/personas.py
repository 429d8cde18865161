"""Personas a user made, always scoped to their owner.

Every function takes the user's id first and filters on it itself: another
user's persona is "not found", exactly like one that does not exist, so it
can be neither read, changed nor deleted. Values are checked by
core/personas.py before they get here.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.errors import RecordNotFound
from core.store.db import session
from core.store.models import PersonaRow
from core.store.views import view_of

MAX_PER_USER = 100  # enough for anyone; a bound for the picker and the page


@dataclass(frozen=True)
class PersonaView:
    public_id: str
    name: str
    icon: str
    system_prompt: str
    model_id: str | None
    thinking: bool | None
    temperature: float | None
    web_search: bool
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class PersonaFields:
    """What a user sets on a persona (already checked)."""

    name: str
    icon: str
    system_prompt: str
    model_id: str | None = None
    thinking: bool | None = None
    temperature: float | None = None
    web_search: bool = False


def _owned(db: Session, user_id: int, public_id: str) -> PersonaRow:
    row = db.scalar(
        select(PersonaRow).where(PersonaRow.public_id == public_id, PersonaRow.user_id == user_id)
    )
    if row is None:
        raise RecordNotFound(f"persona {public_id}")
    return row


def list_personas(user_id: int) -> list[PersonaView]:
    """The user's own personas, by name."""
    with session() as db:
        rows = db.scalars(
            select(PersonaRow)
            .where(PersonaRow.user_id == user_id)
            .order_by(PersonaRow.name, PersonaRow.id)
            .limit(MAX_PER_USER)
        )
        return [view_of(row, PersonaView) for row in rows]


def count_personas(user_id: int) -> int:
    with session() as db:
        return db.scalar(
            select(func.count()).select_from(PersonaRow).where(PersonaRow.user_id == user_id)
        )


def get_persona(user_id: int, public_id: str) -> PersonaView:
    with session() as db:
        return view_of(_owned(db, user_id, public_id), PersonaView)


def create_persona(user_id: int, fields: PersonaFields) -> PersonaView:
    now = time.time()
    with session() as db:
        row = PersonaRow(
            public_id=uuid.uuid4().hex,
            user_id=user_id,
            created_at=now,
            updated_at=now,
            **vars(fields),
        )
        db.add(row)
        db.flush()
        return view_of(row, PersonaView)


def update_persona(user_id: int, public_id: str, fields: PersonaFields) -> PersonaView:
    with session() as db:
        row = _owned(db, user_id, public_id)
        for name, value in vars(fields).items():
            setattr(row, name, value)
        row.updated_at = time.time()
        db.flush()
        return view_of(row, PersonaView)


def delete_persona(user_id: int, public_id: str) -> None:
    with session() as db:
        row = _owned(db, user_id, public_id)
        db.execute(delete(PersonaRow).where(PersonaRow.id == row.id))


def delete_all_personas(user_id: int, *, db: Session | None = None) -> int:
    """ "Delete all my data": every persona of the user's; how many there were.

    `db`: the session of the caller's unit of work (core/store/db.py).
    """
    with session(within=db) as db:
        return db.execute(delete(PersonaRow).where(PersonaRow.user_id == user_id)).rowcount
