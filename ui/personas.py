"""Personas on the chat page: the picker a new chat starts from, the dialog
where a user makes their own, a conversation's settings in its menu, and the
system prompt shown (collapsed) at the top of a conversation.

Names and prompts are someone's text: names are escaped wherever a label
renders Markdown, prompts are shown through the inert renderer
(ui.message.render_text). Every read and write goes through core/personas.py
and core/chat_settings.py, which check the owner.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

import streamlit as st

from core.catalog import Catalog
from core.chat_settings import (
    MAX_SYSTEM_PROMPT_CHARS,
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    ChatSettings,
    save_settings,
)
from core.errors import RecordNotFound, SettingsRejected
from core.i18n import Translator
from core.personas import (
    MAX_ICON_CHARS,
    MAX_NAME_CHARS,
    Persona,
    create_persona,
    delete_persona,
    find_persona,
    personas_for,
    update_persona,
)
from core.store.views import ConversationView
from ui.format import escape_markdown
from ui.message import render_text
from ui.web_search import NEW_CHAT, switch_key

CHOSEN = "new-chat-persona"  # the pills' key: the persona the next new chat starts from
PENDING = "new-chat-persona-pending"  # saved in the dialog, applied before the picker draws
MANAGE = "personas-dialog"  # whether the dialog is open
NEW = "__new__"
DEFAULT_TEMPERATURE = 1.0  # where the slider starts when no temperature is set
THINKING = (None, True, False)


def label(persona: Persona) -> str:
    """Icon and name for a Markdown label (the icon is checked to be an emoji)."""
    return f"{persona.icon} {escape_markdown(persona.name)}"


def invalid_message(t: Translator, refused: SettingsRejected) -> str:
    return t(f"personas.invalid.{refused.reason}", limit=t.number(refused.limit or 0))


# ---------------------------------------------------------------- new chat


def persona_picker(t: Translator, user_id: int, catalog: Catalog) -> None:
    """The personas a new chat can start from, and the button to manage one's own."""
    personas = {p.key: p for p in personas_for(user_id, t)}
    if st.session_state.get(CHOSEN) not in personas:  # deleted meanwhile
        st.session_state.pop(CHOSEN, None)
    st.pills(
        t("personas.picker"),
        list(personas),
        format_func=lambda key: label(personas[key]),
        selection_mode="single",
        key=CHOSEN,
        on_change=_apply_defaults,
        args=(t, user_id, catalog),
        help=t("personas.picker_help"),
    )
    if st.button(
        t("personas.manage"),
        icon=":material/manage_accounts:",
        key="manage-personas",
        type="tertiary",
        help=t("personas.manage_help"),
    ):
        st.session_state[MANAGE] = True
    chosen = personas.get(st.session_state.get(CHOSEN))
    if chosen is not None and chosen.system_prompt:
        settings = ChatSettings(chosen.system_prompt, chosen.temperature)
        system_prompt_panel(t, settings, key="new-chat")
    if st.session_state.get(MANAGE):
        # Titled in the reader's language, so made here: the title names the
        # dialog for screen readers (axe aria-dialog-name).
        dialog = st.dialog(t("personas.dialog_title"), width="medium", on_dismiss=close_dialog)
        dialog(_manage_dialog)(t, user_id, catalog)


def apply_pending_choice(t: Translator, user_id: int, catalog: Catalog) -> None:
    """A persona just made or saved in the dialog becomes the next chat's, with
    its defaults. Called before the model picker is drawn: a widget's value
    cannot be changed once it is on the page."""
    if PENDING in st.session_state:
        st.session_state[CHOSEN] = st.session_state.pop(PENDING)
        _apply_defaults(t, user_id, catalog)


def new_chat_settings(t: Translator, user_id: int) -> ChatSettings:
    """The system prompt and temperature the next new chat starts with."""
    key = st.session_state.get(CHOSEN)
    if not key:
        return ChatSettings()
    try:
        persona = find_persona(user_id, key, t)
    except RecordNotFound:  # deleted in another tab: start plain, say so
        st.session_state.pop(CHOSEN, None)
        st.toast(t("personas.not_found"), icon=":material/search_off:")
        return ChatSettings()
    return ChatSettings(persona.system_prompt or None, persona.temperature)


