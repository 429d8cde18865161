"""The page's websocket is compressed: a streamed answer re-sends its growing
tail four times a second, and compression is what keeps the bytes on the wire
near the answer's own size (docs/performance.md, bench/stream_browser)."""

from __future__ import annotations

from tests.e2e.helpers import last_answer, open_app, send, wait_idle


def test_the_browser_and_the_app_agree_to_compress_the_websocket(page, app_server):
    handshakes = []
    devtools = page.context.new_cdp_session(page)
    devtools.on("Network.webSocketHandshakeResponseReceived", lambda e: handshakes.append(e))
    devtools.send("Network.enable")
    open_app(page, app_server.url)
    send(page, "Plan a picnic for four")
    wait_idle(page)
    assert "picnic" in last_answer(page).inner_text().lower()  # the page works over it
    headers = [
        {name.lower(): value for name, value in event["response"]["headers"].items()}
        for event in handshakes
    ]
    assert headers, "no websocket was opened"
    assert all("permessage-deflate" in h.get("sec-websocket-extensions", "") for h in headers)
    # A 32 kB window (core/websocket_window.py): a page run is compressed
    # against the one before it, which it repeats almost whole. uvicorn's own
    # is 4 kB (server_max_window_bits=12), smaller than one page run.
    assert all("server_max_window_bits=15" in h["sec-websocket-extensions"] for h in headers)
