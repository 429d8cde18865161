"""Which models a person may use: the groups an admin defined decide.

- No group defined at all: everyone may use every model (a laptop, a
  family that never set any up).
- A model that some group lists is only for the members of a group listing
  it; a model that no group lists stays open to everyone. Joining a group
  therefore never takes a model away, and a new model added to models.toml
  is open until an admin puts it in a group.
- Admins may use every model (they choose the groups and need to try them).

Checked by `ChatService.admit` on every path that starts an answer (chat,
compare, arena, batch), so a model id sent to a service directly is refused
like one picked on a page; pages also show only what `allowed_catalog` keeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from types import MappingProxyType

from core.catalog import Catalog
from core.errors import AdminOnly, ModelNotAllowed
from core.store import groups as group_store
from core.store import users as user_store


def allowed_models(catalog: Catalog, user_id: int) -> frozenset[str]:
    """The ids of the catalog's models this person may use now (read from the database)."""
    if user_store.get_user(user_id).is_admin:
        return frozenset(catalog.models)
    listed, theirs = group_store.models_listed_by_groups(user_id)
    return frozenset(m for m in catalog.models if m not in listed or m in theirs)


def check(catalog: Catalog, user_id: int, model_ids: Iterable[str]) -> None:
    """`ModelNotAllowed` naming the first model this person may not use."""
    wanted = [m for m in model_ids if m]
    if not wanted:
        return
    allowed = allowed_models(catalog, user_id)
    for model_id in wanted:
        if model_id in catalog.models and model_id not in allowed:
            raise ModelNotAllowed(model_id)


def may_use(catalog: Catalog, user_id: int, model_id: str) -> bool:
    return model_id in allowed_models(catalog, user_id)


def allowed_catalog(catalog: Catalog, user_id: int) -> Catalog:
    """The catalog with only the models this person may use (the default model
    becomes the first of them when the usual one is not among them)."""
    allowed = allowed_models(catalog, user_id)
    if allowed == frozenset(catalog.models):
        return catalog
    models = {mid: m for mid, m in catalog.models.items() if mid in allowed}
    default = catalog.default_model if catalog.default_model in models else next(iter(models), "")
    return replace(catalog, models=MappingProxyType(models), default_model=default)


def require_admin(user_id: int) -> None:
    """`AdminOnly` unless the database says this person is an admin (whatever a page thinks)."""
    if not user_store.get_user(user_id).is_admin:
        raise AdminOnly()
