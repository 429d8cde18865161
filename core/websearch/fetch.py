"""Fetching a page on a user's behalf, safely.

The rules (docs/web-search.md, "Fetching"):

* http and https only; user names and passwords in a URL are dropped.
* The host is resolved first, and every address it resolves to must be
  public (core/websearch/addresses.py) unless `allow_private_urls` is set.
* The connection goes to the address that was checked, not to the name
  again: the URL is rewritten to the IP, with the Host header and the TLS
  server name (SNI, and so certificate checking) kept as the name. A DNS
  answer that changes between check and connect (DNS rebinding) cannot
  move the request elsewhere.
* Redirects are followed here, at most `max_redirects`, each one checked
  like the first URL.
* No proxy from the environment (it would connect to names, not to the
  checked address).
* At most `max_bytes` of a page are read and at most `timeout_s` spent on
  it (redirects included): a page over either limit is cut, and what
  arrived is used; a page with nothing readable is skipped with a reason.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx2 as httpx

from core.websearch.addresses import IPAddress, is_public

USER_AGENT = "Mozilla/5.0 (compatible; DuetBot/1.0; web search for the Duet chat app)"
READABLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
REDIRECTS = (301, 302, 303, 307, 308)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)

Resolver = Callable[[str, int], Awaitable[list[str]]]


class PageRefused(Exception):
    """A page that is not read; `reason` is a key of websearch.skip.* in the locales."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class FetchRules:
    allow_private: bool = False
    max_bytes: int = 2 * 1024 * 1024
    timeout_s: float = 8.0
    max_redirects: int = 5


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    body: str
    content_type: str
    cut: bool  # the size or time cap stopped the reading


@dataclass
class _Reading:
    """What has arrived of the current page, kept across a timeout."""

    url: str
    content_type: str = ""
    charset: str | None = None
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


class PageFetcher:
    """Fetches pages by the rules; use as `async with PageFetcher(rules) as fetcher`."""

    def __init__(
        self,
        rules: FetchRules,
        *,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.rules = rules
        self._resolve_name = resolver
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(rules.timeout_s),
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9"},
            transport=transport,
        )

    async def __aenter__(self) -> PageFetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._client.aclose()

    async def fetch(self, url: str) -> Page:
        """The page at `url`; `PageRefused` with the reason when it is not read."""
        reading = _Reading(url)
        try:
            async with asyncio.timeout(self.rules.timeout_s):
                await self._follow(reading)
        except TimeoutError:
            if not reading.size:
                raise PageRefused("timeout", url) from None
            return self._page(reading, cut=True)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, UnicodeError) as error:
            # A broken connection, or a URL or header httpx cannot use: skipped.
            if not reading.size:
                raise PageRefused("connection", f"{type(error).__name__}") from None
            return self._page(reading, cut=True)
        return self._page(reading, cut=reading.size >= self.rules.max_bytes)

    async def _follow(self, reading: _Reading) -> None:
        for _hop in range(self.rules.max_redirects + 1):
            target, headers, extensions = await self._pinned(reading.url)
            async with self._client.stream(
                "GET", target, headers=headers, extensions=extensions
            ) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    reading.url = urljoin(reading.url, location)
                    continue
                if response.status_code >= 400:
                    raise PageRefused("status", str(response.status_code))
                content_type = response.headers.get("content-type", "")
                reading.content_type = content_type.split(";")[0].strip().lower()
                if reading.content_type not in READABLE_TYPES:
                    raise PageRefused("type", reading.content_type)
                reading.charset = response.charset_encoding
                await self._read(response, reading)
                return
        raise PageRefused("redirects", str(self.rules.max_redirects))

    async def _read(self, response: httpx.Response, reading: _Reading) -> None:
        async for chunk in response.aiter_bytes():
            room = self.rules.max_bytes - reading.size
            reading.chunks.append(chunk[:room])
            reading.size += min(len(chunk), room)
            if reading.size >= self.rules.max_bytes:
                return  # the rest is never downloaded: the stream is closed here

    async def _pinned(self, url: str) -> tuple[str, dict[str, str], dict[str, str]]:
        """The request for `url` aimed at a checked address of its host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise PageRefused("scheme", parts.scheme)
        host = parts.hostname
        if not host:
            raise PageRefused("scheme", "no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise PageRefused("scheme", "bad port") from None
        address = await self._checked_address(host, port)
        literal = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
        default_port = (parts.scheme == "https" and port == 443) or port == 80
        netloc = literal if default_port else f"{literal}:{port}"
        host_header = host if default_port else f"{host}:{port}"
        if ":" in host:
            host_header = f"[{host}]" if default_port else f"[{host}]:{port}"
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return target, {"Host": host_header}, extensions

    async def _checked_address(self, host: str, port: int) -> IPAddress:
        try:
            return self._allowed([ipaddress.ip_address(host)], host)
        except ValueError:
            pass  # a name, not an address literal
        try:
            found = await self._resolve_name(host, port)
        except (OSError, UnicodeError) as error:
            raise PageRefused("dns", host) from error
        addresses = []
        for raw in found:
            try:
                addresses.append(ipaddress.ip_address(raw.split("%")[0]))
            except ValueError:
                continue
        if not addresses:
            raise PageRefused("dns", host)
        return self._allowed(addresses, host)

    def _allowed(self, addresses: list[IPAddress], host: str) -> IPAddress:
        """The first address, when every one is allowed: a name that resolves to a
        public and a private address at once is refused."""
        if not self.rules.allow_private and not all(is_public(a) for a in addresses):
            raise PageRefused("private", host)
        return addresses[0]

    @staticmethod
    def _page(reading: _Reading, *, cut: bool) -> Page:
        raw = b"".join(reading.chunks)
        return Page(reading.url, decode(raw, reading.charset), reading.content_type, cut)


def decode(raw: bytes, charset: str | None) -> str:
    """Bytes as text: the header's charset, else a <meta charset>, else UTF-8."""
    if not charset:
        found = _META_CHARSET.search(raw[:4096])
        charset = found.group(1).decode("ascii") if found else "utf-8"
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")
