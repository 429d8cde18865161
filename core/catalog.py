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

from core.secrets import register_secret

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


@dataclass(frozen=True)
class Catalog:
    providers: Mapping[str, Provider]
    models: Mapping[str, Model]
    policy: Policy
    default_model: str
    source: str = ""

    def model(self, model_id: str) -> Model | None:
        return self.models.get(model_id)

    def provider_of(self, route: Route) -> Provider:
        return self.providers[route.provider]

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


def _text(
    spec: Mapping[str, Any], name: str, default: str, where: str, source: str
) -> tuple[str, Mapping[str, str]]:
    """A label or description: one string, or a table of strings by locale.

    Returns the text shown when a locale has none (English, else the first
    given) and the table.
    """
    value = spec.get(name, default)
    if isinstance(value, str):
        return value, MappingProxyType({})
    if (
        not isinstance(value, dict)
        or not value
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    ):
        raise CatalogError(
            source, f'{where}: {name} must be a string or a table such as {{ en = "…", zh = "…" }}'
        )
    return value.get("en", next(iter(value.values()))), MappingProxyType(dict(value))


# ---------------------------------------------------------------- loading

_PROVIDER_FIELDS = {
    "label",
    "kind",
    "base_url",
    "api_key_env",
    "key_required",
    "max_concurrency",
    "first_token_timeout",
    "stall_timeout",
    "stream_usage",
    "headers",
    "speed",
    "busy_rate",
    "retry_after",
    "down",
}
_MODEL_FIELDS = {
    "label",
    "description",
    "reasoning",
    "routes",
    "fallback",
    "context_window",
    "max_output_tokens",
    "price_input",
    "price_output",
    "arena_weight",
    "thinking_switch",
}
_ROUTE_FIELDS = {"provider", "model", "extra_body", "max_concurrency"}
_POLICY_FIELDS = set(Policy.__dataclass_fields__)


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
    unknown = set(data) - {"providers", "models", "policy", "default_model"}
    if unknown:
        raise CatalogError(source, f"unknown top-level section(s): {', '.join(sorted(unknown))}")
    providers = {
        pid: _parse_provider(pid, spec, source)
        for pid, spec in _table(data, "providers", source).items()
    }
    models: dict[str, Model] = {}
    for mid, spec in _table(data, "models", source).items():
        models[mid] = _parse_model(mid, spec, providers, source)
    if not models:
        raise CatalogError(source, "no [models.<id>] defined")
    for model in models.values():
        if model.fallback and model.fallback not in models:
            raise CatalogError(
                source, f"model '{model.id}': fallback '{model.fallback}' is not a model id"
            )
        if model.fallback == model.id:
            raise CatalogError(source, f"model '{model.id}': cannot fall back to itself")
    policy = _parse_policy(data.get("policy", {}), source)
    default = data.get("default_model") or next(iter(models))
    if default not in models:
        raise CatalogError(source, f"default_model '{default}' is not a model id")
    for provider in providers.values():
        register_secret(provider.api_key())
    return Catalog(MappingProxyType(providers), MappingProxyType(models), policy, default, source)


