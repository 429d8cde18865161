"""The offline demo: OpenAI-compatible providers served from inside the app.

`ensure_demo_server()` starts one local server per process on a free
loopback port; demo providers in the catalog point at it. Each demo provider
(its id is the first URL path segment) has its own fault switches.
"""

from __future__ import annotations

import os
import random
import re
import threading

from core.demo.content import DemoReply, acknowledgement, write_reply
from core.demo.faults import faults_for
from core.demo.replies import (
    DropReply,
    ErrorReply,
    Reply,
    StreamReply,
    error_body,
    text_stream,
)
from core.demo.server import ChatRequest, LocalOpenAIServer
from core.tokens import count_text

VISION_MODELS = {"demo-eye"}
DEMO_MODELS = {"demo-thinker": True, "demo-swift": False, "demo-eye": False}  # name -> thinks

# A token is about four characters in English, one character in Chinese.
_PIECES = re.compile(r"\s*[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]|\s*[^\s\u3400-\u9fff]{1,6}|\s+")

_lock = threading.Lock()
_server: LocalOpenAIServer | None = None


def demo_speed() -> float:
    """DEMO_SPEED multiplies the demo pace (tests and screenshots run faster)."""
    try:
        return max(0.01, float(os.environ.get("DEMO_SPEED", "1")))
    except ValueError:
        return 1.0


def pieces(text: str) -> list[str]:
    return _PIECES.findall(text)


def demo_responder(request: ChatRequest) -> Reply:
    faults = faults_for(request.provider)
    if faults.down:
        return DropReply()
    if faults.busy_rate and random.random() < faults.busy_rate:
        message = "Server busy, please try again later. 服务器繁忙，请稍后再试。"
        if faults.retry_after:
            headers = {"Retry-After": f"{faults.retry_after:g}"}
            return ErrorReply(429, error_body(message, "rate_limit_exceeded"), headers, delay=0.2)
        return ErrorReply(503, error_body(message, "server_overloaded"), delay=0.3)
    if request.model not in DEMO_MODELS:
        return ErrorReply(
            404, error_body(f"Model {request.model} does not exist", "invalid_request_error")
        )
    thinking = _wants_thinking(request)
    reply = write_reply(request.messages, thinking=thinking)
    if request.model in VISION_MODELS and acknowledgement(request.messages):
        # A demo cannot see: it says what it was sent, briefly, so describing
        # an image for a text-only demo model takes a moment, not a long answer.
        reply = DemoReply("", acknowledgement(request.messages).strip())
    speed = faults.speed * demo_speed()
    prompt = sum(count_text(str(m.get("content", ""))) + 4 for m in request.messages) + 3
    reasoning_tokens = count_text(reply.reasoning)
    answer_tokens = count_text(reply.answer)
    steps = text_stream(
        request.model,
        reasoning=pieces(reply.reasoning),
        answer=pieces(reply.answer),
        delay=1 / (40 * speed),  # about 40 tokens a second, like a busy R1
        first_delay=0.7 / speed,
        usage=(prompt, reasoning_tokens + answer_tokens, reasoning_tokens),
    )
    return StreamReply(steps)


def _wants_thinking(request: ChatRequest) -> bool:
    thinking = request.body.get("thinking")
    if isinstance(thinking, dict) and "type" in thinking:
        return thinking["type"] == "enabled"
    return DEMO_MODELS.get(request.model, False)


def _demo_models(_provider: str) -> list[dict]:
    return [{"id": name, "object": "model", "owned_by": "demo"} for name in DEMO_MODELS]


def ensure_demo_server() -> LocalOpenAIServer:
    """The process's demo server, started on first use."""
    global _server
    with _lock:
        if _server is None:
            _server = LocalOpenAIServer(demo_responder, models=_demo_models).start()
        return _server
