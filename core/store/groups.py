"""Groups of people, the models each group may use, and limits per group and person.

Rows only; the rules (who may ask what, which limit wins) are core/access.py
and core/quotas.py, and only admins reach the writing functions, through
core/team.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from core.errors import InputRejected, RecordNotFound
from core.store.db import session
from core.store.models import User, UserGroup, UserGroupMember, UserGroupModel, UserQuota

LIMIT_FIELDS = (
    "max_tokens_per_day",
    "max_cost_usd_per_day",
    "max_tokens_per_month",
    "max_cost_usd_per_month",
)


@dataclass(frozen=True)
class Limits:
    """Limits set for a group or a person; None: not set here (0: no limit)."""

    max_tokens_per_day: int | None = None
    max_cost_usd_per_day: float | None = None
    max_tokens_per_month: int | None = None
    max_cost_usd_per_month: float | None = None


@dataclass(frozen=True)
class GroupView:
    id: int
    name: str
    limits: Limits
    members: tuple[int, ...]  # user ids
    models: tuple[str, ...]  # catalog model ids


def _limits_of(row: UserGroup | UserQuota | None) -> Limits:
    if row is None:
        return Limits()
    return Limits(**{name: getattr(row, name) for name in LIMIT_FIELDS})


# ---------------------------------------------------------------- reading


def list_groups() -> list[GroupView]:
    """Every group with its members and models, by name."""
    with session() as db:
        groups = db.scalars(select(UserGroup).order_by(UserGroup.name)).all()
        members = db.execute(select(UserGroupMember.group_id, UserGroupMember.user_id)).all()
        models = db.execute(select(UserGroupModel.group_id, UserGroupModel.model_id)).all()
        return [
            GroupView(
                g.id,
                g.name,
                _limits_of(g),
                tuple(sorted(u for gid, u in members if gid == g.id)),
                tuple(sorted(m for gid, m in models if gid == g.id)),
            )
            for g in groups
        ]


def models_listed_by_groups(user_id: int) -> tuple[set[str], set[str]]:
    """(model ids any group lists, model ids the user's own groups list)."""
    with session() as db:
        rows = db.execute(
            select(UserGroupModel.model_id, UserGroupMember.user_id).outerjoin(
                UserGroupMember,
                (UserGroupMember.group_id == UserGroupModel.group_id)
                & (UserGroupMember.user_id == user_id),
            )
        ).all()
    listed = {model_id for model_id, _ in rows}
    theirs = {model_id for model_id, member in rows if member is not None}
    return listed, theirs


def limits_of_user(user_id: int) -> tuple[Limits, list[Limits]]:
    """(the person's own limits, the limits of each of their groups)."""
    with session() as db:
        own = _limits_of(db.get(UserQuota, user_id))
        groups = db.scalars(
            select(UserGroup)
            .join(UserGroupMember, UserGroupMember.group_id == UserGroup.id)
            .where(UserGroupMember.user_id == user_id)
        ).all()
        return own, [_limits_of(g) for g in groups]


def all_user_limits() -> dict[int, Limits]:
    with session() as db:
        return {row.user_id: _limits_of(row) for row in db.scalars(select(UserQuota))}


def list_people() -> list[tuple[int, str, str]]:
    """(id, username, display name) of every account, by username."""
    with session() as db:
        rows = db.execute(
            select(User.id, User.username, User.display_name).order_by(User.username)
        ).all()
    return [(uid, name, display) for uid, name, display in rows]


# ---------------------------------------------------------------- writing


def create_group(name: str) -> GroupView:
    name = " ".join(name.split())[:64]
    if not name:
        raise InputRejected("empty")
    try:
        with session() as db:
            row = UserGroup(name=name, created_at=time.time())
            db.add(row)
            db.flush()
            return GroupView(row.id, row.name, Limits(), (), ())
    except IntegrityError:
        raise InputRejected(f"a group named {name} exists") from None


def delete_group(group_id: int) -> None:
    with session() as db:
        db.execute(delete(UserGroup).where(UserGroup.id == group_id))


def set_members(group_id: int, user_ids: Iterable[int]) -> None:
    with session() as db:
        _group(db, group_id)
        db.execute(delete(UserGroupMember).where(UserGroupMember.group_id == group_id))
        db.add_all(UserGroupMember(group_id=group_id, user_id=u) for u in sorted(set(user_ids)))


def set_models(group_id: int, model_ids: Iterable[str]) -> None:
    with session() as db:
        _group(db, group_id)
        db.execute(delete(UserGroupModel).where(UserGroupModel.group_id == group_id))
        db.add_all(UserGroupModel(group_id=group_id, model_id=m) for m in sorted(set(model_ids)))


def set_group_limits(group_id: int, limits: Limits) -> None:
    with session() as db:
        row = _group(db, group_id)
        for name in LIMIT_FIELDS:
            setattr(row, name, getattr(limits, name))


def set_user_limits(user_id: int, limits: Limits) -> None:
    """A person's own limits; all None removes them (their groups' and [policy] apply)."""
    with session() as db:
        if db.get(User, user_id) is None:
            raise RecordNotFound(f"user {user_id}")
        row = db.get(UserQuota, user_id)
        if all(getattr(limits, name) is None for name in LIMIT_FIELDS):
            if row is not None:
                db.delete(row)
            return
        if row is None:
            row = UserQuota(user_id=user_id)
            db.add(row)
        for name in LIMIT_FIELDS:
            setattr(row, name, getattr(limits, name))


def _group(db, group_id: int) -> UserGroup:
    row = db.get(UserGroup, group_id)
    if row is None:
        raise RecordNotFound(f"group {group_id}")
    return row
