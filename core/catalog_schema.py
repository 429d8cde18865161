"""The shape of models.toml, checked with pydantic, and its errors in plain words.

pydantic checks each table's fields and types; `problem_of` turns its first
error into the sentence a person editing the file needs ("model 'x', route 1:
unknown field(s) modle"). What refers to what (a route's provider, a model's
fallback, the default model) is checked by core/catalog.py once the shape is
right.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

ROUTES_HINT = 'needs routes = [{ provider = "…", model = "…" }]'


def _rule(message: str):
    return PydanticCustomError("catalog", message)


def _non_negative(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _rule("must be a non-negative number")
    return float(value)


def _file_size(value: Any) -> float:
    """`max_file_mb`: a file is read within bounds measured up to 10 MB
    (core/attachments/limits.py), below Streamlit's upload limit (20 MB)."""
    size = _non_negative(value)
    if size > FILE_MB_CEILING:
        raise _rule(f"must be at most {FILE_MB_CEILING:g} (0 means {FILE_MB_CEILING:g})")
    return size


FILE_MB_CEILING = 10.0


def _at_least_one(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _rule("must be a whole number ≥ 1")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _rule("must be text in quotes")
    return value


def _localized(value: Any) -> str | dict[str, str]:
    """One text for every language, or a table of texts by locale."""
    if isinstance(value, str):
        return value
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    ):
        return value
    raise _rule('must be text in quotes or a table such as { en = "…", zh = "…" }')


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _rule("must be true or false")
    return value


def _table(value: Any) -> dict:
    if not isinstance(value, dict):
        raise _rule("must be a table")
    return value


def _kind(value: Any) -> str:
    if value not in ("openai", "demo"):
        raise _rule(f"must be 'openai' or 'demo', not '{value}'")
    return value


def _routes(value: Any) -> list:
    if not isinstance(value, list) or not value:
        raise _rule(ROUTES_HINT)
    return value


