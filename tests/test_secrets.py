"""A configured key is scrubbed by its value, in every form a provider or a
proxy was seen to send it back in, before anything is stored, logged or shown.

Key-shaped patterns alone missed a key without its `sk-` prefix, upper-cased,
percent-encoded, JSON-escaped or split by zero-width characters.
"""

import gc
import json
import logging
import threading
import urllib.parse

import pytest

from core.catalog import parse_catalog
from core.demo.replies import ErrorReply, StreamReply, error_body, text_stream
from core.secrets import redact, register_secret, scrub_known
from core.store import messages as message_store
from core.store.users import ensure_user
from core.store.views import COMPLETE, ERROR

KEY = "sk-live-Zq7Rw2Tx9Kp4Vm8Nb3Lc"
BODY = "Zq7Rw2Tx9Kp4Vm8Nb3Lc"  # what is left once the prefix is gone: still the key
ENV_KEY = "tok-Hy6Gf5Ds4Ap3Ol2Ik1Ju"

FORMS = {
    "as is": KEY,
    "without its prefix": KEY.removeprefix("sk-"),
    "without any prefix": BODY,
    "upper-cased": KEY.upper(),
    "lower-cased": KEY.lower(),
    "percent-encoded": "".join(f"%{byte:02X}" for byte in KEY.encode()),
    "percent-encoded, lower hex": "".join(f"%{byte:02x}" for byte in BODY.encode()),
    "JSON-escaped": "".join(f"\\u{ord(char):04x}" for char in KEY),
    "split by zero-width spaces": "\u200b".join(KEY),
    "split by word joiners": "\u2060".join(BODY),
    "split, JSON-escaped": json.dumps("\u200b".join(KEY))[1:-1],
    "split, percent-encoded": urllib.parse.quote("\u200c".join(KEY), safe=""),
    "HTML entities": "".join(f"&#{ord(char)};" for char in KEY),
}


@pytest.fixture(autouse=True)
def configured_key():
    register_secret(KEY)


def telltales(text: str) -> bool:
    """Whether any recognisable part of the key survives (decoded every way)."""
    decoded = urllib.parse.unquote(text)
    decoded = json.loads(f'"{decoded}"') if '"' not in decoded else decoded
    decoded = "".join(ch for ch in decoded if ch not in "\u200b\u200c\u2060")
    return BODY.lower()[:10] in decoded.lower() or "&#" + str(ord(BODY[0])) in text


@pytest.mark.parametrize("form", list(FORMS.values()), ids=list(FORMS))
def test_the_key_is_scrubbed_in_every_form(form):
    message = f"upstream said: invalid key '{form}' for this project"
    assert telltales(message)  # the form really carries the key
    for scrub in (redact, scrub_known):
        clean = scrub(message)
        assert not telltales(clean), clean
        assert clean.startswith("upstream said: invalid key '") and "[redacted]" in clean


def test_pattern_scrubbing_still_catches_keys_nobody_configured():
    unknown = "sk-other-abcdefghijklmnop"
    assert unknown not in redact(f"bad key {unknown}")
    assert "[redacted]" in redact("Authorization: Bearer abcdefghijklmnopqrstu")


def test_ordinary_text_is_left_alone():
    text = "Zq7 is a name; keys start with sk-; the %20 escape; &#65; is A. true"
    assert scrub_known(text) == text
    register_secret("true")  # too short to be a key: scrubbing it would wreck answers
    assert scrub_known("it is true") == "it is true"


def test_keys_in_the_environment_are_scrubbed_even_if_no_provider_uses_them(monkeypatch):
    monkeypatch.setenv("UNUSED_SERVICE_TOKEN", ENV_KEY)
    assert scrub_known(ENV_KEY.upper()) == ENV_KEY.upper()  # not known yet
    parse_catalog(
        {
            "models": {"m": {"routes": [{"provider": "p", "model": "x"}]}},
            "providers": {"p": {"base_url": "http://127.0.0.1:9/v1"}},
        }
    )
    assert scrub_known(ENV_KEY.upper()) == "[redacted]"


def test_a_key_echoed_in_an_answer_or_an_error_is_never_stored_or_logged(
    make_chat, server, monkeypatch, db, caplog
):
    """Through the real SDK and worker: a proxy that echoes the key into the
    streamed answer, then into an error body, in disguised forms."""
    monkeypatch.setenv("LEAKY_API_KEY", KEY)
    chat = make_chat(provider_options={"api_key_env": "LEAKY_API_KEY"})
    user = ensure_user("alice")
    caplog.set_level(logging.DEBUG)
    server.push(
        StreamReply(text_stream("r1", answer=["Your key is ", FORMS["upper-cased"], " ok"])),
        ErrorReply(401, error_body(f"Incorrect API key {FORMS['split by zero-width spaces']}")),
    )
    answered = chat.send(user.id, None, "hello", _choice())
    chat.worker.wait(answered.assistant_message_id, timeout=30)
    failed = chat.send(user.id, answered.conversation_id, "again", _choice())
    chat.worker.wait(failed.assistant_message_id, timeout=30)
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # the key was used

    answer = message_store.get_message(user.id, answered.assistant_message_id)
    error = message_store.get_message(user.id, failed.assistant_message_id)
    assert answer.status == COMPLETE and answer.content == "Your key is [redacted] ok"
    assert error.status == ERROR and "[redacted]" in (error.error_detail or "")
    stored = b"".join(path.read_bytes() for path in _database_files(db))
    for form in (KEY, BODY, BODY.upper(), "\u200b".join(BODY[:6])):
        assert form.encode() not in stored
    logged = caplog.text.lower()
    assert BODY.lower() not in logged and "\u200b".join(BODY[:6]).lower() not in logged


def _choice():
    from core.chat import Choice

    return Choice("m")


def _database_files(url: str):
    from pathlib import Path

    path = Path(url.removeprefix("sqlite:///"))
    return [p for p in path.parent.glob(path.name + "*")]


def test_a_log_record_made_while_a_key_is_registered_does_not_hang_the_process():
    # Seen in CI: registering a key compiles regexes, the garbage collector ran
    # in the middle and finalized a leaked event loop, which logged; the log
    # redaction then waited for the lock the registration held, in the same
    # thread, forever. Here every collection during the registration logs.
    from core.secrets import install_log_redaction

    install_log_redaction()
    log = logging.getLogger("tests.gc")

    def log_during_collection(phase, info):
        if phase == "start":
            log.warning("collecting with %s in the window", KEY)

    def register():
        register_secret("sk-gc-" + "Wq8Er7Ty6Ui5Op4As3Df")

    thresholds = gc.get_threshold()
    gc.callbacks.append(log_during_collection)
    gc.set_threshold(1)  # a collection at nearly every allocation
    try:
        registering = threading.Thread(target=register, daemon=True)
        registering.start()
        registering.join(timeout=30)  # a bound for a deadlock, not a timing
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(log_during_collection)
    assert not registering.is_alive(), "registering a key deadlocked on a log record"
    assert scrub_known("Wq8Er7Ty6Ui5Op4As3Df") == "[redacted]"
