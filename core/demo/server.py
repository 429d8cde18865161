"""A small OpenAI-compatible HTTP server on the loopback interface.

It serves `POST /<provider>/v1/chat/completions` (streamed or not) and
`GET /<provider>/v1/models`, answering each request with the `Reply` its
responder chooses. The offline demo providers use it so that demo models go
through exactly the path a real provider does (the openai SDK, HTTP, SSE,
error mapping); tests and benchmarks use it to inject faults at a controlled
pace. Responses use chunked transfer, so a dropped stream is a real protocol
error for the client, as it is in the field.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from core.demo.replies import (
    Comment,
    Data,
    Done,
    Drop,
    DropReply,
    ErrorReply,
    Raw,
    Reply,
    Stall,
    StreamReply,
    encode_data,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatRequest:
    provider: str  # the first path segment: one server can play several providers
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


Responder = Callable[[ChatRequest], Reply]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate small writes; with Nagle's algorithm
    # the second waits for the client's delayed ACK (~40 ms on Linux), which
    # made every error reply and first chunk 40 ms late (bench/scheduler_burst).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("demo server: " + format, *args)

    def do_GET(self) -> None:
        provider, _, rest = self.path.lstrip("/").partition("/")
        if rest.rstrip("/") == "v1/models":
            self._json(200, {"object": "list", "data": self.server.models(provider)})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        provider, _, rest = self.path.lstrip("/").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._json(400, {"error": {"message": "request body is not JSON"}})
            return
        if rest.rstrip("/") != "v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        request = ChatRequest(provider, body, {k.lower(): v for k, v in self.headers.items()})
        self.server.requests_seen += 1
        reply = self.server.responder(request)
        # The client may go away mid-answer (a cancelled answer): nothing to do then.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(reply, request)

    # ------------------------------------------------------------ replies

    def _send(self, reply: Reply, request: ChatRequest) -> None:
        if isinstance(reply, DropReply):
            time.sleep(reply.delay)
            self._drop()
            return
        if isinstance(reply, ErrorReply):
            time.sleep(reply.delay)
            body = (
                reply.body if isinstance(reply.body, dict) else {"error": {"message": reply.body}}
            )
            self._json(reply.status, body, reply.headers)
            return
        if request.stream:
            self._stream(reply)
        else:
            self._complete(reply, request)

    def _stream(self, reply: StreamReply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        for step in reply.steps:
            if isinstance(step, Stall):
                time.sleep(step.seconds)
                continue
            time.sleep(step.delay)
            if isinstance(step, Drop):
                self._drop()
                return
            self._chunk(self._bytes_of(step))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    @staticmethod
    def _bytes_of(step: Data | Comment | Raw | Done) -> bytes:
        if isinstance(step, Data):
            return encode_data(step.payload)
        if isinstance(step, Comment):
            return f": {step.text}\n\n".encode()
        if isinstance(step, Raw):
            return step.data
        return b"data: [DONE]\n\n"

    def _complete(self, reply: StreamReply, request: ChatRequest) -> None:
        """A non-streaming request: gather the stream into one completion."""
        content, reasoning, usage, finish = [], [], None, None
        for step in reply.steps:
            if isinstance(step, Data):
                if step.payload.get("usage"):
                    usage = step.payload["usage"]
                for choice in step.payload.get("choices", []):
                    delta = choice.get("delta", {})
                    content.append(delta.get("content") or "")
                    reasoning.append(delta.get("reasoning_content") or delta.get("reasoning") or "")
                    finish = choice.get("finish_reason") or finish
        message = {"role": "assistant", "content": "".join(content)}
        if any(reasoning):
            message["reasoning_content"] = "".join(reasoning)
        self._json(
            200,
            {
                "id": "chatcmpl-demo",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": request.model,
                "usage": usage,
                "choices": [{"index": 0, "message": message, "finish_reason": finish or "stop"}],
            },
        )

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _json(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], responder: Responder, models: Callable) -> None:
        super().__init__(address, _Handler)
        self.responder = responder
        self.models = models
        self.requests_seen = 0


class LocalOpenAIServer:
    """Runs a responder behind real HTTP on 127.0.0.1, on a free port."""

    def __init__(
        self,
        responder: Responder,
        *,
        models: Callable[[str], list[dict[str, Any]]] | None = None,
        port: int = 0,
    ) -> None:
        self._server = _Server(("127.0.0.1", port), responder, models or (lambda _p: []))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # a prompt stop() for tests and benchmarks
            name="local-openai-server",
            daemon=True,
        )

    def start(self) -> LocalOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def base_url(self, provider: str = "local") -> str:
        return f"http://127.0.0.1:{self.port}/{provider}/v1"

    @property
    def requests_seen(self) -> int:
        return self._server.requests_seen

    def __enter__(self) -> LocalOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