NonNegative = Annotated[float, BeforeValidator(_non_negative)]
AtLeastOne = Annotated[int, BeforeValidator(_at_least_one)]
FileSize = Annotated[float, BeforeValidator(_file_size)]
Text = Annotated[str, BeforeValidator(_text)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Localized = Annotated[str | dict[str, str], BeforeValidator(_localized)]
Table = Annotated[dict[str, Any], BeforeValidator(_table)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProviderSpec(_Spec):
    label: Localized | None = None
    kind: Annotated[Literal["openai", "demo"], BeforeValidator(_kind)] = "openai"
    base_url: Text = ""
    api_key_env: Text = ""
    key_required: Flag | None = None  # None: decided by the URL (local servers need no key)
    max_concurrency: AtLeastOne | None = None
    first_token_timeout: NonNegative = 120.0
    stall_timeout: NonNegative = 60.0
    stream_usage: Flag = True
    headers: Annotated[dict[str, Text], BeforeValidator(_table)] = Field(default_factory=dict)
    # The offline demo's behaviour (kind = "demo").
    speed: NonNegative = 1.0
    busy_rate: NonNegative = 0.0
    retry_after: NonNegative = 0.0
    down: Flag = False


class RouteSpec(_Spec):
    provider: Text
    model: Text | None = None  # the upstream name; the model's id when left out
    extra_body: Table = Field(default_factory=dict)
    max_concurrency: AtLeastOne | None = None


class ThinkingSwitchSpec(_Spec):
    enabled: Table
    disabled: Table


class ModelSpec(_Spec):
    label: Localized | None = None
    description: Localized = ""
    reasoning: Flag = False
    routes: Annotated[list[RouteSpec], BeforeValidator(_routes)]
    thinking_switch: ThinkingSwitchSpec | None = None
    fallback: Text | None = None
    context_window: NonNegative = 32_768
    max_output_tokens: NonNegative = 4_096
    price_input: NonNegative = 0.0
    price_output: NonNegative = 0.0
    arena_weight: NonNegative = 1.0
    # Sees images sent as image_url content parts (docs/attachments.md).
    vision: Flag = False
    # For a text-only model: the vision model that describes images for it.
    describe_images_with: Text | None = None


class PolicySpec(_Spec):
    retry_budget_s: NonNegative | None = None
    max_attempts: NonNegative | None = None
    base_delay_s: NonNegative | None = None
    max_delay_s: NonNegative | None = None
    breaker_failures: NonNegative | None = None
    breaker_cooldown_s: NonNegative | None = None
    degrade_after_rounds: NonNegative | None = None
    total_deadline_s: NonNegative | None = None
    per_user_generations: NonNegative | None = None
    messages_per_minute: NonNegative | None = None
    max_stored_mb: NonNegative | None = None
    max_import_mb: NonNegative | None = None
    max_file_mb: FileSize | None = None
    max_stored_files_mb: NonNegative | None = None
    max_tokens_per_day: NonNegative | None = None
    max_cost_usd_per_day: NonNegative | None = None
    max_tokens_per_month: NonNegative | None = None
    max_cost_usd_per_month: NonNegative | None = None


def _search_provider(value: Any) -> str:
    if value not in SEARCH_PROVIDERS:
        raise _rule(f"must be one of {', '.join(SEARCH_PROVIDERS)}, not '{value}'")
    return value


SEARCH_PROVIDERS = ("demo", "searxng", "tavily", "brave", "bocha")


class SearchSpec(_Spec):
    """[search]: the web search provider and the rules for fetching pages
    (docs/web-search.md)."""

    provider: Annotated[str, BeforeValidator(_search_provider)] = "demo"
    base_url: Text = ""  # searxng: required; hosted APIs: their public endpoint when empty
    api_key_env: Text = ""  # hosted APIs: TAVILY_API_KEY, BRAVE_API_KEY, BOCHA_API_KEY when empty
    allow_private_urls: Flag = False  # fetch intranet / loopback pages (self-hosted, tests)
    max_results: AtLeastOne = 8
    pages_to_read: AtLeastOne = 5
    page_max_kb: AtLeastOne = 2_048
    page_timeout_s: NonNegative = 8.0
    search_timeout_s: NonNegative = 15.0
    max_redirects: NonNegative = 5
    max_context_tokens: AtLeastOne = 8_000
    max_attempts: AtLeastOne = 3
    max_wait_s: NonNegative = 30.0  # longest Retry-After honoured before answering without


class CatalogSpec(_Spec):
    providers: Annotated[dict[str, ProviderSpec], BeforeValidator(_table)] = Field(
        default_factory=dict
    )
    models: Annotated[dict[str, ModelSpec], BeforeValidator(_table)] = Field(default_factory=dict)
    policy: PolicySpec = Field(default_factory=PolicySpec)
    search: SearchSpec | None = None
    default_model: Text | None = None


def problem_of(error: ValidationError) -> str:
    """The first problem pydantic found, said the way a person editing the file needs."""
    errors = error.errors()
    first = errors[0]
    loc = first["loc"]
    where, field = _where(loc)
    if "thinking_switch" in loc:
        return f"{where}: thinking_switch needs 'enabled' and 'disabled' tables"
    if first["type"] == "extra_forbidden":
        unknown = sorted(
            str(e["loc"][-1])
            for e in errors
            if e["type"] == "extra_forbidden" and e["loc"][:-1] == loc[:-1]
        )
        if len(loc) == 1:
            return f"unknown top-level section(s): {', '.join(unknown)}"
        return f"{where}: unknown field(s) {', '.join(unknown)}"
    if field == "routes":  # missing, empty, or not a list
        return f"{where}: {ROUTES_HINT}"
    message = first["msg"] if first["type"] == "catalog" else _plain(first)
    if field is not None:
        return f"{where}: {field} {message}"
    if ", route " in where:
        return f"{where}: must be an inline table"
    return f"{where} must be a table"


def _where(loc: tuple) -> tuple[str, str | None]:
    """(the place a person finds in the file, the field, if the error is about one)."""
    section = str(loc[0]) if loc else ""
    if section in ("policy", "search"):
        return f"[{section}]", _field(loc, 1)
    if section not in ("providers", "models"):
        return section, None
    if len(loc) == 1:
        return f"[{section}]", None
    if len(loc) == 2:
        return f"[{section}.{loc[1]}]", None
    where = f"{'provider' if section == 'providers' else 'model'} '{loc[1]}'"
    if section == "models" and loc[2] == "routes" and len(loc) >= 4:
        return f"{where}, route {int(loc[3]) + 1}", _field(loc, 4)
    return where, _field(loc, 2)


def _field(loc: tuple, index: int) -> str | None:
    return str(loc[index]) if len(loc) > index else None


def _plain(error: dict) -> str:
    if error["type"] == "missing":
        return "is missing"
    return "is not valid: " + error["msg"][0].lower() + error["msg"][1:]
