"""What a search found and what was read: plain values, stored with the answer.

A `SearchResult` is one hit from a provider. A `WebSources` record is what an
answer keeps: the query, the numbered sources the model was given (title,
site, link), the pages skipped and why, and whether search was unavailable.
It is stored as JSON on the message, exported with it, and shown again when
the conversation is reopened: nothing is fetched twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class SearchResult:
    """One hit: its link, title and snippet; `text` when the provider already
    returns the page's text (the offline demo, Tavily's raw content)."""

    url: str
    title: str
    snippet: str = ""
    text: str = ""


@dataclass(frozen=True)
class Source:
    """A page given to the model as `[webpage n]`; the answer cites it as [citation:n]."""

    number: int
    url: str
    title: str
    site: str
    cut: bool = False  # only part of the page was read (size or time cap)

    @classmethod
    def of(cls, number: int, result: SearchResult, *, cut: bool = False) -> Source:
        return cls(
            number, result.url, result.title or site_of(result.url), site_of(result.url), cut
        )


@dataclass(frozen=True)
class Skipped:
    """A page that could not be read; `reason` is a translation key (websearch.skip.*)."""

    url: str
    reason: str


@dataclass(frozen=True)
class WebSources:
    query: str
    sources: tuple[Source, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    unavailable: str | None = None  # error kind when search was down: answered without it

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> WebSources | None:
        """The stored record, or None (no search, or a value this version cannot read)."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return cls(
                query=str(data.get("query", "")),
                sources=tuple(Source(**item) for item in data.get("sources", ())),
                skipped=tuple(Skipped(**item) for item in data.get("skipped", ())),
                unavailable=data.get("unavailable"),
            )
        except (ValueError, TypeError, AttributeError):
            return None

    def url_of(self, number: int) -> str | None:
        for source in self.sources:
            if source.number == number:
                return source.url
        return None


def site_of(url: str) -> str:
    """The host a person recognises ("www.example.org" -> "example.org")."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
