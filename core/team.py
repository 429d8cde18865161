"""What an admin does for a team: groups, who is in them, which models each may
use, and limits per group and per person.

Every function takes the id of the person acting and refuses (`AdminOnly`)
unless the database says they are an admin, so a page cannot be talked into
it. Limits are checked here (not negative; tokens whole); model ids must be
in the catalog. The rules they feed are core/access.py and core/quotas.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from core.access import require_admin
from core.catalog import Catalog
from core.errors import InputRejected
from core.store import groups as group_store
from core.store.groups import LIMIT_FIELDS, GroupView, Limits


def groups(actor_id: int) -> list[GroupView]:
    require_admin(actor_id)
    return group_store.list_groups()


def people(actor_id: int) -> list[tuple[int, str, str]]:
    """(id, username, display name) of every account."""
    require_admin(actor_id)
    return group_store.list_people()


def user_limits(actor_id: int) -> dict[int, Limits]:
    """Each person's own limits, for those who have any."""
    require_admin(actor_id)
    return group_store.all_user_limits()


def create_group(actor_id: int, name: str) -> GroupView:
    require_admin(actor_id)
    return group_store.create_group(name)


def delete_group(actor_id: int, group_id: int) -> None:
    require_admin(actor_id)
    group_store.delete_group(group_id)


def set_members(actor_id: int, group_id: int, user_ids: Iterable[int]) -> None:
    require_admin(actor_id)
    group_store.set_members(group_id, user_ids)


def set_models(actor_id: int, catalog: Catalog, group_id: int, model_ids: Iterable[str]) -> None:
    require_admin(actor_id)
    group_store.set_models(group_id, known_models(catalog, model_ids))


def save_group(
    actor_id: int,
    catalog: Catalog,
    group_id: int,
    *,
    members: Iterable[int],
    models: Iterable[str],
    limits: Limits,
) -> None:
    """The group form's one save: its members, models and limits are all checked
    before any is written, so a refused value changes nothing."""
    require_admin(actor_id)
    model_ids, limits = known_models(catalog, models), checked(limits)
    group_store.set_members(group_id, members)
    group_store.set_models(group_id, model_ids)
    group_store.set_group_limits(group_id, limits)


def known_models(catalog: Catalog, model_ids: Iterable[str]) -> list[str]:
    """The ids as given; `InputRejected` if one is not in the catalog."""
    model_ids = list(model_ids)
    unknown = [m for m in model_ids if m not in catalog.models]
    if unknown:
        raise InputRejected(f"unknown model {unknown[0]}")
    return model_ids


def set_group_limits(actor_id: int, group_id: int, limits: Limits) -> None:
    require_admin(actor_id)
    group_store.set_group_limits(group_id, checked(limits))


def set_user_limits(actor_id: int, user_id: int, limits: Limits) -> None:
    require_admin(actor_id)
    group_store.set_user_limits(user_id, checked(limits))


def checked(limits: Limits) -> Limits:
    """The limits as stored: None stays unset, tokens are whole, nothing negative."""
    values = {}
    for name in LIMIT_FIELDS:
        value = getattr(limits, name)
        if value is not None:
            if not math.isfinite(value) or value < 0:
                raise InputRejected(f"{name} must be 0 or more")
            value = int(value) if "tokens" in name else float(value)
        values[name] = value
    return Limits(**values)