def _table(data: Mapping[str, Any], name: str, source: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise CatalogError(source, f"[{name}] must be a table")
    for key, value in table.items():
        if not isinstance(value, dict):
            raise CatalogError(source, f"[{name}.{key}] must be a table")
    return table


def _check_fields(spec: Mapping[str, Any], allowed: set[str], where: str, source: str) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise CatalogError(source, f"{where}: unknown field(s) {', '.join(sorted(unknown))}")


def _is_local(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host in ("localhost", "host.docker.internal"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _parse_provider(pid: str, spec: Mapping[str, Any], source: str) -> Provider:
    where = f"provider '{pid}'"
    _check_fields(spec, _PROVIDER_FIELDS, where, source)
    kind = spec.get("kind", "openai")
    if kind not in ("openai", "demo"):
        raise CatalogError(source, f"{where}: kind must be 'openai' or 'demo', not '{kind}'")
    base_url = spec.get("base_url", "")
    if kind == "openai" and not str(base_url).startswith(("http://", "https://")):
        raise CatalogError(source, f"{where}: base_url must be an http(s) URL")
    key_env = spec.get("api_key_env", "")
    # Local servers (Ollama, vLLM on a laptop) need no key; clouds do.
    key_required = spec.get("key_required", bool(key_env) and not _is_local(base_url))
    demo = None
    if kind == "demo":
        demo = DemoSettings(
            speed=_number(spec, "speed", 1.0, where, source),
            busy_rate=_number(spec, "busy_rate", 0.0, where, source),
            retry_after=_number(spec, "retry_after", 0.0, where, source),
            down=bool(spec.get("down", False)),
        )
        key_required = False
    label, labels = _text(spec, "label", pid, where, source)
    return Provider(
        id=pid,
        label=label,
        labels=labels,
        kind=kind,
        base_url=str(base_url),
        api_key_env=str(key_env),
        key_required=bool(key_required),
        max_concurrency=_optional_int(spec, "max_concurrency", where, source),
        first_token_timeout=_number(spec, "first_token_timeout", 120.0, where, source),
        stall_timeout=_number(spec, "stall_timeout", 60.0, where, source),
        stream_usage=bool(spec.get("stream_usage", True)),
        headers=MappingProxyType(dict(spec.get("headers", {}))),
        demo=demo,
    )


def _parse_model(
    mid: str, spec: Mapping[str, Any], providers: Mapping[str, Provider], source: str
) -> Model:
    where = f"model '{mid}'"
    _check_fields(spec, _MODEL_FIELDS, where, source)
    raw_routes = spec.get("routes")
    if not isinstance(raw_routes, list) or not raw_routes:
        raise CatalogError(source, f'{where}: needs routes = [{{ provider = "…", model = "…" }}]')
    routes = []
    for index, raw in enumerate(raw_routes, start=1):
        route_where = f"{where}, route {index}"
        if not isinstance(raw, dict):
            raise CatalogError(source, f"{route_where}: must be an inline table")
        _check_fields(raw, _ROUTE_FIELDS, route_where, source)
        provider = raw.get("provider")
        if provider not in providers:
            raise CatalogError(source, f"{route_where}: unknown provider '{provider}'")
        upstream = raw.get("model") or mid
        routes.append(
            Route(
                provider=provider,
                model=str(upstream),
                extra_body=MappingProxyType(dict(raw.get("extra_body", {}))),
                max_concurrency=_optional_int(raw, "max_concurrency", route_where, source),
            )
        )
    keys = [r.key for r in routes]
    if len(set(keys)) != len(keys):
        raise CatalogError(source, f"{where}: the same route is listed twice")
    switch = spec.get("thinking_switch")
    thinking_switch = None
    if switch is not None:
        if not isinstance(switch, dict) or set(switch) != {"enabled", "disabled"}:
            raise CatalogError(
                source, f"{where}: thinking_switch needs 'enabled' and 'disabled' tables"
            )
        thinking_switch = ThinkingSwitch(
            MappingProxyType(dict(switch["enabled"])), MappingProxyType(dict(switch["disabled"]))
        )
    label, labels = _text(spec, "label", mid, where, source)
    description, descriptions = _text(spec, "description", "", where, source)
    return Model(
        id=mid,
        label=label,
        labels=labels,
        description=description,
        descriptions=descriptions,
        reasoning=bool(spec.get("reasoning", False)),
        routes=tuple(routes),
        thinking_switch=thinking_switch,
        fallback=spec.get("fallback"),
        context_window=int(_number(spec, "context_window", 32_768, where, source)),
        max_output_tokens=int(_number(spec, "max_output_tokens", 4_096, where, source)),
        price_input=_number(spec, "price_input", 0.0, where, source),
        price_output=_number(spec, "price_output", 0.0, where, source),
        arena_weight=_number(spec, "arena_weight", 1.0, where, source),
    )


def _parse_policy(spec: Any, source: str) -> Policy:
    if not isinstance(spec, dict):
        raise CatalogError(source, "[policy] must be a table")
    _check_fields(spec, _POLICY_FIELDS, "[policy]", source)
    defaults = Policy()
    values = {
        name: type(getattr(defaults, name))(
            _number(spec, name, getattr(defaults, name), "[policy]", source)
        )
        for name in spec
    }
    return Policy(**values)


def _number(spec: Mapping[str, Any], name: str, default: float, where: str, source: str) -> float:
    value = spec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise CatalogError(source, f"{where}: {name} must be a non-negative number")
    return float(value)


def _optional_int(spec: Mapping[str, Any], name: str, where: str, source: str) -> int | None:
    if name not in spec:
        return None
    value = spec[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CatalogError(source, f"{where}: {name} must be a whole number ≥ 1")
    return value
