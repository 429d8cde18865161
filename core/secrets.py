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


def install_log_redaction() -> None:
    """Scrub keys from every log record the process makes, tracebacks included.

    Defence in depth: our own code logs no keys, and neither do the openai
    and httpx loggers (not even at DEBUG: tests/test_secrets_leak.py), but an
    exception's text may quote a provider's error body, which may quote the
    key. The record factory runs for every logger and every handler, so no
    handler can be forgotten. Installing twice is harmless.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts", False):
        return

    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError, IndexError):
            return record  # a malformed call: logging reports it when the record is written
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    make_record.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
