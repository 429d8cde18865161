"""A local fake of the web for search tests: a SearXNG JSON API and pages,
served over real HTTP on 127.0.0.1 by a thread the test starts.

`routes` maps a path to a function of the request returning
(status, headers, body chunks); a chunk may be a float, meaning "pause that
many seconds" (a slow page). Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx

Chunk = bytes | float
Handler = Callable[["Seen"], tuple[int, dict[str, str], Iterable[Chunk]]]


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class FakeWeb:
    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def start(self) -> None:
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Seen(parts.path, parse_qs(parts.query), dict(self.headers), body)
                web.seen.append(request)
                route = web.routes.get(parts.path)
                if route is None:
                    status, headers, body = 404, {}, [b"not found"]
                else:
                    status, headers, body = route(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for chunk in body:
                        if isinstance(chunk, float):
                            time.sleep(chunk)
                            continue
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what a size or time cap does

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    # ------------------------------------------------------------ helpers

    def page(self, path: str, html: str, *, content_type: str = "text/html; charset=utf-8"):
        self.routes[path] = lambda _r: (200, {"Content-Type": content_type}, [html.encode()])

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = lambda _r: (status, {"Location": location}, [b""])

    def searxng(self, results: list[dict]) -> None:
        body = json.dumps({"query": "", "results": results}).encode()
        self.routes["/search"] = lambda _r: (200, {"Content-Type": "application/json"}, [body])


def article(title: str, text: str) -> str:
    return (
        f"<html><head><title>{title}</title><script>track()</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        f"<main><h1>{title}</h1><p>{text}</p></main>"
        "<footer>Copyright footer text</footer></body></html>"
    )


# An address that passes the public-address check; `PublicNat` delivers its
# connections to the fake web on 127.0.0.1, as a router would.
PUBLIC_IP = "93.184.216.34"


class PublicNat(httpx.AsyncBaseTransport):
    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.AsyncHTTPTransport()
        self.connected: list[str] = []  # hosts the fetcher connected to

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.connected.append(request.url.host)
        if request.url.host == PUBLIC_IP:
            request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
