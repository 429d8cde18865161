"""The model catalog: `models.toml` plus the environment.

Providers are OpenAI-compatible endpoints (or the offline demo); models are
what a person picks, each served by one or more routes (provider + upstream
model name) in priority order. Everything here is a frozen dataclass built
once at start-up; API keys are read from the environment when needed and are
never stored on these objects, so no repr or log line can carry one.

Labels and descriptions can be written once for every language (a string) or
per language (`label = { en = "…", zh = "…" }`); `localized()` gives the
catalog as a person reading that language sees it.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError

from core.catalog_schema import (
    CatalogSpec,
    ModelSpec,
    PolicySpec,
    ProviderSpec,
    SearchSpec,
    problem_of,
)
from core.secrets import register_environment_secrets, register_secret

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = ROOT / "models.toml"


class CatalogError(Exception):
    """The catalog cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class DemoSettings:
    """Behaviour of an offline demo provider, including injected faults."""

    speed: float = 1.0  # multiplier on the realistic pace; tests raise it
    busy_rate: float = 0.0  # share of requests answered "busy"
    retry_after: float = 0.0  # Retry-After sent with a busy answer
    down: bool = False  # every request fails to connect


@dataclass(frozen=True)
class Provider:
    id: str
    label: str
    kind: str  # "openai" (any OpenAI-compatible API) or "demo"
    base_url: str = ""
    api_key_env: str = ""
    key_required: bool = False
    max_concurrency: int | None = None
    first_token_timeout: float = 120.0
    stall_timeout: float = 60.0
    stream_usage: bool = True
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    demo: DemoSettings | None = None
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # by locale

    def api_key(self) -> str:
        """The key from the environment at call time ('' when there is none)."""
        return os.environ.get(self.api_key_env, "") if self.api_key_env else ""

    @property
    def available(self) -> bool:
        return not self.key_required or bool(self.api_key())

    @property
    def is_demo(self) -> bool:
        return self.kind == "demo"


@dataclass(frozen=True)
class Route:
    provider: str
    model: str
    extra_body: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    max_concurrency: int | None = None

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.model}"


@dataclass(frozen=True)
class ThinkingSwitch:
    """Request bodies that switch a hybrid model's thinking on or off."""

    enabled: Mapping[str, Any]
    disabled: Mapping[str, Any]


@dataclass(frozen=True)
class Model:
    id: str
    label: str
    routes: tuple[Route, ...]
    reasoning: bool = False
    description: str = ""
    thinking_switch: ThinkingSwitch | None = None
    fallback: str | None = None
    context_window: int = 32_768
    max_output_tokens: int = 4_096
    price_input: float = 0.0  # USD per million prompt tokens
    price_output: float = 0.0  # USD per million completion tokens
    arena_weight: float = 1.0
    vision: bool = False  # accepts image_url content parts
    describe_images_with: str | None = None  # a vision model's id, for a text-only model
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # by locale
    descriptions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def has_thinking_switch(self) -> bool:
        return self.thinking_switch is not None

    def thinks(self, thinking: bool | None) -> bool:
        """Whether a request with this thinking choice produces reasoning."""
        if self.thinking_switch is None or thinking is None:
            return self.reasoning
        return thinking


@dataclass(frozen=True)
class Policy:
    """How hard the app tries before it gives up (see docs/resilience.md)."""

    retry_budget_s: float = 60.0
    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 20.0
    breaker_failures: int = 3
    breaker_cooldown_s: float = 30.0
    degrade_after_rounds: int = 2
    total_deadline_s: float = 900.0
    per_user_generations: int = 4
    messages_per_minute: int = 20
    # Per-user caps on what a person keeps and spends (0 switches one off);
    # see docs/security.md, "Abuse limits".
    max_stored_mb: float = 500.0  # text kept in their conversations
    max_import_mb: float = 20.0  # one import file
    # Attached files (docs/attachments.md): the largest one file may be, and
    # the original files a person keeps (deduplicated), in MB.
    max_file_mb: float = 10.0
    max_stored_files_mb: float = 200.0
    max_tokens_per_day: int = 2_000_000  # prompt + completion, last 24 hours
    max_cost_usd_per_day: float = 0.0  # at the catalog's list prices, last 24 hours
    max_tokens_per_month: int = 0  # prompt + completion, last 30 days
    max_cost_usd_per_month: float = 0.0  # at list prices, last 30 days


# The hosted search APIs' endpoints and key variables, when [search] names none.
SEARCH_DEFAULTS = {
    "tavily": ("https://api.tavily.com/search", "TAVILY_API_KEY"),
    "brave": ("https://api.search.brave.com/res/v1/web/search", "BRAVE_API_KEY"),
    "bocha": ("https://api.bochaai.com/v1/web-search", "BOCHA_API_KEY"),
}


