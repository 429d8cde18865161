"""Plain sentences for errors: what happened and what to do, in the user's language."""

from __future__ import annotations

from core.catalog import Catalog
from core.errors import AppError
from core.i18n import Translator
from core.markdown import escape_text


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

    Every value is escaped: a provider's error detail, a model id or a name is
    not our text, and the sentence is shown where Markdown renders.
    """
    key = f"errors.{kind}" if kind and t.has(f"errors.{kind}") else "errors.unexpected"
    params = {"provider": "", "key_env": "", "detail": detail or "", **context}
    return t(key, **{name: escape_text(str(value)) for name, value in params.items()})


def describe_error(t: Translator, error: AppError, catalog: Catalog, model_id: str | None) -> str:
    context = provider_context(catalog, model_id, None)
    if error.provider:
        context["provider"] = error.provider
    if error.key_env:
        context["key_env"] = error.key_env
    return describe(t, error.kind, error.detail, **context)
