r"""Keep API keys out of everything a person or a file can read.

Keys live only in the environment, `.env` or Streamlit secrets. Every text that
leaves a backend for the database, the logs or the screen goes through
`redact()` first, which removes the configured key values themselves and
anything shaped like a key (providers echo keys back in error bodies).

A key's value is matched in every form it was seen to come back in: as is,
without its `sk-`-style prefix, upper- or lower-cased, percent-encoded (a
query string in an error URL), JSON-escaped (`\u0041`, `\/`), as HTML
entities, and with zero-width or other invisible characters between its
characters (plain, JSON-escaped or percent-encoded). Patterns alone missed
all of these. Answers are scrubbed of the values only (`scrub_known`):
shapes would mangle hashes and ids in code a model writes.
"""

from __future__ import annotations

import logging
import os
import re
import threading

_known_values: set[str] = set()
# Longest value first. Replaced whole, never changed in place, so readers
# (every log record: install_log_redaction) take no lock: a record made while
# a writer holds it, e.g. by a finalizer the garbage collector runs during
# register_secret's regex compiling, would otherwise wait for itself forever.
_known_patterns: tuple[re.Pattern[str], ...] = ()
_lock = threading.Lock()  # one writer at a time

# Shorter values are not real keys (`true`, a port), and scrubbing them, in any
# case, from answers would wreck ordinary text.
_MIN_SECRET = 8
# The shortest tail of a key worth matching on its own: shorter remainders of
# a prefix-stripped key could match ordinary words.
_MIN_CORE = 12
_PREFIX_SEGMENT = re.compile(r"^[A-Za-z]{2,8}[-_]")

# Characters that render as nothing: a key split by them still reads (and
# pastes) as the key. Matched as themselves, JSON-escaped and percent-encoded.
_INVISIBLE = "\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
_INVISIBLE_CODES = r"00ad|034f|061c|115f|1160|180e|200[b-f]|202[a-e]|206[0-4]|feff"
_GAP = (
    rf"(?:[{_INVISIBLE}]"
    rf"|\\u(?:{_INVISIBLE_CODES})"  # JSON-escaped
    r"|%c2%ad|%cd%8f|%d8%9c|%e1%85%9f|%e1%85%a0|%e1%a0%8e"  # percent-encoded UTF-8
    r"|%e2%80%8[b-f]|%e2%80%a[a-e]|%e2%81%a[0-4]|%ef%bb%bf"
    rf"|&#x(?:{_INVISIBLE_CODES});|&#(?:173|8203|8204|8205|8206|8207|8288|65279);"
    r"|&shy;|&zwsp;|&zwj;|&zwnj;)*"
)

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
    """Remember a configured key so that its value, in any form, is always redacted."""
    if not value or len(value) < _MIN_SECRET:
        return
    global _known_patterns
    with _lock:
        if value in _known_values:
            return
        patterns = [_value_pattern(form) for form in _forms(value)]
        _known_values.add(value)
        _known_patterns = tuple(
            sorted((*_known_patterns, *patterns), key=lambda p: len(p.pattern), reverse=True)
        )


def register_environment_secrets(environ: dict[str, str] | None = None) -> None:
    """Register every variable whose name says it is a credential (…_API_KEY),
    configured for a provider or not: a key is a key wherever it shows up."""
    for name, value in (os.environ if environ is None else environ).items():
        if looks_like_credential(name):
            register_secret(value)


def _forms(value: str) -> list[str]:
    """The value, then its tails without prefix segments (`sk-`, `sk-proj-`)
    while they stay long enough to be unmistakable."""
    forms = [value]
    tail = value
    while (match := _PREFIX_SEGMENT.match(tail)) and len(tail) - match.end() >= _MIN_CORE:
        tail = tail[match.end() :]
        forms.append(tail)
    return forms


def _char_pattern(char: str) -> str:
    r"""Every spelling of one character: itself (any case), percent-encoded,
    JSON-escaped (`\u0073`, `\/`), or an HTML entity."""
    spellings = {re.escape(char)}
    for variant in {char.lower(), char.upper()}:
        if len(variant) != 1:
            continue
        code = ord(variant)
        spellings.add(re.escape("".join(f"%{b:02x}" for b in variant.encode())))
        spellings.add(re.escape(f"\\u{code:04x}"))
        spellings.add(re.escape(f"&#{code};"))
        spellings.add(re.escape(f"&#x{code:x};"))
        if not variant.isalnum():
            spellings.add(re.escape("\\" + variant))
    return "(?:" + "|".join(sorted(spellings, key=len, reverse=True)) + ")"


def _value_pattern(value: str) -> re.Pattern[str]:
    return re.compile(_GAP.join(_char_pattern(char) for char in value), re.IGNORECASE)


def mask(value: str | None) -> str:
    """What the UI may show of a key: at most its last four characters."""
    if not value:
        return ""
    return "…" + value[-4:] if len(value) > 8 else "…"


def redact(text: str | None) -> str:
    """`text` with every key value and key-shaped token replaced."""
    if not text:
        return ""
    text = scrub_known(text)
    for pattern in _KEY_PATTERNS:
        text = pattern.sub(_replacement, text)
    return text


def scrub_known(text: str) -> str:
    """`text` with every configured key value, in any of its forms, replaced."""
    if not text:
        return text
    for pattern in _known_patterns:  # the tuple of the moment: see its definition
        text = pattern.sub("[redacted]", text)
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
    and httpx loggers (not even at DEBUG: tests/app/test_secrets_leak.py), but an
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