@dataclass(frozen=True)
class SearchSettings:
    """[search] in models.toml: who searches, and the rules pages are fetched by."""

    provider: str = "demo"  # demo | searxng | tavily | brave | bocha
    base_url: str = ""
    api_key_env: str = ""
    allow_private_urls: bool = False
    max_results: int = 8
    pages_to_read: int = 5
    page_max_bytes: int = 2_048 * 1024
    page_timeout_s: float = 8.0
    search_timeout_s: float = 15.0
    max_redirects: int = 5
    max_context_tokens: int = 8_000
    max_attempts: int = 3
    max_wait_s: float = 30.0

    def api_key(self) -> str:
        """The key from the environment at call time ('' when there is none)."""
        return os.environ.get(self.api_key_env, "") if self.api_key_env else ""


@dataclass(frozen=True)
class Catalog:
    providers: Mapping[str, Provider]
    models: Mapping[str, Model]
    policy: Policy
    default_model: str
    source: str = ""
    search: SearchSettings = field(default_factory=SearchSettings)

    def model(self, model_id: str) -> Model | None:
        return self.models.get(model_id)

    def available_routes(self, model: Model) -> list[Route]:
        return [r for r in model.routes if self.providers[r.provider].available]

    def is_available(self, model: Model) -> bool:
        return bool(self.available_routes(model))

    def missing_keys(self, model: Model) -> list[str]:
        """Environment variables that would make an unavailable model usable."""
        names = []
        for route in model.routes:
            provider = self.providers[route.provider]
            if not provider.available and provider.api_key_env not in names:
                names.append(provider.api_key_env)
        return names

    def primary_provider(self, model: Model) -> Provider:
        return self.providers[model.routes[0].provider]


# ---------------------------------------------------------------- languages

_LOCALIZED: dict[tuple[int, str], tuple[Catalog, Catalog]] = {}


def localized(catalog: Catalog, locale: str) -> Catalog:
    """The catalog with labels and descriptions in `locale` where it has them.

    Everything else (ids, routes, keys, prices) is the same; the text written
    once for every language stays as it is.
    """
    kept = _LOCALIZED.get((id(catalog), locale))
    if kept is not None and kept[0] is catalog:
        return kept[1]
    providers = {
        pid: replace(p, label=p.labels.get(locale, p.label)) for pid, p in catalog.providers.items()
    }
    models = {
        mid: replace(
            m,
            label=m.labels.get(locale, m.label),
            description=m.descriptions.get(locale, m.description),
        )
        for mid, m in catalog.models.items()
    }
    result = replace(
        catalog, providers=MappingProxyType(providers), models=MappingProxyType(models)
    )
    if len(_LOCALIZED) > 32:  # catalogs are few; tests build many
        _LOCALIZED.clear()
    _LOCALIZED[(id(catalog), locale)] = (catalog, result)
    return result


def _text(value: str | Mapping[str, str] | None, default: str) -> tuple[str, Mapping[str, str]]:
    """A label or description: one string, or a table of strings by locale.

    Returns the text shown when a locale has none (English, else the first
    given) and the table.
    """
    if value is None or isinstance(value, str):
        return value or default, MappingProxyType({})
    return value.get("en", next(iter(value.values()))), MappingProxyType(dict(value))


# ---------------------------------------------------------------- loading


