"""What a local OpenAI-compatible server sends back: replies built of steps.

A reply is either an HTTP error, a dropped connection, or a stream of SSE
steps, each sent after its own delay. The demo models and the tests' fault
injection both describe their behaviour with these, so the SDK meets real
HTTP, real chunked transfer and real `data:` lines either way.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorReply:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class DropReply:
    """Close the connection without answering (a server that is down)."""

    delay: float = 0.0


@dataclass(frozen=True)
class Data:
    """One `data: {...}` event."""

    payload: dict[str, Any]
    delay: float = 0.0


@dataclass(frozen=True)
class Comment:
    """An SSE comment line such as `: keep-alive` (ignored by clients)."""

    text: str = "keep-alive"
    delay: float = 0.0


@dataclass(frozen=True)
class Raw:
    """Bytes sent as they are (a malformed chunk, say)."""

    data: bytes
    delay: float = 0.0


@dataclass(frozen=True)
class Done:
    delay: float = 0.0


@dataclass(frozen=True)
class Drop:
    """Cut the connection mid-stream, without the chunked-encoding terminator."""

    delay: float = 0.0


@dataclass(frozen=True)
class Stall:
    """Send nothing at all for `seconds` (not even a keep-alive)."""

    seconds: float


Step = Data | Comment | Raw | Done | Drop | Stall


@dataclass(frozen=True)
class StreamReply:
    steps: Iterable[Step]
    headers: dict[str, str] = field(default_factory=dict)


Reply = ErrorReply | DropReply | StreamReply


class ChunkFactory:
    """Builds `chat.completion.chunk` payloads in the shape providers send."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    def usage(self, prompt: int, completion: int, reasoning: int | None = None) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        if reasoning is not None:
            usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [],
            "usage": usage,
        }


def text_stream(
    model: str,
    *,
    reasoning: Iterable[str] = (),
    answer: Iterable[str] = (),
    reasoning_field: str = "reasoning_content",
    delay: float = 0.0,
    first_delay: float = 0.0,
    usage: tuple[int, int, int | None] | None = None,
    finish_reason: str | None = "stop",
    done: bool = True,
) -> Iterator[Step]:
    """The steps of an ordinary streamed answer.

    `reasoning` pieces go in `reasoning_field` (use "reasoning" for the
    OpenRouter/Ollama convention, or put `<think>` tags in `answer` for the
    inline convention). `finish_reason=None` and `done=False` make a stream
    that simply ends, as a truncated one does.
    """
    chunks = ChunkFactory(model)
    pending_delay = first_delay
    first = True
    for piece in reasoning:
        delta = {"content": None, reasoning_field: piece}
        if first:
            delta["role"] = "assistant"
            first = False
        yield Data(chunks.chunk(delta), delay=pending_delay or delay)
        pending_delay = 0.0
    for piece in answer:
        delta = {"content": piece}
        if first:
            delta["role"] = "assistant"
            first = False
        yield Data(chunks.chunk(delta), delay=pending_delay or delay)
        pending_delay = 0.0
    if finish_reason is not None:
        yield Data(chunks.chunk({"content": ""}, finish_reason))
    if usage is not None:
        yield Data(chunks.usage(*usage))
    if done:
        yield Done()


def error_body(message: str, kind: str = "server_error", code: str | int | None = None) -> dict:
    body: dict[str, Any] = {"error": {"message": message, "type": kind}}
    if code is not None:
        body["error"]["code"] = code
    return body


def encode_data(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"
