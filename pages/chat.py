"""The chat: pick a model, ask, watch it think, read the answer, come back tomorrow."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace

import streamlit as st

from core.attachments import AttachmentRefused
from core.chat import Choice
from core.errors import AppError, RecordNotFound
from core.progress import GenerationProgress
from core.store.views import ERROR, INTERRUPTED, STOPPED, ConversationView, MessageView
from ui import attachments as files_ui
from ui import feedback, state, temporary_chat
from ui import personas as personas_ui
from ui.announce import announce_on_next_run
from ui.answer_tools import copy_button, regenerate_buttons
from ui.bootstrap import ensure_run_through_app
from ui.branches import pager
from ui.conversation_menu import conversation_menu
from ui.errors import describe
from ui.focus import (
    MESSAGE_PARAM,
    clear_focus,
    focus_on,
    focused_message,
    focused_public_id,
    marker_key,
    scroll_once,
)
from ui.followed import follow_from_store
from ui.format import escape_markdown
from ui.live import LiveAnswer, follow
from ui.message import ASSISTANT_AVATAR, render_answer_body, render_kept_text, render_question
from ui.model_picker import Picked, describe_pick, pick_model
from ui.question_edit import edit_button, edit_form, is_editing
from ui.web_search import (
    render_sources,
    stored_sources,
    web_search_switch,
    web_search_wanted,
    web_status_text,
    with_linked_citations,
)

# Messages drawn when a conversation opens, and added by each "show earlier":
# ten exchanges fill more than a screen, and a conversation of any length
# then opens at the same cost (bench/long_history).
HISTORY_PAGE = 20
EXAMPLES = ("chat.example_1", "chat.example_2", "chat.example_3", "chat.example_4")

ensure_run_through_app()
t = state.t()
services = state.svc()
catalog = state.catalog()  # in the reader's language
chat = services.chat
history = services.history
user = state.current_user()


def current_conversation() -> ConversationView | None:
    """The open conversation.

    The URL wins when it names another one than the session (a reload, a link,
    a new tab, the browser's Back), and after Back or Forward even when it
    names none; otherwise it is the session's, and its id goes back into the
    URL (moving through the top navigation drops it).
    """
    linked = st.query_params.get(state.CONVERSATION_PARAM)
    conversation_id = state.current_conversation_id()
    if not linked and conversation_id is not None and state.came_back_or_forward():
        state.open_conversation(None)  # Back to a new chat
        return None
    try:
        conversation = None
        if conversation_id is not None:
            conversation = history.conversation(user.id, conversation_id)
        if linked and (conversation is None or conversation.public_id != linked):
            conversation = history.find(user.id, linked)
        if conversation is not None:
            state.open_conversation(conversation.id, conversation.public_id)
            follow_linked_message(conversation)
        return conversation
    except RecordNotFound:
        clear_focus()
        state.open_conversation(None)
        st.toast(t("chat.not_found"), icon=":material/search_off:")
    return None


def follow_linked_message(conversation: ConversationView) -> None:
    """Open at the message named in the URL (`?m=`: a search result, reloaded)."""
    linked = st.query_params.get(MESSAGE_PARAM)
    if not linked or focused_public_id(conversation.id) == linked:
        return
    try:
        message = history.find_message(user.id, conversation.id, linked)
        history.reveal(user.id, message.id)
    except RecordNotFound:  # deleted since: open the conversation as usual
        clear_focus()
        return
    focus_on(conversation.id, message.id, message.public_id)


def save_model_choice(conversation: ConversationView | None, key: str) -> None:
    """Remember a picker change on the conversation (or for the next new chat)."""
    model_id = st.session_state[f"{key}-model"]
    model = catalog.models[model_id]
    thinking = (
        st.session_state.get(f"{key}-thinking-{model_id}") if model.has_thinking_switch else None
    )
    st.session_state["new-chat-model"] = model_id
    if conversation is not None:
        history.remember_model(user.id, conversation.id, model_id, thinking)


def header(conversation: ConversationView | None) -> Picked:
    key = f"picker-{conversation.id if conversation else 'new'}"
    model_id = conversation.model_id if conversation else st.session_state.get("new-chat-model")
    if conversation is not None and conversation.model_id not in catalog.models:
        st.warning(
            t("chat.model_removed", model=escape_markdown(conversation.model_id)),
            icon=":material/help:",
        )
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
        web_search_switch(t, user.id, conversation)
    with right:
        if conversation is not None:
            conversation_menu(t, user.id, conversation)
        else:
            temporary_chat.temporary_switch(t, services, user.id)
    describe_pick(t, catalog, picked)
    if conversation is not None and conversation.archived:
        archived_notice(conversation)
    return picked


def archived_notice(conversation: ConversationView) -> None:
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption(f":material/archive: {t('history.menu.archived_banner')}")
    if right.button(t("history.menu.unarchive"), key="unarchive", type="tertiary"):
        history.set_archived(user.id, conversation.id, False)
        st.rerun()


def welcome(picked: Picked) -> None:
    """The empty state: a greeting and a few questions to start from."""
    st.markdown(f"## {t('chat.welcome_title')}")
    st.caption(t("chat.welcome_subtitle"))
    personas_ui.persona_picker(t, user.id, catalog)
    columns = st.columns(2)
    for index, key in enumerate(EXAMPLES):
        columns[index % 2].button(
            t(key),
            key=f"example-{index}",
            width="stretch",
            on_click=send,
            args=(None, t(key), picked),
        )


def choice_from(picked: Picked) -> Choice:
    return Choice(
        picked.model.id,
        picked.thinking,
        allow_fallback=state.allow_fallback(),
        web_search=web_search_wanted(user.id, conversation),
    )


def answer_actions(message: MessageView, picked: Picked) -> None:
    """Retry / Continue for answers that did not complete."""
    if message.status not in (STOPPED, INTERRUPTED, ERROR):
        return
    columns = st.columns([1, 1, 4])
    if columns[0].button(t("answer.retry"), key=f"retry-{message.id}", icon=":material/refresh:"):
        act(chat.retry, user.id, message.id, choice_from(picked))
    if (
        message.content
        and message.status != ERROR
        and columns[1].button(
            t("answer.continue"), key=f"continue-{message.id}", icon=":material/play_arrow:"
        )
    ):
        act(chat.continue_answer, user.id, message.id)


def act(action, *args) -> None:
    """Start an answer again; a limit reached is said, and nothing was changed."""
    try:
        action(*args)
    except AppError as error:
        st.error(describe(t, error.kind, error.detail), icon=":material/error:")
        return
    st.rerun()


def live_controls(message: MessageView, picked: Picked) -> None:
    columns = st.columns([1, 3])
    if columns[0].button(t("answer.stop"), key=f"stop-{message.id}", icon=":material/stop:"):
        chat.stop(user.id, message.id)
        announce_on_next_run(t("a11y.answer_stopped"))  # for screen readers
        st.rerun()
    progress = services.worker.progress_of(user.id, message.id)
    waiting = progress is not None and progress.snapshot().first_token_s is None
    if waiting and picked.model.id != message.requested_model_id:
        label = t("answer.use_instead", model=escape_markdown(picked.model.label))
        if columns[1].button(label, key=f"switch-{message.id}", icon=":material/swap_horiz:"):
            act(chat.switch_model, user.id, message.id, choice_from(picked))


def window(conversation: ConversationView) -> tuple[list[MessageView], int, int, int | None]:
    """The messages to render, how many earlier and later ones are left out,
    and the message a search result opened the conversation at (if any).

    Normally the newest messages; opened at a message, the branch from just
    before it, so it is near the top and the answer that follows is in view.
    """
    total = history.branch_length(user.id, conversation.id)
    target = focused_message(conversation.id)
    if target is not None:
        try:
            start = max(0, history.message(user.id, target).depth - 1)
        except RecordNotFound:
            start, target = 0, None
        messages = history.branch(user.id, conversation.id, last=total - start)
        if target is not None and not any(m.id == target for m in messages[:HISTORY_PAGE]):
            target = None  # no longer on the branch shown (the user paged away)
        elif target is not None and not messages[-1].unfinished:
            shown = messages[:HISTORY_PAGE]
            return shown, start, len(messages) - len(shown), target
        clear_focus()
    shown = st.session_state.get(f"shown-{conversation.id}", HISTORY_PAGE)
    messages = history.branch(user.id, conversation.id, last=shown)
    return messages, total - len(messages), 0, None


def show_earlier(conversation: ConversationView, shown: int, earlier: int, later: int) -> None:
    """A page more of the branch's earlier messages, down to the newest."""
    if earlier and st.button(
        t("chat.show_earlier", n=min(earlier, HISTORY_PAGE)),
        type="tertiary",
        icon=":material/expand_less:",
    ):
        st.session_state[f"shown-{conversation.id}"] = shown + later + HISTORY_PAGE
        clear_focus()
        st.rerun()


def show_later(later: int) -> None:
    if later and st.button(
        t("history.focus.later", n=t.number(later)), type="tertiary", icon=":material/expand_more:"
    ):
        clear_focus()
        st.rerun()


def live_progress(message: MessageView) -> GenerationProgress | None:
    """The progress of `message` if this process's worker is writing it, else None."""
    progress = services.worker.progress_of(user.id, message.id)
    live = progress is not None and (message.unfinished or not progress.done)
    return progress if live else None


def shown_branch(conversation: ConversationView, picked: Picked) -> tuple[list[LiveAnswer], bool]:
    """Render the branch shown; return the answers this process is writing, and
    whether any answer shown is still being written (here or by another process)."""
    messages, earlier, later, target = window(conversation)
    if earlier == 0:  # the system prompt sits above the first message
        personas_ui.conversation_panel(t, conversation)
    show_earlier(conversation, len(messages), earlier, later)
    versions = history.versions(user.id, conversation.id, messages)
    files = history.files_of(user.id, [m.id for m in messages if m.role == "user"])
    # One look at the worker per answer, its progress kept for drawing it: the
    # worker may finish or let go of it between two looks (a Stop lands), and
    # an answer counted as being written but drawn as finished would leave the
    # input disabled with no run left to free it.
    being_written = {
        m.id: progress
        for m in messages
        if m.role == "assistant" and (progress := live_progress(m)) is not None
    }
    busy = any(m.role == "assistant" and m.unfinished for m in messages) or bool(being_written)
    live: list[LiveAnswer] = []
    for index, message in enumerate(messages):
        last = later == 0 and index == len(messages) - 1
        marked = st.container(key=marker_key(message.id)) if message.id == target else nullcontext()
        with marked:
            if message.role == "user":
                question(
                    message,
                    versions.get(message.id),
                    picked,
                    busy=busy,
                    files=files.get(message.id),
                )
            else:
                live_answer = answer(
                    message,
                    versions.get(message.id),
                    picked,
                    last=last,
                    busy=busy,
                    progress=being_written.get(message.id),
                )
                if live_answer is not None:
                    live.append(live_answer)
    show_later(later)
    if target is not None:
        scroll_once(target)
    return live, busy


def question(
    message: MessageView,
    versions: list[int] | None,
    picked: Picked,
    *,
    busy: bool,
    files: list | None = None,
) -> None:
    if is_editing(message.id):
        edit_form(t, user.id, message, choice_from(picked))
        return

    def footer() -> None:
        if files:
            files_ui.chips(t, files, label_of=model_label_of, download=(user.id, message.id))
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            edit_button(t, message, disabled=busy)
            if versions:
                pager(t, user.id, message, versions, disabled=busy)

    render_question(message, footer)


def answer(
    message: MessageView,
    versions: list[int] | None,
    picked: Picked,
    *,
    last: bool,
    busy: bool,
    progress: GenerationProgress | None,
) -> LiveAnswer | None:
    """Draw one answer; `progress`: its progress if this process's worker is writing it."""
    with st.chat_message("assistant", avatar=ASSISTANT_AVATAR):
        if progress is not None:
            live_controls(message, picked)
            return LiveAnswer(
                t,
                catalog,
                progress,
                st.container(),
                describe_status=web_status_text,
                side_channel=True,
            )
        if message.unfinished:  # and not by this process's worker: another replica writes it.
            # Follow its saves: follow its saves, with a Stop that reaches it.
            follow_from_store(t, user.id, message, stop=lambda m: chat.stop(user.id, m))
            return None
        sources = stored_sources(user.id, message)
        render_answer_body(t, catalog, with_linked_citations(message, sources), lazy=not last)
        render_sources(t, message, sources)
        answer_actions(message, picked)
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            if message.content:
                copy_button(t, message)
            feedback.thumbs(t, user.id, message)  # a thumb, for the non-blind board
            if last and not busy:
                regenerate_buttons(t, user.id, message)
            if versions:
                pager(t, user.id, message, versions, disabled=busy)
    return None


def model_label_of(model_id: str) -> str:
    model = catalog.model(model_id)
    return model.label if model else model_id


def send(
    conversation: ConversationView | None,
    prompt: str | None,
    picked: Picked,
    attached: list | None = None,
    *,
    describing: bool = False,
) -> None:
    """Send `prompt` (the chat input's, if None) with its files. A callback: it
    runs before the script does, so the request leaves at once and this run
    already draws the question, the live answer and the new conversation in
    the sidebar. Files are read here (bounded in size and time); refused ones
    are listed and the rest go. Images a vision model must first describe are
    sent by the script instead (`describe_then_send`), under a spinner."""
    if prompt is None:
        st.session_state.pop("attachment-refusals", None)  # shown until the next send
        prompt, attached = files_ui.submitted(t, st.session_state.get("chat-input"))
    attached = attached or []
    if (not prompt and not attached) or not picked.available:
        return
    describer = files_ui.describer_needed(catalog, picked.model, attached)
    if describer is not None and not describing:
        st.session_state["describe-then-send"] = {"text": prompt, "files": attached}
        return
    # A new chat starts from the chosen persona; a conversation keeps its own settings.
    starting = personas_ui.new_chat_settings(t, user.id) if conversation is None else None
    choice = choice_from(picked)
    if starting is not None:
        choice = replace(choice, temperature=starting.temperature)
    try:
        sent = chat.send(
            user.id,
            conversation.id if conversation else None,
            prompt,
            choice,
            files=attached,
            system_prompt=starting.system_prompt if starting else None,
        )
    except AppError as error:
        # Keep what was typed (and the files read) until it is sent: nothing is lost.
        st.session_state["unsent"] = {
            "text": prompt,
            "files": attached,
            "error": (error.kind, error.detail),
            # A refused file is said in its own sentence, written when shown.
            "refused": error if isinstance(error, AttachmentRefused) else None,
        }
        return
    st.session_state.pop("unsent", None)
    clear_focus()
    if conversation is None:
        created = history.conversation(user.id, sent.conversation_id)
        state.open_conversation(created.id, created.public_id)


def describe_then_send(conversation: ConversationView | None, picked: Picked) -> None:
    """A send whose images a vision model describes first: that takes seconds,
    so it runs here, where a spinner can say what is happening."""
    pending = st.session_state.pop("describe-then-send", None)
    if not pending:
        return
    describer = files_ui.describer_needed(catalog, picked.model, pending["files"])
    model = describer.label if describer else picked.model.label
    with st.spinner(t("attachments.describing", model=model, target=picked.model.label)):
        send(conversation, pending["text"], picked, pending["files"], describing=True)
    st.rerun()


if temporary_chat.requested() and temporary_chat.show(t, services, catalog, user):
    st.stop()  # a temporary chat (ui/temporary_chat.py) is all this page shows
conversation = current_conversation()
personas_ui.apply_pending_choice(t, user.id, catalog)
picked = header(conversation)
describe_then_send(conversation, picked)
live: list[LiveAnswer] = []
answering = False  # an answer shown is being written, here or on another replica
# The welcome screen and a conversation each have their own slot, and the
# unused one is cleared explicitly: otherwise the previous view's elements
# would linger, greyed, for as long as this run follows a streaming answer.
welcome_slot, conversation_slot = st.empty(), st.empty()
if conversation is None:
    conversation_slot.empty()
    with welcome_slot.container():
        welcome(picked)
else:
    welcome_slot.empty()
    with conversation_slot.container():
        live, answering = shown_branch(conversation, picked)

unsent = st.session_state.get("unsent")
if unsent:
    kind, detail = unsent["error"]
    refused = unsent.get("refused")
    st.error(
        files_ui.refusal_text(t, refused) if refused else describe(t, kind, detail),
        icon=":material/error:",
    )
    st.caption(t("chat.unsent"))
    render_kept_text(unsent["text"])
    files_ui.chips(t, unsent.get("files") or [])
    st.button(
        t("chat.send_again"),
        icon=":material/send:",
        key="send-again",
        on_click=send,
        args=(conversation, unsent["text"], picked, unsent.get("files")),
    )
files_ui.show_refusals(t, st.session_state.get("attachment-refusals", []))

busy = bool(live) or answering
placeholder = t("chat.answering") if busy else t("chat.placeholder", model=picked.model.label)
if conversation is not None:
    files_ui.context_caption(t, history.branch_tokens(user.id, conversation.id), picked.model)
files_ui.limit_caption(t)
st.chat_input(
    placeholder,
    disabled=busy or not picked.available,
    key="chat-input",
    accept_file="multiple",
    file_type=files_ui.FILE_TYPES,
    max_upload_size=files_ui.upload_limit_mb(),
    on_submit=send,
    args=(conversation, None, picked),
)
if live:
    follow(live)
