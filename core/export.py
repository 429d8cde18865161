"""Conversations as files: JSON to move them (every branch), Markdown to read them.

Both are made from the same document (core/store/transfer.py). The Markdown
transcript follows each conversation's current branch, the one its owner
was reading; the JSON keeps the whole tree and every piece of metadata.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from core.errors import ImportRejected
from core.i18n import Translator


def to_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)


def parse_json(data: bytes | str, *, max_bytes: int | None = None) -> object:
    """The document in an uploaded file; `ImportRejected` if it is not JSON
    (`NaN` and `Infinity` are not JSON either), nests deeper than Python can
    follow, or is larger than `max_bytes` (checked before it is read)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ImportRejected(
            f"{len(data)} bytes; the limit is {max_bytes}",
            reason="too_large",
            limit=round(max_bytes / 1_000_000, 1),
        )
    try:
        return json.loads(data, parse_constant=_no_constant)
    except RecursionError as deep:
        raise ImportRejected("not JSON: nested too deeply", reason="too_deep") from deep
    except (UnicodeDecodeError, ValueError) as bad:  # JSONDecodeError; a 5,000-digit number
        raise ImportRejected(f"not JSON: {bad}"[:200], reason="not_json") from bad


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def file_name(title: str, extension: str) -> str:
    """A safe file name from a title: letters (any script), digits, dashes."""
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in title).strip("-")
    stem = "-".join(part for part in cleaned.split("-") if part)[:60] or "conversations"
    return f"{stem}.{extension}"


def to_markdown(
    t: Translator,
    document: dict,
    model_label: Callable[[str | None], str],
    timezone: str | None = None,
) -> str:
    """A transcript of every conversation in `document`, one after another."""
    return "\n\n---\n\n".join(
        _conversation_markdown(t, conversation, model_label, timezone)
        for conversation in document["conversations"]
    )


def current_branch(conversation: dict) -> list[dict]:
    """The messages from the root to the conversation's current leaf."""
    by_id = {m["id"]: m for m in conversation["messages"]}
    branch = []
    message = by_id.get(conversation.get("current_leaf"))
    while message is not None:
        branch.append(message)
        message = by_id.get(message["parent"])
    return branch[::-1]


def _conversation_markdown(
    t: Translator,
    conversation: dict,
    model_label: Callable[[str | None], str],
    timezone: str | None,
) -> str:
    title = conversation["title"] or t("sidebar.untitled")
    when = t.datetime(conversation["created_at"], timezone)
    lines = [f"# {title}", "", f"*{model_label(conversation['model_id'])} · {when}*"]
    lines += _settings_markdown(t, conversation)
    branch = current_branch(conversation)
    hidden = len(conversation["messages"]) - len(branch)
    if hidden:
        lines += ["", f"*{t('history.export.other_branches', n=hidden)}*"]
    for message in branch:
        lines += ["", *_message_markdown(t, message, model_label)]
    return "\n".join(lines)


def _settings_markdown(t: Translator, conversation: dict) -> list[str]:
    """The conversation's system prompt (quoted) and temperature, when it has them."""
    lines = []
    prompt = conversation.get("system_prompt")
    if prompt:
        quoted = [f"> {line}" if line else ">" for line in prompt.split("\n")]
        lines += ["", f"> **{t('personas.panel.title')}**", ">", *quoted]
    temperature = conversation.get("temperature")
    if temperature is not None:
        lines += ["", f"*{t('personas.panel.temperature', value=temperature)}*"]
    return lines


def _message_markdown(
    t: Translator, message: dict, model_label: Callable[[str | None], str]
) -> list[str]:
    if message["role"] == "user":
        return [f"### {t('history.export.you')}", "", message["content"]]
    lines = [f"### {model_label(message['model_id'])}", ""]
    if message["reasoning"]:
        quoted = [f"> {line}" if line else ">" for line in message["reasoning"].split("\n")]
        lines += [f"> **{t('reasoning.title')}**", ">", *quoted, ""]
    lines.append(message["content"])
    return lines + _sources_markdown(t, message.get("web_sources"))


def _sources_markdown(t: Translator, stored: str | None) -> list[str]:
    """The web pages an answer was grounded in, numbered as its [citation:X] marks."""
    from core.websearch.results import WebSources

    record = WebSources.from_json(stored)
    if record is None or not record.sources:
        return []
    lines = ["", f"**{t('websearch.sources', n=len(record.sources))}**", ""]
    for source in record.sources:
        lines.append(f"{source.number}. {' '.join(source.title.split())} <{source.url}>")
    return lines
