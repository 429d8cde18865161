"""A conversation's menu: rename, pin, archive, settings, download, share, delete."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.export import file_name, to_json, to_markdown
from core.i18n import Translator
from core.store.views import ConversationView
from ui import state
from ui.format import escape_markdown, model_label
from ui.personas import settings_section
from ui.search import forget_results
from ui.share import forget_new_link, share_section

MENU = "conversation-menu"  # the id of the conversation whose menu is open


def conversation_menu(t: Translator, user_id: int, conversation: ConversationView) -> None:
    """The title as a button; clicking it opens the menu."""
    title = conversation.title or t("sidebar.untitled")
    if st.button(
        escape_markdown(title),
        icon=":material/keep:" if conversation.pinned else ":material/more_horiz:",
        key=f"menu-{conversation.id}",
        type="tertiary",
        help=t("history.menu.help"),
    ):
        st.session_state[MENU] = conversation.id
    if st.session_state.get(MENU) == conversation.id:
        # Titled in the reader's language, so made here: an untitled dialog has
        # no name for a screen reader to say (axe aria-dialog-name, serious).
        menu = st.dialog(t("history.menu.title"), width="small", on_dismiss=close_menu)
        menu(_menu_dialog)(t, user_id, conversation)


def close_menu() -> None:
    st.session_state.pop(MENU, None)
    forget_new_link()  # a share link's token is shown once, while the menu is open


# A dialog rather than a popover: it costs nothing until opened, on every rerun.
# It stays open across reruns through MENU, until an action closes it or the
# user dismisses it.
def _menu_dialog(t: Translator, user_id: int, conversation: ConversationView) -> None:
    title = conversation.title or t("sidebar.untitled")
    _rename(t, user_id, conversation, title)
    _pin_and_archive(t, user_id, conversation)
    st.divider()
    settings_section(t, user_id, conversation, close_menu)
    st.divider()
    download_buttons(
        t,
        lambda: state.svc().history.export(user_id, [conversation.id]),
        title,
        key=f"export-{conversation.id}",
    )
    st.divider()
    share_section(t, user_id, conversation)
    st.divider()
    _delete(t, user_id, conversation)


def download_buttons(t: Translator, document: Callable[[], dict], title: str, *, key: str) -> None:
    """Markdown and JSON downloads; each file is made only when its button is clicked."""
    catalog, zone = state.catalog(), state.timezone()
    st.download_button(
        t("history.menu.export_markdown"),
        data=lambda: to_markdown(t, document(), lambda m: model_label(catalog, m), zone),
        file_name=file_name(title, "md"),
        mime="text/markdown",
        icon=":material/description:",
        key=f"{key}-md",
        on_click="ignore",
    )
    st.download_button(
        t("history.menu.export_json"),
        data=lambda: to_json(document()),
        file_name=file_name(title, "json"),
        mime="application/json",
        icon=":material/data_object:",
        key=f"{key}-json",
        on_click="ignore",
    )


def _rename(t: Translator, user_id: int, conversation: ConversationView, title: str) -> None:
    new_title = st.text_input(
        t("chat.rename"), value=title, max_chars=200, key=f"rename-{conversation.id}"
    )
    if st.button(t("chat.save"), key=f"save-title-{conversation.id}", type="primary"):
        state.svc().history.rename(user_id, conversation.id, new_title)
        forget_results()
        close_menu()
        st.rerun()


def _pin_and_archive(t: Translator, user_id: int, conversation: ConversationView) -> None:
    history = state.svc().history
    with st.container(horizontal=True):
        pinned, archived = conversation.pinned, conversation.archived
        if _switch(t, conversation, pinned, ("pin", "unpin"), ":material/keep:"):
            history.set_pinned(user_id, conversation.id, not pinned)
        elif _switch(t, conversation, archived, ("archive", "unarchive"), ":material/archive:"):
            history.set_archived(user_id, conversation.id, not archived)
        else:
            return
    close_menu()
    st.rerun()


def _switch(
    t: Translator, conversation: ConversationView, on: bool, labels: tuple[str, str], icon: str
) -> bool:
    """A button that turns one of the conversation's flags on or off: whether it was clicked."""
    label = t(f"history.menu.{labels[on]}")
    return st.button(label, icon=icon, key=f"{labels[0]}-{conversation.id}")


def _delete(t: Translator, user_id: int, conversation: ConversationView) -> None:
    confirm = st.checkbox(t("chat.delete_confirm"), key=f"confirm-delete-{conversation.id}")
    if st.button(
        t("chat.delete"),
        key=f"delete-{conversation.id}",
        icon=":material/delete:",
        disabled=not confirm,
    ):
        state.svc().history.delete(user_id, conversation.id)  # stops its answers first
        forget_results()
        close_menu()
        state.open_conversation(None)
        st.rerun()
