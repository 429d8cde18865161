"""The page's websocket compressed with a 32 kB window instead of uvicorn's 4 kB.

Streamlit re-sends every element of the page on every run, and a chat page
runs twice around each answer (the question sent, the answer drawn). Those
runs repeat, almost byte for byte, the page the browser already has: the
sidebar, the settings, the conversation so far. permessage-deflate can send a
repeat as a few back-references, but only to bytes still in its window, and
uvicorn's websocket (the server `st.App` runs on) fixes the window at 4 kB
(2**12), smaller than one page run (~15 kB). With the deflate format's largest
window, 32 kB, a page run is compressed against the run before it: a
1,000-chunk answer's two page runs go from ~11 kB to ~4 kB on the wire
(docs/performance.md, "seventh step").

The cost is memory on the server, per open page: deflate keeps
2**(window + 2) bytes, 128 kB instead of 16 kB, plus 16 kB of hash tables
(memLevel 5, uvicorn's choice, kept: a larger one did not compress these
messages better). docs/security.md ("Compression") weighs the window against
compression-oracle attacks.

uvicorn's websocket protocol builds its deflate extension in its constructor,
once per connection, from the name `ServerPerMessageDeflateFactory` in its
module, with the window fixed at 12 bits. `use_wide_window()` points that name
at a subclass that asks for 15 instead. It has to be that name and not the
protocol class: uvicorn resolves the protocol class before it imports the app
(serve.py), but looks the factory up each time a page connects. `streamlit run
app.py` never calls it and keeps the 4 kB window.
tests/e2e/test_wire_compression.py reads the window the browser was offered,
so an upgrade of uvicorn that moves the name fails there, not silently.
"""

from __future__ import annotations

from uvicorn.protocols.websockets import websockets_sansio_impl
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

WINDOW_BITS = 15  # 32 kB: the largest window deflate has


class WideWindowDeflate(ServerPerMessageDeflateFactory):
    """permessage-deflate as uvicorn configures it (the browser's window, the
    memory level), the server's own window widened to 32 kB."""

    def __init__(self, *, server_max_window_bits: int | None = None, **options) -> None:
        super().__init__(server_max_window_bits=WINDOW_BITS, **options)


def use_wide_window() -> None:
    """Compress websockets opened from here on with the 32 kB window."""
    websockets_sansio_impl.ServerPerMessageDeflateFactory = WideWindowDeflate
