"""The prompt input under a comparison or an arena battle (files included).

One for both pages: a prompt the service refuses (a limit, a blank prompt)
stays on screen with the reason and a "send again" button, and the files
read from the input are kept with it, so nothing typed or attached is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from core.attachments import Attachment
from core.errors import AppError
from core.i18n import Translator
from ui import attachments as files_ui
from ui.errors import describe

REFUSALS = "attachment-refusals"  # files the input could not read, listed above it

Send = Callable[[str, Sequence[Attachment]], None]


def prompt_input(
    t: Translator,
    prefix: str,
    *,
    placeholder: str,
    enabled: bool,
    send: Send,
    above: Callable[[], None] | None = None,
) -> None:
    """The chat input keyed `<prefix>-input`; `send(text, files)` asks the
    service and raises `AppError` when it refuses. `above` draws widgets
    between the notices and the input (the arena's web-search switch)."""
    unsent, unsent_files = f"{prefix}-unsent", f"{prefix}-unsent-files"
    resend = unsent_notice(t, unsent)
    files_ui.show_refusals(t, st.session_state.get(REFUSALS, []))
    if above is not None:
        above()
    files_ui.limit_caption(t)
    submitted = st.chat_input(
        placeholder,
        disabled=not enabled,
        key=f"{prefix}-input",
        accept_file="multiple",
        file_type=files_ui.FILE_TYPES,
        max_upload_size=files_ui.upload_limit_mb(),
    )
    if submitted is not None:
        st.session_state.pop(REFUSALS, None)
        prompt, attached = files_ui.submitted(t, submitted)
        if (prompt or attached) and enabled:
            _send(send, prompt, attached, unsent, unsent_files)
    elif resend and enabled:
        _send(send, resend, st.session_state.get(unsent_files, []), unsent, unsent_files)


def _send(send: Send, text: str, files: list, unsent: str, unsent_files: str) -> None:
    try:
        send(text, files)
    except AppError as error:
        remember_unsent(unsent, text, error)  # nothing typed is lost, nor the files read
        st.session_state[unsent_files] = files
        st.rerun()
    st.session_state.pop(unsent, None)
    st.session_state.pop(unsent_files, None)
    st.rerun()


def remember_unsent(key: str, text: str, error: AppError) -> None:
    """Keep a prompt that could not be sent on screen, with the reason."""
    st.session_state[key] = {"text": text, "error": (error.kind, error.detail)}


def unsent_notice(t: Translator, key: str) -> str | None:
    """Show a kept prompt and its reason; the text to send again if asked."""
    unsent = st.session_state.get(key)
    if not unsent:
        return None
    kind, detail = unsent["error"]
    st.error(describe(t, kind, detail), icon=":material/error:")
    st.caption(t("chat.unsent"))
    st.code(unsent["text"], language=None, wrap_lines=True)
    if st.button(t("chat.send_again"), icon=":material/send:", key=f"{key}-again"):
        return unsent["text"]
    return None