def _apply_defaults(t: Translator, user_id: int, catalog: Catalog) -> None:
    """A persona picked: its model, deep thinking and web search become the new chat's."""
    key = st.session_state.get(CHOSEN)
    if not key:
        return
    try:
        persona = find_persona(user_id, key, t)
    except RecordNotFound:
        return
    model_id = st.session_state.get("picker-new-model") or catalog.default_model
    if persona.model_id in catalog.models:
        model_id = persona.model_id
        st.session_state["new-chat-model"] = st.session_state["picker-new-model"] = model_id
    if persona.thinking is not None and catalog.models[model_id].has_thinking_switch:
        st.session_state[f"picker-new-thinking-{model_id}"] = persona.thinking
    st.session_state[NEW_CHAT] = st.session_state[switch_key(None)] = persona.web_search


# ---------------------------------------------------------------- the dialog


def close_dialog() -> None:
    st.session_state.pop(MANAGE, None)


def _manage_dialog(t: Translator, user_id: int, catalog: Catalog) -> None:
    every = {p.key: p for p in personas_for(user_id, t)}
    own = [key for key, p in every.items() if not p.builtin]
    editing = st.selectbox(
        t("personas.choose"),
        [NEW, *own],
        format_func=lambda key: t("personas.new") if key == NEW else label(every[key]),
        key="persona-editing",
    )
    if editing == NEW:
        st.caption(t("personas.builtin_note"))
        bases = [NEW, *every]
        base_key = st.selectbox(
            t("personas.start_from"),
            bases,
            format_func=lambda key: t("personas.blank") if key == NEW else label(every[key]),
            key="persona-base",
        )
        base = every.get(base_key)
        if base is not None:
            base = Persona(**{**vars(base), "name": t("personas.copy_of", name=base.name)})
        _persona_form(t, user_id, catalog, None, base, form_key=f"persona-form-new-{base_key}")
    else:
        persona = every[editing]
        _persona_form(t, user_id, catalog, persona, persona, form_key=f"persona-form-{editing}")
        _delete(t, user_id, persona)


def _persona_form(
    t: Translator,
    user_id: int,
    catalog: Catalog,
    editing: Persona | None,
    shown: Persona | None,
    *,
    form_key: str,
) -> None:
    """The persona's fields, filled from `shown`; saved as `editing` (None: a new one)."""
    shown = shown or Persona(key="", name="", icon="", system_prompt="")
    models = [None, *catalog.models]
    with st.form(form_key, border=False):
        left, right = st.columns([4, 1])
        name = left.text_input(
            t("personas.name"), value=shown.name, max_chars=MAX_NAME_CHARS, key=f"{form_key}-name"
        )
        icon = right.text_input(
            t("personas.icon"),
            value=shown.icon,
            max_chars=MAX_ICON_CHARS,
            help=t("personas.icon_help"),
            key=f"{form_key}-icon",
        )
        prompt = st.text_area(
            t("personas.system_prompt"),
            value=shown.system_prompt,
            max_chars=MAX_SYSTEM_PROMPT_CHARS,
            height=180,
            help=t("personas.system_prompt_help"),
            key=f"{form_key}-prompt",
        )
        model_id = st.selectbox(
            t("personas.model"),
            models,
            index=models.index(shown.model_id) if shown.model_id in models else 0,
            format_func=lambda m: catalog.models[m].label if m else t("personas.model_keep"),
            key=f"{form_key}-model",
        )
        thinking = st.radio(
            t("personas.thinking"),
            THINKING,
            index=THINKING.index(shown.thinking),
            format_func=lambda v: t(
                "personas.thinking_default"
                if v is None
                else ("personas.thinking_on" if v else "personas.thinking_off")
            ),
            horizontal=True,
            key=f"{form_key}-thinking",
        )
        temperature = _temperature_fields(t, shown.temperature, key=form_key)
        web_search = st.toggle(
            t("personas.web_search"), value=shown.web_search, key=f"{form_key}-web-search"
        )
        submitted = st.form_submit_button(
            t("personas.save" if editing else "personas.create"),
            type="primary",
            key=f"{form_key}-save",
        )
    if not submitted:
        return
    draft = Persona("", name, icon, prompt, model_id, thinking, temperature, web_search)
    try:
        if editing is None:
            saved = create_persona(user_id, draft)
        else:
            saved = update_persona(user_id, editing.key, draft)
    except SettingsRejected as refused:
        st.error(invalid_message(t, refused), icon=":material/error:")
        return
    except RecordNotFound:
        st.error(t("personas.not_found"), icon=":material/search_off:")
        return
    st.session_state[PENDING] = saved.key  # the next new chat starts from it
    for field in [k for k in st.session_state if str(k).startswith(form_key)]:
        del st.session_state[field]  # the next new persona starts from a clean form
    st.toast(t("personas.created" if editing is None else "personas.saved"))
    close_dialog()
    st.rerun()


