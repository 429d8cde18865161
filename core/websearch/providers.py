"""Search providers: one interface, a small adapter per API.

`SearchProvider.search(query, limit)` returns `SearchResult`s or raises an
`AppError` mapped like a model provider's (core/errors.py): a 429 is
`RateLimited` with the server's Retry-After, a 5xx `ServerError`, a bad key
`AuthFailed`. Retrying is the caller's (core/websearch/grounding.py), so
every provider is retried and reported alike.

Adapters (docs/web-search.md):
- searxng: a self-hosted SearXNG's JSON API (`/search?format=json`; its
  settings.yml must list `json` under search.formats). No key.
- tavily: POST api.tavily.com/search, `Authorization: Bearer` TAVILY_API_KEY.
- brave: GET Brave Search's web endpoint, `X-Subscription-Token` BRAVE_API_KEY.
- bocha: POST api.bochaai.com/v1/web-search (博查, used in China), Bearer BOCHA_API_KEY.
- demo: the offline corpus bundled in the repository (core/websearch/demo_corpus.toml).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx2 as httpx

from core.catalog import SearchSettings
from core.errors import BadRequest, ProviderUnavailable, classify_http, classify_transport
from core.websearch.results import SearchResult

DEMO_CORPUS = Path(__file__).with_name("demo_corpus.toml")
MAX_RESPONSE_BYTES = 4 * 1024 * 1024  # a search API's JSON; more is not a result list


class SearchProvider(Protocol):
    label: str

    async def search(self, query: str, limit: int) -> list[SearchResult]:
        """Results for `query`, best first; an `AppError` when the search fails."""


# ---------------------------------------------------------------- HTTP APIs


@dataclass
class _HttpApi:
    """What the hosted adapters share: one call, errors mapped, JSON parsed."""

    settings: SearchSettings
    label: str
    transport: httpx.AsyncBaseTransport | None = None

    async def _call(self, method: str, **request: Any) -> Any:
        timeout = httpx.Timeout(self.settings.search_timeout_s or None)
        try:
            async with httpx.AsyncClient(timeout=timeout, transport=self.transport) as client:
                response = await client.request(method, self.settings.base_url, **request)
                body = await response.aread()
        except httpx.HTTPError as error:
            raise classify_transport(error, provider=self.label) from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise BadRequest("search response too large", provider=self.label)
        try:
            data = response.json() if body else None
        except ValueError:
            data = body.decode("utf-8", "replace")[:500]
        if response.status_code >= 400:
            raise classify_http(response.status_code, data, response.headers, provider=self.label)
        if not isinstance(data, dict):
            raise classify_http(502, "not a JSON object", provider=self.label)
        return data

    def _key(self) -> str:
        key = self.settings.api_key()
        if not key:
            raise ProviderUnavailable(self.label, key_env=self.settings.api_key_env)
        return key


class SearxngProvider(_HttpApi):
    async def search(self, query: str, limit: int) -> list[SearchResult]:
        data = await self._call("GET", params={"q": query, "format": "json"})
        return _results(data.get("results"), limit, title="title", snippet="content")


class TavilyProvider(_HttpApi):
    async def search(self, query: str, limit: int) -> list[SearchResult]:
        data = await self._call(
            "POST",
            json={"query": query, "max_results": limit, "search_depth": "basic"},
            headers={"Authorization": f"Bearer {self._key()}"},
        )
        return _results(data.get("results"), limit, title="title", snippet="content")


class BraveProvider(_HttpApi):
    async def search(self, query: str, limit: int) -> list[SearchResult]:
        data = await self._call(
            "GET",
            params={"q": query, "count": min(limit, 20)},
            headers={"X-Subscription-Token": self._key(), "Accept": "application/json"},
        )
        web = data.get("web") if isinstance(data.get("web"), dict) else {}
        return _results(web.get("results"), limit, title="title", snippet="description")


class BochaProvider(_HttpApi):
    async def search(self, query: str, limit: int) -> list[SearchResult]:
        data = await self._call(
            "POST",
            json={"query": query, "count": limit, "summary": True},
            headers={"Authorization": f"Bearer {self._key()}"},
        )
        inner = data.get("data") if isinstance(data.get("data"), dict) else data
        pages = inner.get("webPages") if isinstance(inner.get("webPages"), dict) else {}
        return _results(pages.get("value"), limit, title="name", snippet="summary", alt="snippet")


def _results(
    items: Any, limit: int, *, title: str, snippet: str, alt: str = ""
) -> list[SearchResult]:
    """Well-formed http(s) hits only: an API's odd item is skipped, not trusted."""
    found: list[SearchResult] = []
    seen: set[str] = set()
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        url = item.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        text = item.get(snippet) or (item.get(alt) if alt else "") or ""
        found.append(SearchResult(url=url, title=_str(item.get(title)), snippet=_str(text)[:1000]))
        if len(found) >= limit:
            break
    return found


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# ---------------------------------------------------------------- offline demo


_WORDS = re.compile(r"[a-z0-9]{3,}|[\u4e00-\u9fff]", re.IGNORECASE)
_STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "are",
        "was",
        "what",
        "which",
        "who",
        "how",
        "why",
        "when",
        "where",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "this",
        "that",
        "these",
        "those",
        "with",
        "from",
        "about",
        "into",
        "your",
        "you",
        "our",
        "its",
        "has",
        "have",
        "had",
        "not",
        "but",
        "的",
        "了",
        "是",
        "在",
        "我",
        "你",
        "他",
        "她",
        "它",
        "们",
        "吗",
        "呢",
        "吧",
        "啊",
        "什",
        "么",
        "怎",
        "样",
        "哪",
        "个",
        "一",
        "有",
        "和",
        "与",
        "也",
        "都",
        "就",
        "要",
        "会",
    ]
)


@dataclass
class DemoSearchProvider:
    """Searches the bundled corpus by shared words (characters, for Chinese).

    The pages' text comes with the results, so the demo needs no network;
    links point at the corpus's own, clearly fictional, example.org pages.
    """

    corpus: tuple[SearchResult, ...]
    label: str = "Demo search"

    @classmethod
    def bundled(cls) -> DemoSearchProvider:
        data = tomllib.loads(DEMO_CORPUS.read_text(encoding="utf-8"))
        pages = tuple(
            SearchResult(page["url"], page["title"], page["text"][:200], page["text"])
            for page in data["pages"]
        )
        return cls(pages)

    async def search(self, query: str, limit: int) -> list[SearchResult]:
        wanted = _terms(query)
        scored = []
        for index, page in enumerate(self.corpus):
            score = len(wanted & _terms(f"{page.title} {page.text}"))
            if score:
                scored.append((-score, index, page))
        scored.sort()
        best = -scored[0][0] if scored else 0
        # Pages that share less than half of the best page's terms are noise.
        return [page for score, _, page in scored[:limit] if -score * 2 >= best]


def _terms(text: str) -> set[str]:
    return {w.lower() for w in _WORDS.findall(text)} - _STOP_WORDS


ADAPTERS = {
    "searxng": (SearxngProvider, "SearXNG"),
    "tavily": (TavilyProvider, "Tavily"),
    "brave": (BraveProvider, "Brave Search"),
    "bocha": (BochaProvider, "Bocha"),
}


def build_provider(
    settings: SearchSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> SearchProvider:
    """The provider `[search]` names (the schema allows only known names)."""
    if settings.provider == "demo":
        return DemoSearchProvider.bundled()
    adapter, label = ADAPTERS[settings.provider]
    return adapter(settings, label, transport)
