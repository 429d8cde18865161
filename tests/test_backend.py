"""Streaming through the real openai SDK from a real local HTTP server."""

import asyncio
import threading

import pytest

from core.backend import CallSpec, ClientPool, stream_route
from core.demo.replies import (
    ChunkFactory,
    Comment,
    Data,
    Done,
    Drop,
    ErrorReply,
    Raw,
    StreamReply,
    error_body,
    text_stream,
)
from core.errors import AuthFailed, Overloaded, RateLimited, StreamInterrupted
from core.events import Answer, Finished, Reasoning, Usage
from tests.conftest import local_catalog


def collect(server, reply, **catalog_options):
    server.push(reply)
    catalog = local_catalog(server, **catalog_options)
    model = catalog.models["m"]
    route = model.routes[0]
    spec = CallSpec(catalog.providers[route.provider], route, [{"role": "user", "content": "hi"}])

    async def run():
        return [event async for event in stream_route(ClientPool(), spec)]

    return asyncio.run(run())


def texts(events):
    reasoning = "".join(e.text for e in events if isinstance(e, Reasoning))
    answer = "".join(e.text for e in events if isinstance(e, Answer))
    return reasoning, answer


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_fields_of_every_provider_family(server, field):
    reply = StreamReply(
        text_stream(
            "r1",
            reasoning=["Let", " me think"],
            answer=["Four", "."],
            reasoning_field=field,
            usage=(9, 7, 4),
        )
    )
    events = collect(server, reply)
    assert texts(events) == ("Let me think", "Four.")
    assert Usage(9, 7, 4) in events
    assert events[-1] == Finished("stop")


def test_inline_think_tags_split_over_chunks(server):
    reply = StreamReply(text_stream("r1", answer=["<thi", "nk>pon", "der</th", "ink>\n\nYes"]))
    assert texts(collect(server, reply)) == ("ponder", "Yes")


def test_keep_alive_comments_are_ignored(server):
    chunks = ChunkFactory("r1")
    steps = [
        Comment(),
        Comment(),
        Data(chunks.chunk({"content": "ok"})),
        Data(chunks.chunk({}, "stop")),
        Done(),
    ]
    events = collect(server, StreamReply(steps))
    assert texts(events) == ("", "ok")


def test_stream_without_finish_reason_is_not_complete(server):
    reply = StreamReply(text_stream("r1", answer=["half an ans"], finish_reason=None, done=False))
    with pytest.raises(StreamInterrupted):
        collect(server, reply)


def test_error_event_inside_a_200_stream(server):
    chunks = ChunkFactory("r1")
    steps = [
        Data(chunks.chunk({"content": "partial"})),
        Data({"error": {"message": "Provider overloaded", "code": 502}}),
    ]
    with pytest.raises(Overloaded):
        collect(server, StreamReply(steps))


def test_malformed_chunk_is_an_interruption(server):
    chunks = ChunkFactory("r1")
    steps = [Data(chunks.chunk({"content": "partial"})), Raw(b"data: {not json\n\n"), Done()]
    with pytest.raises(StreamInterrupted, match="malformed"):
        collect(server, StreamReply(steps))


def test_dropped_connection_mid_stream(server):
    chunks = ChunkFactory("r1")
    steps = [Data(chunks.chunk({"content": "partial"})), Drop()]
    with pytest.raises(Exception) as caught:
        collect(server, StreamReply(steps))
    assert caught.value.kind == "connection"


def test_http_errors_are_classified_with_retry_after(server):
    reply = ErrorReply(429, error_body("slow down"), {"Retry-After": "3"})
    with pytest.raises(RateLimited) as caught:
        collect(server, reply)
    assert caught.value.retry_after == 3.0
    assert caught.value.provider == "Cloud 1"


def test_bad_key_is_not_called_busy(server):
    with pytest.raises(AuthFailed):
        collect(server, ErrorReply(401, error_body("Authentication Fails, server busy?")))


def test_reasoning_is_never_sent_back_and_extra_body_is(server):
    reply = StreamReply(text_stream("r1", answer=["x"]))
    server.push(reply)
    catalog = local_catalog(server)
    route = catalog.models["m"].routes[0]
    history = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"},
        {"role": "user", "content": "q2"},
    ]
    spec = CallSpec(
        catalog.providers["p1"], route, history, extra_body={"thinking": {"type": "enabled"}}
    )

    async def run():
        return [e async for e in stream_route(ClientPool(), spec)]

    asyncio.run(run())
    sent = server.requests[-1].body
    assert sent["messages"] == history
    assert all("reasoning_content" not in m for m in sent["messages"])
    assert sent["thinking"] == {"type": "enabled"}
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_a_providers_client_is_built_off_the_event_loop_once(server, monkeypatch):
    """Building a client takes ~0.3 s (imports, TLS certificates): done on the
    loop it would stall every other answer streaming there."""
    import openai

    built_on: list[int] = []
    real = openai.AsyncOpenAI

    def spy(*args, **kwargs):
        built_on.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(openai, "AsyncOpenAI", spy)
    provider = local_catalog(server).providers["p1"]
    pool = ClientPool()

    async def run():
        clients = await asyncio.gather(*(pool.get(provider) for _ in range(3)))
        return clients, threading.get_ident()

    clients, loop_thread = asyncio.run(run())
    assert clients[0] is clients[1] is clients[2] is pool.client(provider)
    assert built_on and loop_thread not in built_on
