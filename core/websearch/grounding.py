"""Grounding an answer in the web: query, search, read, fit, prompt.

`WebGrounding.ground()` runs in the worker, before the model is called:

1. the query is made from the user's questions (core/websearch/query.py: a
   follow-up such as "and in 2024?" is searched with the question it follows);
2. the provider is asked, with retries that honour Retry-After (fake time in
   tests); if search stays unavailable, the answer goes ahead without it and
   says so;
3. the top pages are fetched by the rules of core/websearch/fetch.py, in
   parallel, and their main text extracted; a page that fails is skipped and
   the reason kept;
4. the pages' text is cut to fit the tokens left in the model's context;
5. the question is sent inside DeepSeek's published search template: sources
   numbered `[webpage X begin]…[webpage X end]`, the current date, answers
   citing `[citation:X]`. The template tells the model that the pages are
   quoted data, not instructions, and a page cannot close its own block.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.catalog import SearchSettings
from core.clock import Clock
from core.errors import AppError, BusyError, Stalled
from core.events import Event, Phase, Status, WebSearchDone
from core.resilience.backoff import backoff_delay
from core.tokens import count_text, truncate_to_tokens
from core.websearch.extract import extract
from core.websearch.fetch import FetchRules, PageFetcher, PageRefused
from core.websearch.providers import SearchProvider
from core.websearch.results import SearchResult, Skipped, Source, WebSources
from core.websearch.shared import SharedSearch

log = logging.getLogger(__name__)

MIN_PAGE_TOKENS = 200  # fewer tokens than this per page is not worth sending
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_BLOCK_MARKER = re.compile(r"\[(/?)webpage", re.IGNORECASE)
_WEEKDAYS_ZH = "一二三四五六日"

Emit = Callable[[Event], None]
FetcherFactory = Callable[[FetchRules], PageFetcher]


@dataclass(frozen=True)
class SearchAsk:
    """What the chat asks of web search for one answer."""

    query: str
    budget_tokens: int  # tokens the sources may take in the prompt
    # Set when several answers share one search (the arena's sides): see shared.py.
    shared: SharedSearch | None = None


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


class WebGrounding:
    """Searches and reads for answers; one per worker (its settings and provider)."""

    def __init__(
        self,
        settings: SearchSettings,
        provider: SearchProvider,
        clock: Clock,
        *,
        fetcher: FetcherFactory = PageFetcher,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.provider = provider
        self.clock = clock
        self.fetcher = fetcher
        self.rng = rng or random.Random()

    async def ground(
        self, ask: SearchAsk, messages: list[dict[str, str]], emit: Emit
    ) -> list[dict[str, str]]:
        """The messages to send, the last question wrapped in the search template.

        Emits Status(SEARCHING), Status(READING) and finally WebSearchDone with
        what was used; returns the messages unchanged when search is down.
        """
        emit(Status(Phase.SEARCHING, provider=self.provider.label, detail=ask.query))
        if ask.shared is None:
            found = await self._search_and_read(ask.query, emit)
            budget = ask.budget_tokens
        else:  # one search for every side; each shows its own progress
            found = await ask.shared.once(
                lambda to_all: self._search_and_read(ask.query, to_all), emit
            )
            budget = await ask.shared.budget(ask.budget_tokens)
        if isinstance(found, AppError):
            emit(WebSearchDone(WebSources(ask.query, unavailable=found.kind)))
            return messages
        pages = found
        question = messages[-1]["content"]
        used, skipped, blocks = self._fit(pages, budget)
        emit(WebSearchDone(WebSources(ask.query, tuple(used), tuple(skipped))))
        if not used:
            return messages
        prompt = search_prompt("\n".join(blocks), question, self.clock.wall())
        return [*messages[:-1], {"role": messages[-1]["role"], "content": prompt}]

    async def _search_and_read(
        self, query: str, emit: Emit
    ) -> list[tuple[SearchResult, str, str]] | AppError:
        """The pages read for `query`, or why search is unavailable."""
        try:
            results = await self._search(query, emit)
        except AppError as failure:
            return failure
        to_read = results[: self.settings.pages_to_read]
        emit(Status(Phase.READING, provider=self.provider.label, extra={"pages": len(to_read)}))
        return await self._read(to_read)

    # ------------------------------------------------------------ search

    async def _search(self, query: str, emit: Emit) -> list[SearchResult]:
        attempts = self.settings.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                async with asyncio.timeout(self.settings.search_timeout_s or None):
                    return await self.provider.search(query, self.settings.max_results)
            except TimeoutError:
                failure: BusyError = Stalled("search timed out", provider=self.provider.label)
            except BusyError as busy:
                failure = busy
            if attempt == attempts:
                raise failure
            delay = backoff_delay(
                attempt, base=1.0, cap=10.0, retry_after=failure.retry_after, rng=self.rng
            )
            if delay > self.settings.max_wait_s:
                raise failure  # answering without search beats a long wait
            emit(
                Status(
                    Phase.RETRYING,
                    provider=self.provider.label,
                    detail=failure.kind,
                    attempt=attempt + 1,
                    max_attempts=attempts,
                    until=self.clock.wall() + delay,
                )
            )
            await self.clock.sleep(delay)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ read

    async def _read(self, results: list[SearchResult]) -> list[tuple[SearchResult, str, str]]:
        """(result, text, '') for each page read, or (result, '', reason) when skipped."""
        rules = FetchRules(
            allow_private=self.settings.allow_private_urls,
            max_bytes=self.settings.page_max_bytes,
            timeout_s=self.settings.page_timeout_s,
            max_redirects=self.settings.max_redirects,
        )
        async with self.fetcher(rules) as fetcher:
            return list(await asyncio.gather(*(self._page(fetcher, r) for r in results)))

    async def _page(
        self, fetcher: PageFetcher, result: SearchResult
    ) -> tuple[SearchResult, str, str]:
        if result.text:  # the provider sent the page's text (the offline demo)
            return result, result.text.strip(), ""
        try:
            page = await fetcher.fetch(result.url)
        except PageRefused as refused:
            return result, "", refused.reason
        try:
            extracted = await asyncio.to_thread(extract, page.body, page.content_type)
        except Exception:  # a page the parser chokes on is skipped, not fatal
            log.exception("could not extract %s", result.url)
            return result, "", "empty"
        if not extracted.text:
            return result, "", "empty"
        title = result.title or extracted.title
        marker = "cut" if page.cut else ""
        return SearchResult(result.url, title, result.snippet), extracted.text, marker

    # ------------------------------------------------------------ fit

    def _fit(
        self, pages: list[tuple[SearchResult, str, str]], budget: int
    ) -> tuple[list[Source], list[Skipped], list[str]]:
        """Numbered sources in the provider's order, each cut to an equal share
        of the budget (a short page leaves its unused share to the next ones)."""
        budget = min(budget, self.settings.max_context_tokens)
        readable = [(r, text, note) for r, text, note in pages if text]
        skipped = [Skipped(r.url, note) for r, text, note in pages if not text]
        used: list[Source] = []
        blocks: list[str] = []
        left = budget - count_text(SEARCH_TEMPLATE_EN)
        for index, (result, text, note) in enumerate(readable):
            share = left // (len(readable) - index)
            if share < MIN_PAGE_TOKENS:
                skipped.append(Skipped(result.url, "no_room"))
                continue
            number = len(used) + 1
            head = f"[webpage {number} begin]\nTitle: {_inert(result.title)}\nURL: {result.url}\n"
            # Characters first (no token is shorter than one), so a 2 MB page is
            # not tokenized whole to keep a few thousand tokens of it.
            room = share - count_text(head) - 8
            body, cut = truncate_to_tokens(_inert(text[: room * 8]), room)
            cut = cut or len(text) > room * 8
            block = f"{head}{body}\n[webpage {number} end]"
            left -= count_text(block)
            used.append(Source.of(number, result, cut=cut or note == "cut"))
            blocks.append(block)
        return used, skipped, blocks


def _inert(text: str) -> str:
    """Page text that cannot open or close a [webpage] block of its own."""
    return _BLOCK_MARKER.sub(lambda m: f"({m.group(1)}webpage", text)


def today(wall: float, chinese: bool) -> str:
    day = dt.datetime.fromtimestamp(wall, dt.UTC)
    if chinese:
        return f"{day.year}年{day.month}月{day.day}日，星期{_WEEKDAYS_ZH[day.weekday()]}"
    return day.strftime("%A, %B %d, %Y").replace(" 0", " ")


def search_prompt(results: str, question: str, wall: float) -> str:
    """DeepSeek's search template (English or Chinese, after the question's language)."""
    chinese = is_chinese(question)
    template = SEARCH_TEMPLATE_ZH if chinese else SEARCH_TEMPLATE_EN
    return template.format(search_results=results, cur_date=today(wall, chinese), question=question)


_TEMPLATES = tomllib.loads(
    Path(__file__).with_name("search_templates.toml").read_text(encoding="utf-8")
)
SEARCH_TEMPLATE_EN: str = _TEMPLATES["en"]
SEARCH_TEMPLATE_ZH: str = _TEMPLATES["zh"]


def grounding_for(settings: SearchSettings, clock: Clock) -> WebGrounding:
    """The worker's web search, from the catalog's [search] table."""
    from core.websearch.providers import build_provider

    return WebGrounding(settings, build_provider(settings), clock)
