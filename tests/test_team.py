"""An admin's group form saves in one step (core/team.py `save_group`): a refused
value changes nothing, and only an admin may save."""

from __future__ import annotations

import pytest

from core import team
from core.errors import AdminOnly, InputRejected
from core.store.groups import Limits
from core.store.users import ADMIN, ensure_user
from tests.conftest import local_catalog


@pytest.fixture
def people(db):
    return ensure_user("root", role=ADMIN), ensure_user("alice"), ensure_user("bob")


@pytest.fixture
def catalog(server):
    return local_catalog(server)


def saved(admin, group_id):
    return next(g for g in team.groups(admin.id) if g.id == group_id)


def test_the_group_form_saves_members_models_and_limits(people, catalog):
    admin, alice, bob = people
    group = team.create_group(admin.id, "Family")
    team.save_group(
        admin.id,
        catalog,
        group.id,
        members=[alice.id, bob.id],
        models=["m"],
        limits=Limits(max_tokens_per_day=500),
    )
    after = saved(admin, group.id)
    assert sorted(after.members) == sorted([alice.id, bob.id])
    assert list(after.models) == ["m"]
    assert after.limits.max_tokens_per_day == 500


@pytest.mark.parametrize(
    "models, limits",
    [
        (["m", "no-such-model"], Limits(max_tokens_per_day=500)),  # a model gone from the catalog
        (["m"], Limits(max_tokens_per_day=-1)),  # a limit below zero
    ],
)
def test_a_refused_value_saves_nothing_of_the_form(people, catalog, models, limits):
    admin, alice, bob = people
    group = team.create_group(admin.id, "Family")
    team.save_group(admin.id, catalog, group.id, members=[alice.id], models=[], limits=Limits())

    with pytest.raises(InputRejected):
        team.save_group(admin.id, catalog, group.id, members=[bob.id], models=models, limits=limits)

    after = saved(admin, group.id)
    assert (list(after.members), list(after.models)) == ([alice.id], [])
    assert after.limits == Limits()


def test_only_an_admin_saves_a_group(people, catalog):
    admin, alice, _ = people
    group = team.create_group(admin.id, "Family")
    with pytest.raises(AdminOnly):
        team.save_group(alice.id, catalog, group.id, members=[alice.id], models=[], limits=Limits())
    assert list(saved(admin, group.id).members) == []
