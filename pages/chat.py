"""The chat: pick a model, ask, watch it think, read the answer, come back tomorrow."""

from __future__ import annotations

import streamlit as st

from core.chat import Choice
from core.errors import AppError, RecordNotFound
from core.store import conversations as conversation_store
from core.store import messages as message_store
from core.store.views import ERROR, INTERRUPTED, STOPPED, ConversationView, MessageView
from ui import state
from ui.bootstrap import ensure_run_through_app
from ui.errors import describe
from ui.live import LiveAnswer, follow
from ui.message import ASSISTANT_AVATAR, render_answer_body, render_kept_text, render_question
from ui.model_picker import Picked, describe_pick, pick_model

HISTORY_PAGE = 40
EXAMPLES = ("chat.example_1", "chat.example_2", "chat.example_3", "chat.example_4")

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = services.catalog
chat = services.chat
user = state.current_user()


def current_conversation() -> ConversationView | None:
    """The open conversation: from this session, or from the URL after a reload."""
    conversation_id = state.current_conversation_id()
    public_id = st.query_params.get("c")
    try:
        if conversation_id is not None:
            return conversation_store.get_conversation(user.id, conversation_id)
        if public_id:
            conversation = conversation_store.find_conversation(user.id, public_id)
            state.open_conversation(conversation.id, conversation.public_id)
            return conversation
    except RecordNotFound:
        state.open_conversation(None)
        st.toast(t("chat.not_found"), icon=":material/search_off:")
    return None


def save_model_choice(conversation: ConversationView | None, key: str) -> None:
    """Remember a picker change on the conversation (or for the next new chat)."""
    model_id = st.session_state[f"{key}-model"]
    model = catalog.models[model_id]
    thinking = (
        st.session_state.get(f"{key}-thinking-{model_id}") if model.has_thinking_switch else None
    )
    st.session_state["new-chat-model"] = model_id
    if conversation is not None:
        conversation_store.update_conversation(
            user.id, conversation.id, model_id=model_id, thinking=thinking
        )


def header(conversation: ConversationView | None) -> Picked:
    key = f"picker-{conversation.id if conversation else 'new'}"
    model_id = conversation.model_id if conversation else st.session_state.get("new-chat-model")
    if conversation is not None and conversation.model_id not in catalog.models:
        st.warning(t("chat.model_removed", model=conversation.model_id), icon=":material/help:")
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        picked = pick_model(
            t,
            catalog,
            key=key,
            model_id=model_id,
            thinking=conversation.thinking if conversation else None,
            on_change=lambda: save_model_choice(conversation, key),
        )
    with right:
        if conversation is not None:
            conversation_menu(conversation)
    describe_pick(t, catalog, picked)
    return picked


def conversation_menu(conversation: ConversationView) -> None:
    """The title, with rename and delete behind a menu."""
    title = conversation.title or t("sidebar.untitled")
    with st.popover(title, icon=":material/more_horiz:", width="stretch"):
        new_title = st.text_input(
            t("chat.rename"), value=title, max_chars=200, key=f"rename-{conversation.id}"
        )
        if st.button(t("chat.save"), key=f"save-title-{conversation.id}"):
            conversation_store.rename_conversation(user.id, conversation.id, new_title)
            st.rerun()
        st.divider()
        confirm = st.checkbox(t("chat.delete_confirm"), key=f"confirm-delete-{conversation.id}")
        if st.button(
            t("chat.delete"),
            key=f"delete-{conversation.id}",
            icon=":material/delete:",
            disabled=not confirm,
            type="primary",
        ):
            for message in message_store.branch(user.id, conversation.id, last=2):
                chat.stop(user.id, message.id)
            conversation_store.delete_conversation(user.id, conversation.id)
            state.open_conversation(None)
            st.rerun()


def welcome() -> str | None:
    """The empty state: a greeting and a few questions to start from."""
    st.markdown(f"## {t('chat.welcome_title')}")
    st.caption(t("chat.welcome_subtitle"))
    columns = st.columns(2)
    for index, key in enumerate(EXAMPLES):
        if columns[index % 2].button(t(key), key=f"example-{index}", width="stretch"):
            return t(key)
    return None


def choice_from(picked: Picked) -> Choice:
    return Choice(picked.model.id, picked.thinking, allow_fallback=state.allow_fallback())


