"""A shared conversation: read-only, for anyone holding the link, signed in or not.

app.py runs this page instead of everything else when the URL carries
`?share=`: no sidebar, no history, no input box, nothing of the owner's but
the snapshot the link opens (core/sharing.py). Text goes through the same
inert rendering as the chat.
"""

from __future__ import annotations

import streamlit as st

from core import sharing
from core.attachments.model import Attachment
from core.store.views import MessageView
from ui import attachments as files_ui
from ui import state
from ui.bootstrap import ensure_run_through_app
from ui.format import escape_markdown
from ui.message import ASSISTANT_AVATAR, render_answer_body, render_question
from ui.share import SHARE_PARAM, keep_out_of_search_engines

ensure_run_through_app()
t = state.t()
catalog = state.catalog()
keep_out_of_search_engines()


def files_of(files: list[Attachment], position: int) -> None:
    """The files the owner chose to share: names, then their text or image when opened."""
    files_ui.chips(t, files)
    panel = st.expander(
        t("share.files", n=t.number(len(files))), icon=":material/attach_file:", key=f"f-{position}"
    )
    with panel:
        for file in files:
            st.caption(escape_markdown(file.name))
            if file.image is not None:
                st.image(file.image)
            else:
                st.text(file.text)  # plain text: nothing in a file is rendered


def show(message: MessageView, files: list[Attachment] | None, *, last: bool) -> None:
    if message.role == "user":
        render_question(message, (lambda: files_of(files, message.id)) if files else None)
        return
    with st.chat_message("assistant", avatar=ASSISTANT_AVATAR):
        # As in the chat: earlier answers' reasoning is sent only when opened.
        render_answer_body(t, catalog, message, lazy=not last)


shared = sharing.open_link(st.query_params.get(SHARE_PARAM))
if shared is None:
    st.warning(t("share.gone"), icon=":material/link_off:")
    st.stop()
st.markdown(f"## {escape_markdown(shared.title or t('share.page_title'))}")
when = escape_markdown(t.datetime(shared.created_at, state.timezone()))
st.caption(t("share.banner", when=when))
for message in shared.messages:
    show(message, shared.files.get(message.id), last=message is shared.messages[-1])
