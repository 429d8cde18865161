"""The sidebar's "Your data": export everything, import an export, delete everything.

The panel is built only while it is open (it is a lazy expander), and the
export files only when their button is clicked.
"""

from __future__ import annotations

import streamlit as st

from core.errors import AppError, ImportRejected
from core.export import parse_json
from core.i18n import Translator
from core.personas import delete_all_personas
from core.store import erase, transfer
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
            lambda: transfer.export_conversations(user_id),
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
    policy = state.svc().chat.catalog.policy
    try:
        document = parse_json(upload.getvalue(), max_bytes=_megabytes(policy.max_import_mb))
        summary = transfer.import_conversations(
            user_id,
            document,
            max_stored_bytes=_megabytes(policy.max_stored_mb),
            max_stored_file_bytes=_megabytes(policy.max_stored_files_mb),
        )
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


def _megabytes(cap: float) -> int | None:
    return int(cap * 1_000_000) if cap else None  # 0: no cap


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
        state.svc().batches.stop_all(user_id)  # before its answers, so none starts anew
        state.svc().chat.stop_all(user_id)
        erase.delete_all_conversations(user_id)
        delete_all_personas(user_id)  # the prompts they wrote are their data too
    except AppError as error:
        st.session_state[_NOTICE] = (False, describe(t, error.kind, error.detail))
        return
    forget_results()
    clear_focus()
    state.open_conversation(None)
    st.session_state["confirm-delete-all"] = False
    st.session_state[_NOTICE] = (True, t("history.data.deleted"))