def answer_actions(message: MessageView, picked: Picked) -> None:
    """Retry / Continue for answers that did not complete."""
    if message.status not in (STOPPED, INTERRUPTED, ERROR):
        return
    columns = st.columns([1, 1, 4])
    if columns[0].button(t("answer.retry"), key=f"retry-{message.id}", icon=":material/refresh:"):
        chat.retry(user.id, message.id, choice_from(picked))
        st.rerun()
    if (
        message.content
        and message.status != ERROR
        and columns[1].button(
            t("answer.continue"), key=f"continue-{message.id}", icon=":material/play_arrow:"
        )
    ):
        chat.continue_answer(user.id, message.id)
        st.rerun()


def live_controls(message: MessageView, picked: Picked) -> None:
    columns = st.columns([1, 3])
    if columns[0].button(t("answer.stop"), key=f"stop-{message.id}", icon=":material/stop:"):
        chat.stop(user.id, message.id)
        st.rerun()
    progress = services.worker.progress(message.id)
    waiting = progress is not None and progress.snapshot().first_token_s is None
    if waiting and picked.model.id != message.requested_model_id:
        label = t("answer.use_instead", model=picked.model.label)
        if columns[1].button(label, key=f"switch-{message.id}", icon=":material/swap_horiz:"):
            chat.switch_model(user.id, message.id, choice_from(picked))
            st.rerun()


def history(conversation: ConversationView, picked: Picked) -> list[LiveAnswer]:
    """Render the newest messages of the branch; return the answers still being written."""
    shown = st.session_state.get(f"shown-{conversation.id}", HISTORY_PAGE)
    total = message_store.count_branch(user.id, conversation.id)
    if total > shown and st.button(
        t("chat.show_earlier", n=total - shown), type="tertiary", icon=":material/expand_less:"
    ):
        st.session_state[f"shown-{conversation.id}"] = shown + HISTORY_PAGE
        st.rerun()
    messages = message_store.branch(user.id, conversation.id, last=shown)
    live: list[LiveAnswer] = []
    for index, message in enumerate(messages):
        if message.role == "user":
            render_question(message)
            continue
        newest = index >= len(messages) - 2
        progress = services.worker.progress(message.id)
        with st.chat_message("assistant", avatar=ASSISTANT_AVATAR):
            if progress is not None and (message.unfinished or not progress.done):
                live_controls(message, picked)
                live.append(LiveAnswer(t, catalog, progress, st.container()))
            else:
                render_answer_body(t, catalog, message, lazy=not newest)
                answer_actions(message, picked)
    return live


def send(conversation: ConversationView | None, prompt: str, picked: Picked) -> None:
    try:
        sent = chat.send(
            user.id, conversation.id if conversation else None, prompt, choice_from(picked)
        )
    except AppError as error:
        # Keep what was typed on screen until it is sent: nothing is lost.
        st.session_state["unsent"] = {"text": prompt, "error": (error.kind, error.detail)}
        st.rerun()
    st.session_state.pop("unsent", None)
    if conversation is None:
        created = conversation_store.get_conversation(user.id, sent.conversation_id)
        state.open_conversation(created.id, created.public_id)
    st.rerun()


conversation = current_conversation()
picked = header(conversation)
live: list[LiveAnswer] = []
example = None
# The welcome screen and a conversation each have their own slot, and the
# unused one is cleared explicitly: otherwise the previous view's elements
# would linger, greyed, for as long as this run follows a streaming answer.
welcome_slot, conversation_slot = st.empty(), st.empty()
if conversation is None:
    conversation_slot.empty()
    with welcome_slot.container():
        example = welcome()
else:
    welcome_slot.empty()
    with conversation_slot.container():
        live = history(conversation, picked)

unsent = st.session_state.get("unsent")
if unsent:
    kind, detail = unsent["error"]
    st.error(describe(t, kind, detail), icon=":material/error:")
    st.caption(t("chat.unsent"))
    render_kept_text(unsent["text"])
    if st.button(t("chat.send_again"), icon=":material/send:", key="send-again"):
        send(conversation, unsent["text"], picked)

busy = bool(live)
placeholder = t("chat.answering") if busy else t("chat.placeholder", model=picked.model.label)
prompt = st.chat_input(placeholder, disabled=busy or not picked.available, key="chat-input")
if (prompt or example) and picked.available:
    send(conversation, prompt or example, picked)
if live:
    follow(live)
