"""Share links in the conversation menu, and what makes a shared page private.

The link's token is shown once, right after it is made (only its hash is
kept, so it cannot be shown again); the menu lists the conversation's links
with a Revoke button each. core/sharing.py holds the rules.
"""

from __future__ import annotations

from contextlib import suppress

import streamlit as st

from core import sharing
from core.errors import AppError, RecordNotFound
from core.i18n import Translator
from core.store.share_links import ShareLinkView
from core.store.views import ConversationView
from ui import state
from ui.errors import describe
from ui.format import escape_markdown

SHARE_PARAM = "share"  # the URL's query parameter holding a link's token
NEW_LINK = "share-new-link"  # (conversation id, token) of the link just made in this session

# A constant (tests/test_no_raw_html.py). Streamlit serves one index.html for
# every URL and has no API for <head>, so the tags are added by a script once
# the page loads: crawlers that run scripts (Google's, Bing's) honour a robots
# tag added this way. No referrer: a link clicked in a shared answer must not
# carry the share URL (and its token) to another site.
_PRIVATE_PAGE = """
<style>
.st-key-shared-page-head, :has(> .st-key-shared-page-head) { display: none; }
</style>
<script>
(() => {
  for (const [name, content] of [['robots', 'noindex, nofollow, noarchive'],
                                 ['referrer', 'no-referrer']]) {
    if (document.head.querySelector(`meta[name="${name}"]`)) continue;
    const meta = document.createElement('meta');
    meta.name = name;
    meta.content = content;
    document.head.appendChild(meta);
  }
})();
</script>
"""


def keep_out_of_search_engines() -> None:
    """Add noindex (and no-referrer) to the shared page's head; the element is hidden."""
    with st.container(key="shared-page-head"):
        st.html(_PRIVATE_PAGE, unsafe_allow_javascript=True, width="content")


def share_url(base: str | None, token: str) -> str:
    """The link for `token`: the app's address (the chat page is its root) with ?share=."""
    root = (base or "").split("?", 1)[0].rstrip("/")
    return f"{root}/?{SHARE_PARAM}={token}"


def forget_new_link() -> None:
    st.session_state.pop(NEW_LINK, None)


def share_section(t: Translator, user_id: int, conversation: ConversationView) -> None:
    """Make a link (files only if ticked), show it once, list and revoke this chat's links."""
    st.markdown(f"**{t('share.title')}**")
    st.caption(t("share.explain"))
    with_files = st.checkbox(
        t("share.with_files"), key=f"share-files-{conversation.id}", help=t("share.with_files_help")
    )
    if st.button(t("share.create"), icon=":material/share:", key=f"share-{conversation.id}"):
        try:
            made = sharing.share(user_id, conversation.id, with_attachments=with_files)
        except AppError as error:
            st.error(describe(t, error.kind, error.detail), icon=":material/error:")
        else:
            st.session_state[NEW_LINK] = (conversation.id, made.token)
    new = st.session_state.get(NEW_LINK)
    if new is not None and new[0] == conversation.id:
        st.caption(f":material/link: {t('share.copy_now')}")
        st.code(share_url(st.context.url, new[1]), language=None, wrap_lines=True)
    for link in sharing.links_of(user_id, conversation.id):
        _link_row(t, user_id, link)


def all_links_section(t: Translator, user_id: int) -> None:
    """The account page: every link the user has, by conversation, each to revoke."""
    links = sharing.links_of(user_id)
    if not links:
        return
    st.markdown(f"#### {t('share.your_links')}")
    for link in links:
        _link_row(t, user_id, link, title=True)


def _link_row(t: Translator, user_id: int, link: ShareLinkView, *, title: bool = False) -> None:
    made = escape_markdown(t.datetime(link.created_at, state.timezone()))
    details = t("share.link_made", when=made, n=t.number(link.messages))
    if title:  # the title as it was shared: the owner's own text, escaped
        details = f"{escape_markdown(link.title or t('sidebar.untitled'))} · {details}"
    if link.with_attachments:
        details = f"{details} · {t('share.link_with_files')}"
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f":material/link: {details}")
        if st.button(
            t("share.revoke"),
            key=f"revoke-{link.public_id}",
            icon=":material/link_off:",
            type="tertiary",
        ):
            with suppress(RecordNotFound):  # revoked meanwhile (another tab): gone either way
                sharing.revoke(user_id, link.public_id)
            forget_new_link()
            st.rerun()
