"""One streaming call to one OpenAI-compatible route, as typed events.

Every provider (DeepSeek, Hunyuan, SiliconFlow, DashScope, Ark, OpenRouter,
OpenAI, Ollama, vLLM, and the offline demo) goes through this one function
and the official openai SDK. Errors leave as the app's own (`core.errors`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.catalog import Provider, Route
from core.demo import ensure_demo_server
from core.errors import StreamInterrupted, classify
from core.events import Event, Finished, Usage
from core.reasoning import ReasoningNormalizer, reasoning_field
from core.text import clean_text

if TYPE_CHECKING:
    import openai

# Keys for servers that need none still have to be non-empty for the SDK.
NO_KEY = "not-needed"


@dataclass(frozen=True)
class CallSpec:
    """Everything one request to one route needs."""

    provider: Provider
    route: Route
    messages: list[dict[str, str]]
    max_tokens: int | None = None
    temperature: float | None = None
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    # The model thinks: leading content without <think> is provisional reasoning.
    expects_reasoning: bool = False


def base_url_of(provider: Provider) -> str:
    if provider.is_demo:
        return ensure_demo_server().base_url(provider.id)
    return provider.base_url


class ClientPool:
    """One AsyncOpenAI client per provider, key and event loop.

    The SDK's own retries are off: the app's retry loop (core.generation)
    retries, fails over and shows a countdown; stacking both would multiply
    the waiting. The read timeout is the stall limit: keep-alive comments
    reset it, total silence trips it; time to first token and the total
    deadline are enforced by the caller.
    """

    def __init__(self) -> None:
        self._clients: dict[tuple, openai.AsyncOpenAI] = {}
        self._lock = threading.Lock()

    async def get(self, provider: Provider) -> openai.AsyncOpenAI:
        """The provider's client, built off the event loop the first time.

        Building one imports the HTTP stack and loads TLS certificates: about
        0.3 s that would otherwise stall every answer streaming on the loop.
        """
        with self._lock:
            client = self._clients.get(self._key(provider))
        if client is not None:
            return client
        return await asyncio.to_thread(self.client, provider)

    def client(self, provider: Provider) -> openai.AsyncOpenAI:
        import openai  # ~0.5 s: imported with the first client (off the loop), not at start-up

        cache_key = self._key(provider)
        _, base_url, key = cache_key
        with self._lock:
            client = self._clients.get(cache_key)
            if client is None:
                client = openai.AsyncOpenAI(
                    api_key=key,
                    base_url=base_url,
                    max_retries=0,
                    timeout=openai.Timeout(
                        connect=10.0, read=provider.stall_timeout, write=30.0, pool=30.0
                    ),
                    default_headers=dict(provider.headers) or None,
                )
                client.chat.completions  # noqa: B018 - imports its modules here, not on the loop
                self._clients[cache_key] = client
            return client

    @staticmethod
    def _key(provider: Provider) -> tuple[str, str, str]:
        return (provider.id, base_url_of(provider), provider.api_key() or NO_KEY)


async def stream_route(pool: ClientPool, spec: CallSpec) -> AsyncIterator[Event]:
    """Yield `Reasoning`, `Answer`, `Usage` and a final `Finished` event.

    Raises an `AppError`: busy or permanent errors as classified, and
    `StreamInterrupted` for a stream that ends with no finish reason.
    """
    provider = spec.provider
    where = {"provider": provider.label, "key_env": provider.api_key_env}
    kwargs: dict[str, Any] = {
        "model": spec.route.model,
        "messages": spec.messages,
        "stream": True,
    }
    if provider.stream_usage:
        kwargs["stream_options"] = {"include_usage": True}
    if spec.max_tokens:
        kwargs["max_tokens"] = spec.max_tokens
    if spec.temperature is not None:
        kwargs["temperature"] = spec.temperature
    if spec.extra_body:
        kwargs["extra_body"] = dict(spec.extra_body)
    try:
        client = await pool.get(provider)
        stream = await client.chat.completions.create(**kwargs)
    except Exception as exc:
        raise classify(exc, **where) from exc
    normalizer = ReasoningNormalizer(expects_reasoning=spec.expects_reasoning)
    finish_reason = None
    try:
        async for chunk in stream:
            if chunk.usage is not None:
                yield _usage_of(chunk.usage)
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            delta = choice.delta
            if delta is not None:
                # A JSON "\ud800" escape decodes to a lone surrogate, which
                # neither the database nor the page can carry: clean it here.
                reasoning, content = (
                    clean_text(reasoning_field(delta)),
                    clean_text(delta.content or ""),
                )
                for event in normalizer.feed(reasoning, content):
                    yield event
            if choice.finish_reason:
                finish_reason = choice.finish_reason
    except Exception as exc:
        raise classify(exc, **where) from exc
    finally:
        await stream.close()
    for event in normalizer.finish():
        yield event
    if finish_reason is None:
        raise StreamInterrupted("the stream ended without a finish reason", **where)
    yield Finished(finish_reason)


def _usage_of(usage: Any) -> Usage:
    details = getattr(usage, "completion_tokens_details", None)
    reasoning = getattr(details, "reasoning_tokens", None) if details is not None else None
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        reasoning_tokens=reasoning,
    )
