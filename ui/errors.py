"""Plain sentences for errors: what happened and what to do, in the user's language."""

from __future__ import annotations

import re

from core.catalog import Catalog
from core.errors import REFUSAL_KINDS, AppError, refusal_reason
from core.i18n import Translator
from core.markdown import escape_text
from ui.format import display_name


def provider_context(catalog: Catalog, model_id: str | None, provider_id: str | None) -> dict:
    """The provider label and key variable to name in a message about this answer."""
    model = catalog.model(model_id or "")
    provider = catalog.providers.get(provider_id or "")
    if provider is None and model is not None:
        provider = catalog.primary_provider(model)
    missing = catalog.missing_keys(model) if model is not None else []
    return {
        "provider": provider.label if provider else (model_id or "?"),
        "key_env": ", ".join(missing) or (provider.api_key_env if provider else ""),
    }


def describe(t: Translator, kind: str | None, detail: str | None = "", **context: object) -> str:
    """The sentence for an error kind, for Markdown; unknown kinds fall back to a generic one.

    A provider's refusal quotes the provider's own words; when they are not in
    the reader's language, an explanation in it follows them. Every value is
    escaped: a provider's error detail, a model id or a name is not our text,
    and the sentence is shown where Markdown renders.
    """
    key = f"errors.{kind}" if kind and t.has(f"errors.{kind}") else "errors.unexpected"
    own = own_detail(t, detail or "")
    params = {"provider": "", "key_env": "", "detail": own or detail or "", **context}
    sentence = t(key, **{name: escape_text(str(value)) for name, value in params.items()})
    if kind in REFUSAL_KINDS and detail and not own and not _in_language(detail, t.locale):
        reason = refusal_reason(detail) or "other"
        sentence += "  \n" + t("errors.explained", explanation=t(f"errors.reason.{reason}"))
    return sentence


# The app's own details, which core writes in English (they go to the logs
# too), and the key that says them in the reader's language. Matched whole;
# tests/test_refusal_explained.py checks that core still raises each of them.
OWN_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"deadline", "deadline"),
        (r"the stream ended without a finish reason", "no_finish_reason"),
        (r"malformed chunk: (?P<what>.*)", "malformed"),
        (r"empty", "empty"),
        (r"no prompts", "no_prompts"),
        (r"(?P<n>[\d,]+) characters; the limit is (?P<limit>[\d,]+)", "too_many_chars"),
        (r"(?P<n>\d+) columns; choose (?P<low>\d+) to (?P<high>\d+)", "columns"),
        (r"(?P<n>\d+) models; choose 1 to (?P<high>\d+)", "models"),
        (r"(?P<tokens>[\d,]+) tokens; (?P<model>.+) accepts (?P<budget>[\d,]+)", "context"),
        (r"not an arena battle", "not_a_battle"),
        (r"this battle has been judged; start a new one", "judged"),
        (r"the arena needs two models that can answer", "arena_needs_two"),
        (r"not an answer of this comparison", "not_this_comparison"),
    )
)


def own_detail(t: Translator, detail: str) -> str | None:
    """One of the app's own details in the reader's language (None: not one of them)."""
    for pattern, key in OWN_DETAILS:
        found = pattern.fullmatch(detail)
        if found:
            return t(f"errors.detail.{key}", **found.groupdict())
    return None


_CHINESE = re.compile(r"[\u3400-\u9fff]")


def _in_language(text: str, locale: str) -> bool:
    """Whether a provider's words are already in the reader's language (roughly:
    Chinese characters or not; the only two languages of the UI)."""
    return bool(_CHINESE.search(text)) == (locale == "zh")


def describe_error(t: Translator, error: AppError, catalog: Catalog, model_id: str | None) -> str:
    context = provider_context(catalog, model_id, None)
    if error.provider:
        context["provider"] = display_name(catalog, error.provider)
    if error.key_env:
        context["key_env"] = error.key_env
    return describe(t, error.kind, error.detail, **context)
