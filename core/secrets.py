"""Keep API keys out of everything a person or a file can read.

Keys live only in the environment, `.env` or Streamlit secrets. Every text that
leaves a backend for the database, the logs or the screen goes through
`redact()` first, which removes the configured key values themselves and
anything shaped like a key (providers echo keys back in error bodies).
"""

from __future__ import annotations

import logging
import re
import threading

_known_values: set[str] = set()
_lock = threading.Lock()

# Shapes of credentials seen in provider error bodies and headers.
_KEY_PATTERNS = [
    re.compile(r"\b(?:sk|pk|rk|ak)-[A-Za-z0-9_\-]{8,}"),  # OpenAI, DeepSeek, SiliconFlow…
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9_\-.=:/+]{8,}"),
    re.compile(
        r"(?i)(api[_-]?key|access[_-]?token|secret|password)(\"?\s*[:=]\s*\"?)[^\s\"',}]{6,}"
    ),
    re.compile(r"\b[A-Za-z0-9]{32,}\b"),  # long opaque tokens (Ark, DashScope, Hunyuan)
]


def register_secret(value: str | None) -> None:
    """Remember a configured key so that its exact value is always redacted."""
    if value and len(value) >= 4:
        with _lock:
            _known_values.add(value)


def mask(value: str | None) -> str:
    """What the UI may show of a key: at most its last four characters."""
    if not value:
        return ""
    return "…" + value[-4:] if len(value) > 8 else "…"


def redact(text: str | None) -> str:
    """`text` with every key value and key-shaped token replaced."""
    if not text:
        return ""
    with _lock:
        known = sorted(_known_values, key=len, reverse=True)
    for value in known:
        text = text.replace(value, "[redacted]")
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(_replacement, text)
    return text


def _replacement(match: re.Match[str]) -> str:
    if match.re.groups >= 2:  # keep "api_key=" so the message still reads well
        return f"{match.group(1)}{match.group(2)}[redacted]"
    return "[redacted]"


_CREDENTIAL_NAMES = re.compile(r"(?i)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$")


def looks_like_credential(name: str) -> bool:
    """Whether a setting's name says it holds a credential (DEEPSEEK_API_KEY…)."""
    return bool(_CREDENTIAL_NAMES.search(name.strip()))


class RedactingFilter(logging.Filter):
    """Scrubs keys from every record a handler writes, tracebacks included.

    Defence in depth: our own code logs no keys, and neither do the openai
    and httpx loggers (tests/test_secrets_leak.py checks at DEBUG level), but
    a library's exception text may quote a request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Put a `RedactingFilter` on every handler of `logger` (default: the root)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
