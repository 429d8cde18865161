"""Short human summaries of models and answers, for captions and labels."""

from __future__ import annotations

from core.catalog import Catalog, Model
from core.i18n import Translator
from core.markdown import escape_text
from core.store.views import MessageView


def model_label(catalog: Catalog, model_id: str | None) -> str:
    model = catalog.model(model_id or "")
    return model.label if model else (model_id or "?")


def display_name(catalog: Catalog, name: str) -> str:
    """A provider's or model's label carried by core (errors, live status, which
    name it in the catalog's default language) in the catalog's language."""
    for entry in (*catalog.providers.values(), *catalog.models.values()):
        if name and (name == entry.label or name in entry.labels.values()):
            return entry.label
    return name


def model_name(catalog: Catalog, model_id: str | None) -> str:
    """`model_label` for Markdown: a model id from the database or a file is not our text."""
    return escape_markdown(model_label(catalog, model_id))


def context_size(tokens: int) -> str:
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:g}M"
    return f"{round(tokens / 1024)}K"


def model_summary(t: Translator, catalog: Catalog, model: Model) -> str:
    """One line: reasoning or fast, who serves it, how much it reads."""
    kind = t("model.reasoning") if model.reasoning or model.has_thinking_switch else t("model.fast")
    provider = catalog.primary_provider(model)
    parts = [
        kind,
        escape_markdown(provider.label),
        t("model.context", size=context_size(model.context_window)),
    ]
    if len(model.routes) > 1:
        parts.append(t("model.routes", n=len(model.routes)))
    return " · ".join(parts)


def answer_caption(t: Translator, catalog: Catalog, message: MessageView) -> str:
    """Which model and route answered, and how fast: the line under an answer."""
    parts = [model_name(catalog, message.model_id)]
    provider = catalog.providers.get(message.provider_id or "")
    if provider is not None:
        parts.append(t("answer.via", provider=escape_markdown(provider.label)))
    if message.ttft_ms is not None:
        parts.append(t("answer.first_token", s=t.seconds(message.ttft_ms / 1000)))
    if message.completion_tokens:
        key = "answer.tokens_estimated" if message.usage_estimated else "answer.tokens"
        parts.append(t(key, n=t.number(message.completion_tokens)))
    if message.duration_ms is not None:
        parts.append(t.seconds(message.duration_ms / 1000))
    return " · ".join(parts)


def escape_markdown(text: str) -> str:
    """`text` shown literally where Markdown is rendered (labels, titles, snippets).

    Every ASCII punctuation character is backslash-escaped (core/markdown.py's
    `escape_text`, the same escape the message renderer uses), so someone's
    text can never become a link, an image, a heading, math or a Streamlit
    directive (colours, icons).
    """
    return escape_text(text)
