"""An API key never reaches the database, the logs or the screen, even when the
provider echoes it back in its error messages."""

import logging
import os

import pytest

from core import export
from core.demo.replies import ChunkFactory, Data, ErrorReply, StreamReply
from core.i18n import Translator
from core.secrets import install_log_redaction, mask
from core.store import transfer
from core.store.users import local_user
from tests.app.conftest import shown, texts
from tests.app.scripted import scripted_models_file
from tests.databases import stored_bytes

KEY = "sk-test-SECRET-0123456789abcdef"
TELLTALE = "SECRET-0123456789abcdef"  # any recognisable part of it counts as a leak


ECHOES = [
    ErrorReply(401, {"error": {"message": f"Incorrect API key provided: {KEY}."}}),
    ErrorReply(400, {"error": {"message": f"Header 'Authorization: Bearer {KEY}' is malformed"}}),
    ErrorReply(500, f"internal error while calling upstream with api_key={KEY}"),
    StreamReply(
        [
            Data(ChunkFactory("m1").chunk({"content": "Half an answer"})),
            Data({"error": {"message": f"upstream quota for {KEY} exceeded", "code": 500}}),
        ]
    ),
]


def everything_on_screen(at) -> str:
    parts = [texts(at)]
    for kind in ("error", "warning", "info", "success", "code", "text", "toast"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return shown("\n".join(parts))  # as read: Markdown escapes removed


@pytest.fixture
def leaky_app(app, server, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "MODELS_FILE", scripted_models_file(tmp_path, server, key_env="LEAKY_API_KEY")
    )
    monkeypatch.setenv("LEAKY_API_KEY", KEY)
    return app


def test_key_echoed_by_the_provider_is_kept_out_of_db_logs_and_screen(
    leaky_app, server, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)  # openai, httpx and httpcore at their most talkative
    app = leaky_app
    app.run()
    for index, reply in enumerate(ECHOES):
        server.push(reply)
        app.chat_input[0].set_value(f"question {index}").run()
        assert not app.exception
        assert TELLTALE not in everything_on_screen(app)
    # The key was really used: the test would prove nothing otherwise.
    assert {r.headers["authorization"] for r in server.requests} == {f"Bearer {KEY}"}
    assert "[redacted]" in everything_on_screen(app)  # the provider's words, scrubbed

    app.switch_page("pages/status.py").run()  # the admin's view of every route
    screen = everything_on_screen(app)
    assert mask(KEY) == "…cdef" and "…cdef" in screen and TELLTALE not in screen

    stored = stored_bytes(os.environ["DATABASE_URL"])
    assert b"[redacted]" in stored
    assert TELLTALE.encode() not in stored
    assert TELLTALE.encode("utf-16-le") not in stored

    logged = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "HTTP Request: POST" in logged  # the libraries' logs were captured
    assert TELLTALE not in logged


def test_an_export_holds_no_key(leaky_app, server):
    leaky_app.run()
    for index, reply in enumerate(ECHOES):
        server.push(reply)
        leaky_app.chat_input[0].set_value(f"question {index}").run()
    document = transfer.export_conversations(local_user().id)
    files = export.to_json(document) + export.to_markdown(Translator("en"), document, str)
    assert "[redacted]" in files and TELLTALE not in files


def test_log_records_are_scrubbed_whichever_handler_writes_them(caplog):
    install_log_redaction()
    log = logging.getLogger("tests.leak")
    log.warning("calling with %s", f"Authorization: Bearer {KEY}")
    try:
        raise RuntimeError(f"provider said: key {KEY} is wrong")
    except RuntimeError:
        log.exception("failed")
    assert TELLTALE not in caplog.text
    assert "[redacted]" in caplog.text and "RuntimeError" in caplog.text


def test_provider_keys_can_come_from_streamlit_secrets(app, server, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "MODELS_FILE", scripted_models_file(tmp_path, server, key_env="LEAKY_API_KEY")
    )
    # Remember that the variable is absent, so the copy made from secrets is undone.
    monkeypatch.setenv("LEAKY_API_KEY", "")
    monkeypatch.delenv("LEAKY_API_KEY")
    app.secrets = {"LEAKY_API_KEY": KEY}
    app.run()
    assert not app.exception
    assert "needs a key" not in everything_on_screen(app)
    server.push(ECHOES[0])
    app.chat_input[0].set_value("hello").run()
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert TELLTALE not in everything_on_screen(app)


DISGUISED_KEY = "sk-live-Qw8Er7Ty6Ui5Op4As3"
DISGUISED_TELLTALE = "qw8er7ty6ui5op4as3"  # compared lower-cased, invisible marks removed


def disguised_echoes():
    body = DISGUISED_KEY.removeprefix("sk-live-")
    return [
        ErrorReply(401, {"error": {"message": f"Incorrect API key: {body}"}}),
        ErrorReply(400, {"error": {"message": f"key {DISGUISED_KEY.upper()} malformed"}}),
        ErrorReply(500, "GET /v1?key=" + "".join(f"%{b:02X}" for b in DISGUISED_KEY.encode())),
        ErrorReply(500, {"error": {"message": "\u200b".join(DISGUISED_KEY)}}),
        StreamReply(
            [
                Data(ChunkFactory("m1").chunk({"content": "Proxy echoed "})),
                Data(ChunkFactory("m1").chunk({"content": "\u2060".join(body)})),
                Data(ChunkFactory("m1").chunk({"content": " in the answer"}, "stop")),
            ]
        ),
    ]


def readable(text: str) -> str:
    """What a person would recognise: decoded, lower-cased, invisible marks gone."""
    import urllib.parse

    text = urllib.parse.unquote(text)
    return "".join(ch for ch in text if ch not in "\u200b\u2060").lower()


def test_a_disguised_key_is_kept_out_of_db_logs_and_screen(
    app, server, tmp_path, monkeypatch, caplog
):
    """Without its prefix, upper-cased, percent-encoded, split by invisible
    characters, in an error or inside the answer itself: the key by value."""
    monkeypatch.setenv(
        "MODELS_FILE", scripted_models_file(tmp_path, server, key_env="DISGUISED_API_KEY")
    )
    monkeypatch.setenv("DISGUISED_API_KEY", DISGUISED_KEY)
    caplog.set_level(logging.DEBUG)
    app.run()
    for index, reply in enumerate(disguised_echoes()):
        server.push(reply)
        app.chat_input[0].set_value(f"question {index}").run()
        assert not app.exception
        assert DISGUISED_TELLTALE not in readable(everything_on_screen(app))
    assert server.requests[0].headers["authorization"] == f"Bearer {DISGUISED_KEY}"
    assert "Proxy echoed [redacted] in the answer" in everything_on_screen(app)
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("app.db*"))
    assert DISGUISED_TELLTALE not in readable(stored.decode("utf-8", "replace"))
    assert DISGUISED_TELLTALE not in readable(caplog.text)
