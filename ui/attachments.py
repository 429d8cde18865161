"""Files on the chat page: the limit beside the input, reading what was
attached, the refusals, and the chips on a question.

File names are untrusted text (a name can hold Markdown, a link, bidi
controls): they are cleaned when read (core/attachments/read.py) and shown
through `escape_markdown`, every punctuation mark escaped, so no name can
become a link, an image or formatting.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import streamlit as st

from core.attachments import Attachment, AttachmentRefused, limits, read_attachment
from core.attachments.for_model import DESCRIBED_BY, describer_for
from core.attachments.read import NO_TEXT_LAYER, safe_name
from core.attachments.sniff import original_mime
from core.catalog import Catalog, Model
from core.errors import AppError
from core.i18n import Translator
from core.tokens import input_budget
from ui import state
from ui.format import escape_markdown

# What the clip button offers. The type is still decided from the bytes:
# this list only spares people picking a file the app cannot read.
FILE_TYPES = [
    *("txt", "md", "markdown", "csv", "tsv", "json", "pdf", "docx", "xlsx", "pptx"),
    *("png", "jpg", "jpeg", "gif", "webp"),
    *("py", "js", "ts", "tsx", "jsx", "java", "kt", "c", "h", "cpp", "hpp", "cs", "go"),
    *("rs", "rb", "php", "swift", "m", "scala", "sql", "sh", "ps1", "r", "lua", "pl"),
    *("html", "htm", "css", "xml", "yaml", "yml", "toml", "ini", "cfg", "log", "tex", "rst"),
]
MAX_FILES = limits.MAX_FILES


def max_upload_mb() -> int | float:
    """The largest file a person may attach: `[policy] max_file_mb` (0: the
    readers' ceiling), passed to `st.chat_input(max_upload_size=…)` and shown."""
    return megabytes(max_file_bytes())


def upload_limit_mb() -> int:
    """For `st.chat_input(max_upload_size=…)`, whole MB: the browser's limit,
    at or above the app's own so the app's refusal (with a sentence) is met."""
    return math.ceil(max_file_bytes() / (1024 * 1024))


def max_file_bytes() -> int:
    policy_mb = state.catalog().policy.max_file_mb
    ceiling = limits.MAX_FILE_BYTES
    return min(ceiling, int(policy_mb * 1024 * 1024)) if policy_mb else ceiling


def megabytes(size: int) -> int | float:
    mb = size / (1024 * 1024)
    return int(mb) if mb == int(mb) else round(mb, 1)


def limit_caption(t: Translator) -> None:
    mb = max_upload_mb()
    shown = t.number(mb, 0 if isinstance(mb, int) else 1)
    st.caption(f":material/attach_file: {t('attachments.limit', files=MAX_FILES, mb=shown)}")


def context_caption(t: Translator, tokens: int, model: Model) -> None:
    """How much of the model's context the conversation fills, before sending:
    nothing is left out without the person having been told."""
    budget = input_budget(model.context_window, model.max_output_tokens)
    used = t.number(tokens)
    room = t.number(budget)
    name = escape_markdown(model.label)
    if tokens > budget:
        st.warning(
            t("attachments.context_over", tokens=used, budget=room, model=name),
            icon=":material/data_usage:",
        )
    elif tokens:
        st.caption(
            ":material/data_usage: "
            + t("attachments.context_use", tokens=used, budget=room, model=name)
        )


def refusal_text(t: Translator, refused: AttachmentRefused) -> str:
    """The sentence for a refused file, for Markdown: its name and the model
    names in it escaped, numbers as they are."""
    params = {
        key: value if isinstance(value, int | float) else escape_markdown(str(value))
        for key, value in refused.reason_params.items()
    }
    name = escape_markdown(refused.name)
    return t(f"attachments.refused.{refused.reason}", name=name, **params)


def read_uploads(t: Translator, uploads: Sequence) -> tuple[list[Attachment], list[str]]:
    """The files read, and a sentence for each one refused (the rest still go)."""
    read, refusals = [], []
    if len(uploads) > limits.MAX_FILES:
        refusals.append(t("attachments.refused.too_many", name="", limit=limits.MAX_FILES))
        uploads = uploads[: limits.MAX_FILES]
    for upload in uploads:
        try:
            read.append(read_attachment(upload.name, upload.getvalue(), max_bytes=max_file_bytes()))
        except AttachmentRefused as refused:
            refusals.append(refusal_text(t, refused))
    return read, refusals


def submitted(t: Translator, value: object) -> tuple[str, list[Attachment]]:
    """The chat input's text and its files read; refusals are kept in the
    session for this run to list (a callback cannot draw where they belong)."""
    if value is None or isinstance(value, str):
        return value or "", []
    read, refusals = read_uploads(t, list(getattr(value, "files", None) or []))
    if refusals:
        st.session_state["attachment-refusals"] = refusals
    return getattr(value, "text", "") or "", read


def describer_needed(catalog: Catalog, model: Model, files: Sequence[Attachment]) -> Model | None:
    """The vision model that will describe these images for text-only `model`, if any."""
    if model.vision or not any(f.kind == "image" for f in files):
        return None
    return describer_for(catalog, model)


def show_refusals(t: Translator, refusals: Sequence[str]) -> None:
    if refusals:
        body = "\n".join(f"- {line}" for line in refusals)
        st.warning(f"**{t('attachments.refused_title')}**\n\n{body}", icon=":material/block:")


def download_button(t: Translator, user_id: int, message_id: int, position: int, file) -> None:
    """The original file, read from the database only when the button is
    pressed (deferred data): a page rerun never loads file bytes."""

    def original() -> bytes:
        try:
            return state.svc().history.original_file(user_id, message_id, position)
        except AppError:  # deleted meanwhile (another tab), or the database is away
            return b""

    st.download_button(
        t("attachments.download"),
        data=original,
        file_name=safe_name(file.name),
        mime=original_mime(file.format, file.mime),
        icon=":material/download:",
        type="tertiary",
        on_click="ignore",
        key=f"download-{message_id}-{position}",
        help=t("attachments.download_help"),
    )


def human_size(t: Translator, size: int) -> str:
    if size >= 1024 * 1024:
        return f"{t.number(size / (1024 * 1024), 1)} MB"
    if size >= 1024:
        return f"{t.number(size / 1024, 0)} kB"
    return f"{t.number(size)} B"


def chips(
    t: Translator,
    files: Sequence[Attachment],
    label_of: Callable[[str], str] = str,
    *,
    download: tuple[int, int] | None = None,
) -> None:
    """One line per file: name, size, and the tokens it takes (or "image").

    `download`: (user id, message id) of a stored question; each file whose
    original is kept gets a "Download" button."""
    for position, file in enumerate(files):
        name = escape_markdown(file.name)
        size = human_size(t, file.size)
        if file.kind == "image" or file.format in ("png", "jpeg", "gif", "webp"):
            # A described image's tokens are its description's; otherwise the
            # estimate of what its pixels cost a vision model (image_tokens.py).
            tokens = t.number(file.tokens)
            line = (
                t("attachments.chip_image", name=name, size=size, tokens=tokens)
                if file.tokens
                else t("attachments.chip_image_unknown", name=name, size=size)
            )
        else:
            line = t("attachments.chip", name=name, size=size, tokens=t.number(file.tokens))
        st.caption(f":material/attach_file: {line}")
        if file.note == NO_TEXT_LAYER:
            st.caption(f":material/warning: {t('attachments.no_text_layer', name=name)}")
        elif file.note.startswith(DESCRIBED_BY):
            model = escape_markdown(label_of(file.note.removeprefix(DESCRIBED_BY)))
            st.caption(f":material/visibility: {t('attachments.described', model=model)}")
        if download and file.file_id is not None:
            download_button(t, *download, position, file)