def _temperature_fields(t: Translator, current: float | None, *, key: str) -> float | None:
    """A checkbox to set a temperature at all, and the value (None: the model's default)."""
    wanted = st.checkbox(
        t("personas.set_temperature"), value=current is not None, key=f"{key}-set-temperature"
    )
    value = st.slider(
        t("personas.temperature"),
        MIN_TEMPERATURE,
        MAX_TEMPERATURE,
        value=DEFAULT_TEMPERATURE if current is None else float(current),
        step=0.05,
        help=t("personas.temperature_help"),
        key=f"{key}-temperature",
    )
    return value if wanted else None


def _delete(t: Translator, user_id: int, persona: Persona) -> None:
    confirm = st.checkbox(t("personas.delete_confirm"), key=f"persona-delete-ok-{persona.key}")
    if st.button(
        t("personas.delete"),
        icon=":material/delete:",
        key=f"persona-delete-{persona.key}",
        disabled=not confirm,
    ):
        with suppress(RecordNotFound):  # already gone (another tab): what the user wanted
            delete_persona(user_id, persona.key)
        st.session_state.pop("persona-editing", None)
        st.toast(t("personas.deleted"))
        close_dialog()
        st.rerun()


# ---------------------------------------------------------------- a conversation


def system_prompt_panel(t: Translator, settings: ChatSettings, *, key: str) -> None:
    """The system prompt, collapsed: opened, it is rendered inert like any message.

    Lazy (an expander that reruns when opened), so a long prompt costs nothing
    on the many reruns of a conversation while it stays closed.
    """
    if not settings.system_prompt and settings.temperature is None:
        return
    title = t("personas.panel.title")
    if settings.temperature is not None:
        temperature = t("personas.panel.temperature", value=t.number(settings.temperature, 2))
        title = f"{title} · {temperature}"
    panel = st.expander(title, icon=":material/tune:", key=f"system-{key}", on_change="rerun")
    if not panel.open:
        return
    with panel:
        if settings.system_prompt:
            render_text(t, settings.system_prompt, key=f"system-{key}")
        else:
            st.caption(t("personas.panel.none"))


def conversation_panel(t: Translator, conversation: ConversationView) -> None:
    settings = ChatSettings(conversation.system_prompt, conversation.temperature)
    system_prompt_panel(t, settings, key=f"conversation-{conversation.id}")


def settings_section(
    t: Translator, user_id: int, conversation: ConversationView, close_menu: Callable[[], None]
) -> None:
    """In the conversation's menu: its system prompt and temperature, saved together."""
    cid = conversation.id
    st.caption(f":material/tune: {t('personas.menu.title')}")
    prompt = st.text_area(
        t("personas.system_prompt"),
        value=conversation.system_prompt or "",
        max_chars=MAX_SYSTEM_PROMPT_CHARS,
        height=140,
        key=f"system-prompt-{cid}",
        help=t("personas.menu.help"),
    )
    wanted = st.checkbox(
        t("personas.set_temperature"),
        value=conversation.temperature is not None,
        key=f"set-temperature-{cid}",
    )
    current = conversation.temperature
    value = st.slider(
        t("personas.temperature"),
        MIN_TEMPERATURE,
        MAX_TEMPERATURE,
        value=DEFAULT_TEMPERATURE if current is None else float(current),
        step=0.05,
        key=f"temperature-{cid}",
        disabled=not wanted,
        help=t("personas.temperature_help"),
    )
    if st.button(t("personas.menu.save"), key=f"save-settings-{cid}", icon=":material/save:"):
        try:
            save_settings(user_id, cid, ChatSettings(prompt, value if wanted else None))
        except SettingsRejected as refused:
            st.error(invalid_message(t, refused), icon=":material/error:")
            return
        close_menu()
        st.toast(t("personas.menu.saved"), icon=":material/check:")
        st.rerun()