def catalog_path() -> Path:
    return Path(os.environ.get("MODELS_FILE") or DEFAULT_CATALOG)


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate the catalog; raise `CatalogError` naming the problem."""
    path = Path(path) if path else catalog_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(
            path, "file not found (set MODELS_FILE or restore models.toml)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(path, f"cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(path, f"not valid TOML: {exc}") from None
    return parse_catalog(data, source=str(path))


def parse_catalog(data: Mapping[str, Any], *, source: str = "models.toml") -> Catalog:
    """Build the catalog from parsed TOML; raise `CatalogError` naming the problem.

    The shape (fields, types, ranges) is checked by core/catalog_schema.py;
    what refers to what (providers, fallbacks, the default model) here.
    """
    try:
        spec = CatalogSpec.model_validate(dict(data))
    except ValidationError as error:
        raise CatalogError(source, problem_of(error)) from None
    providers = {pid: _provider(pid, provider) for pid, provider in spec.providers.items()}
    for pid, provider in providers.items():
        if provider.kind == "openai" and not provider.base_url.startswith(("http://", "https://")):
            raise CatalogError(source, f"provider '{pid}': base_url must be an http(s) URL")
    models = {mid: _model(mid, model, providers, source) for mid, model in spec.models.items()}
    if not models:
        raise CatalogError(source, "no [models.<id>] defined")
    for model in models.values():
        if model.fallback and model.fallback not in models:
            raise CatalogError(
                source, f"model '{model.id}': fallback '{model.fallback}' is not a model id"
            )
        if model.fallback == model.id:
            raise CatalogError(source, f"model '{model.id}': cannot fall back to itself")
        describer = models.get(model.describe_images_with or "")
        if model.describe_images_with and (describer is None or not describer.vision):
            raise CatalogError(
                source,
                f"model '{model.id}': describe_images_with '{model.describe_images_with}' "
                "is not a model with vision = true",
            )
    default = spec.default_model or next(iter(models))
    if default not in models:
        raise CatalogError(source, f"default_model '{default}' is not a model id")
    for provider in providers.values():
        register_secret(provider.api_key())
    register_environment_secrets()  # keys of providers not (or no longer) in the catalog
    policy = _policy(spec.policy)
    search = _search(spec.search or SearchSpec(), source)
    register_secret(search.api_key())
    return Catalog(
        MappingProxyType(providers), MappingProxyType(models), policy, default, source, search
    )


def _search(spec: SearchSpec, source: str) -> SearchSettings:
    base_url, key_env = SEARCH_DEFAULTS.get(spec.provider, ("", ""))
    base_url = spec.base_url or base_url
    if spec.provider != "demo" and not base_url.startswith(("http://", "https://")):
        raise CatalogError(
            source, f"[search]: provider '{spec.provider}' needs an http(s) base_url"
        )
    return SearchSettings(
        provider=spec.provider,
        base_url=base_url,
        api_key_env=spec.api_key_env or key_env,
        allow_private_urls=spec.allow_private_urls,
        max_results=spec.max_results,
        pages_to_read=spec.pages_to_read,
        page_max_bytes=spec.page_max_kb * 1024,
        page_timeout_s=spec.page_timeout_s,
        search_timeout_s=spec.search_timeout_s,
        max_redirects=int(spec.max_redirects),
        max_context_tokens=spec.max_context_tokens,
        max_attempts=spec.max_attempts,
        max_wait_s=spec.max_wait_s,
    )


def _is_local(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host in ("localhost", "host.docker.internal"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _provider(pid: str, spec: ProviderSpec) -> Provider:
    demo = None
    # Local servers (Ollama, vLLM on a laptop) need no key; clouds do.
    key_required = spec.key_required
    if key_required is None:
        key_required = bool(spec.api_key_env) and not _is_local(spec.base_url)
    if spec.kind == "demo":
        demo = DemoSettings(spec.speed, spec.busy_rate, spec.retry_after, spec.down)
        key_required = False
    label, labels = _text(spec.label, pid)
    return Provider(
        id=pid,
        label=label,
        labels=labels,
        kind=spec.kind,
        base_url=spec.base_url,
        api_key_env=spec.api_key_env,
        key_required=key_required,
        max_concurrency=spec.max_concurrency,
        first_token_timeout=spec.first_token_timeout,
        stall_timeout=spec.stall_timeout,
        stream_usage=spec.stream_usage,
        headers=MappingProxyType(dict(spec.headers)),
        demo=demo,
    )


def _model(mid: str, spec: ModelSpec, providers: Mapping[str, Provider], source: str) -> Model:
    routes = []
    for index, route in enumerate(spec.routes, start=1):
        if route.provider not in providers:
            raise CatalogError(
                source, f"model '{mid}', route {index}: unknown provider '{route.provider}'"
            )
        routes.append(
            Route(
                provider=route.provider,
                model=route.model or mid,
                extra_body=MappingProxyType(dict(route.extra_body)),
                max_concurrency=route.max_concurrency,
            )
        )
    keys = [r.key for r in routes]
    if len(set(keys)) != len(keys):
        raise CatalogError(source, f"model '{mid}': the same route is listed twice")
    switch = spec.thinking_switch
    label, labels = _text(spec.label, mid)
    description, descriptions = _text(spec.description, "")
    return Model(
        id=mid,
        label=label,
        labels=labels,
        description=description,
        descriptions=descriptions,
        reasoning=spec.reasoning,
        routes=tuple(routes),
        thinking_switch=ThinkingSwitch(
            MappingProxyType(dict(switch.enabled)), MappingProxyType(dict(switch.disabled))
        )
        if switch is not None
        else None,
        fallback=spec.fallback,
        context_window=int(spec.context_window),
        max_output_tokens=int(spec.max_output_tokens),
        price_input=spec.price_input,
        price_output=spec.price_output,
        arena_weight=spec.arena_weight,
        vision=spec.vision,
        describe_images_with=spec.describe_images_with,
    )


def _policy(spec: PolicySpec) -> Policy:
    """The policy's values, each of its default's type (max_attempts = 5.0 is 5)."""
    defaults = Policy()
    values = {
        name: type(getattr(defaults, name))(value)
        for name, value in spec.model_dump(exclude_none=True).items()
    }
    return Policy(**values)
