"""The admin's part of the Usage page: groups, their members and models, and limits.

Every change goes through core/team.py, which checks again that the person
is an admin. A limit left empty is not set (the next source applies: a
person's own, then their groups', then `[policy]`); 0 means no limit.
"""

from __future__ import annotations

import streamlit as st

from core import team
from core.catalog import Catalog
from core.errors import AppError
from core.i18n import Translator
from core.store.groups import LIMIT_FIELDS, GroupView, Limits
from core.store.views import UserView
from ui.errors import describe
from ui.format import escape_markdown, model_label


def render_team_admin(t: Translator, admin: UserView, catalog: Catalog) -> None:
    st.markdown(f"#### {t('team.title')}")
    st.caption(t("team.rules"))
    people = {uid: name for uid, name, _display in team.people(admin.id)}
    for group in team.groups(admin.id):
        with st.expander(escape_markdown(group.name), icon=":material/group:"):
            _group_form(t, admin, catalog, group, people)
    with st.form("team-new-group", clear_on_submit=True):
        name = st.text_input(t("team.new_group"), max_chars=64, key="team-new-group-name")
        if st.form_submit_button(t("team.create_group")):
            _act(t, lambda: team.create_group(admin.id, name))
    st.markdown(f"##### {t('team.person_limits')}")
    _person_form(t, admin, people)


def _group_form(
    t: Translator, admin: UserView, catalog: Catalog, group: GroupView, people: dict[int, str]
) -> None:
    with st.form(f"team-group-{group.id}"):
        members = st.multiselect(
            t("team.members"),
            options=list(people),
            default=[u for u in group.members if u in people],
            format_func=lambda uid: people[uid],
            key=f"team-members-{group.id}",
        )
        models = st.multiselect(
            t("team.models"),
            options=list(catalog.models),
            default=[m for m in group.models if m in catalog.models],
            format_func=lambda mid: model_label(catalog, mid),
            key=f"team-models-{group.id}",
            help=t("team.models_help"),
        )
        limits = _limit_inputs(t, group.limits, f"team-group-{group.id}")
        save, delete = st.columns(2)
        saved = save.form_submit_button(t("team.save"), type="primary")
        deleted = delete.form_submit_button(t("team.delete_group"))
    if saved:
        _act(
            t,
            lambda: team.save_group(
                admin.id, catalog, group.id, members=members, models=models, limits=limits
            ),
        )
    if deleted:
        _act(t, lambda: team.delete_group(admin.id, group.id))


def _person_form(t: Translator, admin: UserView, people: dict[int, str]) -> None:
    if not people:
        return
    person = st.selectbox(
        t("team.person"), options=list(people), format_func=lambda uid: people[uid], key="team-who"
    )
    own = team.user_limits(admin.id).get(person, Limits())
    with st.form(f"team-person-{person}"):
        limits = _limit_inputs(t, own, f"team-person-{person}")
        saved = st.form_submit_button(t("team.save"), type="primary")
    if saved:
        _act(t, lambda: team.set_user_limits(admin.id, person, limits))


def _limit_inputs(t: Translator, current: Limits, key: str) -> Limits:
    """Four number boxes, empty when not set here."""
    values = {}
    columns = st.columns(2)
    for index, name in enumerate(LIMIT_FIELDS):
        tokens = "tokens" in name
        with columns[index % 2]:
            values[name] = st.number_input(
                t(f"team.limit.{name}"),
                min_value=0 if tokens else 0.0,
                value=getattr(current, name),
                step=1000 if tokens else 0.5,
                format=None if tokens else "%.2f",
                placeholder=t("team.not_set"),
                key=f"{key}-{name}",
            )
    return Limits(**values)


def _act(t: Translator, action) -> None:
    """Do it and show the page again, or say why not."""
    try:
        action()
    except AppError as refused:
        st.error(describe(t, refused.kind, refused.detail), icon=":material/error:")
        return
    st.rerun()
