"""The sidebar's "Your data": export everything, import an export, delete everything.

The panel is built only while it is open (it is a lazy expander), and the
export files only when their button is clicked.
"""

from __future__ import annotations

import streamlit as st

from core.errors import AppError, ImportRejected
from core.i18n import Translator
from ui import state
from ui.conversation_menu import download_buttons
from ui.errors import describe
from ui.focus import clear_focus
from ui.format import escape_markdown
from ui.search import forget_results

_NOTICE = "your_data_notice"  # (succeeded, what the last import or deletion did), shown once


def your_data(t: Translator, user_id: int) -> None:
    panel = st.expander(
        t("history.data.title"), icon=":material/database:", key="your-data", on_change="rerun"
    )
    if not panel.open:
        return
    with panel:
        notice = st.session_state.pop(_NOTICE, None)
        if notice and notice[0]:
            # kept across a rerun in session state: escaped again, as it is shown
            st.success(escape_markdown(notice[1]), icon=":material/check_circle:")
        elif notice:
            st.error(escape_markdown(notice[1]), icon=":material/error:")
        download_buttons(
            t,
            lambda: state.svc().your_data.export_all(user_id),
            "duet-conversations",
            key="export-all",
        )
        st.divider()
        _import(t, user_id)
        st.divider()
        _delete_everything(t, user_id)


def _import(t: Translator, user_id: int) -> None:
    upload = st.file_uploader(t("history.data.import_label"), type=["json"], key="import-file")
    if not st.button(
        t("history.data.import"), icon=":material/upload:", key="import", disabled=upload is None
    ):
        return
    try:
        summary = state.svc().your_data.import_file(user_id, upload.getvalue())
    except ImportRejected as rejected:
        st.error(import_message(t, rejected), icon=":material/error:")
        return
    except AppError as error:
        st.error(describe(t, error.kind, error.detail), icon=":material/error:")
        return
    forget_results()
    imported = t(
        "history.data.imported",
        added=summary.conversations_added,
        messages=summary.messages_added,
        present=summary.messages_present,
    )
    st.session_state[_NOTICE] = (True, imported)
    st.rerun()


def import_message(t: Translator, rejected: ImportRejected) -> str:
    """One sentence, in the reader's language, saying why a file was refused and
    where; nothing from the file itself is quoted."""
    reason = t(f"import.{rejected.reason}", field=rejected.field, limit=rejected.limit or "")
    if rejected.message is not None:
        reason = t(
            "import.where_message",
            reason=reason,
            conversation=rejected.conversation,
            message=rejected.message,
        )
    elif rejected.conversation is not None:
        reason = t("import.where_conversation", reason=reason, conversation=rejected.conversation)
    elif not reason.endswith((".", "。")):
        reason += t("import.full_stop")
    return t("import.rejected", reason=reason)


def _delete_everything(t: Translator, user_id: int) -> None:
    confirm = st.checkbox(t("history.data.delete_confirm"), key="confirm-delete-all")
    st.button(
        t("history.data.delete_all"),
        icon=":material/delete_forever:",
        key="delete-all",
        type="primary",
        disabled=not confirm,
        on_click=_erase_everything,
        args=(t, user_id),
    )


def _erase_everything(t: Translator, user_id: int) -> None:
    """Runs before the next script run, so the confirmation can be unticked."""
    try:
        state.svc().your_data.erase_all(user_id)  # stops what runs first
    except AppError as error:
        st.session_state[_NOTICE] = (False, describe(t, error.kind, error.detail))
        return
    forget_results()
    clear_focus()
    state.open_conversation(None)
    st.session_state["confirm-delete-all"] = False
    st.session_state[_NOTICE] = (True, t("history.data.deleted"))
