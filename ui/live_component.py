"""The live channel's browser half, mounted where an answer is being written.

While an answer streams, its text does not travel as Streamlit element
updates: each of those costs the browser a React pass over the page (10-16 ms
of main thread on a 2-core machine, more on a phone) and its envelope of
bytes. Instead this component, mounted once per answer and per channel
(reasoning, answer), fetches the text as Server-Sent Events from the app's own
route (core/live_channel.py, served by `streamlit run serve.py`) and builds
the DOM itself from an inert node tree (core/live_tree.py, ui/live_channel.js).
The page script still follows the answer (its status line, the screen
reader's announcements, Stop) and reruns at the end, which draws the finished
answer from the database with Streamlit's own Markdown, as before.

When the route is not there (`streamlit run app.py`) the component is never
mounted; when the browser cannot read the stream (a proxy that buffers, too
many tabs open on one server) the component says `failed`, and this session
draws live text with Streamlit elements again (ui/live._Stream).
"""

from __future__ import annotations

import streamlit as st
from streamlit import config

from core import live_channel
from core.progress import GenerationProgress

# Set once the browser could not read a stream: the session's later answers
# are drawn by the page (ui/live._Stream), which always works.
_FAILED = "live-channel-failed"
# The answer's box grows this many pixels at a time (min-height), and a reader
# at the bottom of the page is kept there by ui/live_channel.js in the same
# step: each step is one jump of the page (three or four lines) and one
# scroll event for Streamlit's scroll-to-bottom container, rather than its
# spring animation at every event (docs/performance.md, "Issue 19, eighth step").
STEP_PX = 96

# The mounted code is a stub that imports the module from our route: inline
# code would travel inside every mount's element message (3 kB per answer,
# measured); a module URL is fetched once per tab and cached. (Streamlit takes
# a one-line string holding "/" for a file path: hence two lines.)
_STUB = (
    "// ui/live_channel.js, served by core/live_channel.py\n"
    "export default async (c) => (await import("
    f'new URL("{live_channel.script_url(config.get_option("server.baseUrlPath"))}", '
    "document.baseURI).href)).default(c);"
)
# Typography of Streamlit's Markdown (its computed styles in Chromium, 1.67), so
# that the hand-over to the finished answer, drawn by st.markdown, does not jump.
_CSS = """
.duet-live { overflow-wrap: anywhere; }
.duet-live p, .duet-live ul, .duet-live ol, .duet-live table { margin: 0 0 1rem; }
.duet-live ul, .duet-live ol { padding: 0; }
.duet-live li { margin: 0.2rem 0 0.2rem 1.15rem; padding-left: 0.3rem; }
.duet-live li > ul, .duet-live li > ol { margin: 0; }
.duet-live strong, .duet-live th { font-weight: 600; }
.duet-live h1, .duet-live h2, .duet-live h3, .duet-live h4, .duet-live h5, .duet-live h6 {
  margin: 0; font-weight: 600; line-height: 1.2; letter-spacing: -0.005em; }
.duet-live h1 { font-size: 2.75rem; font-weight: 700; padding: 1.25rem 0 1rem; }
.duet-live h2 { font-size: 2.25rem; padding: 1rem 0; }
.duet-live h3 { font-size: 1.75rem; padding: 0.75rem 0 1rem; }
.duet-live h4 { font-size: 1.5rem; padding: 0.75rem 0 1rem; }
.duet-live h5 { font-size: 1.25rem; padding: 0.5rem 0 1rem; }
.duet-live h6 { font-size: 1rem; padding: 0.5rem 0 1rem; }
.duet-live pre { margin: 0 0 1rem; padding: 1rem; border-radius: 0.5rem; font-size: 0.75rem;
  white-space: pre-wrap;
  background: var(--st-secondary-background-color, rgba(128, 128, 128, 0.1)); }
.duet-live code { font-family: var(--st-code-font, "Source Code Pro", monospace);
  font-size: 0.875rem; }
.duet-live pre code { white-space: pre-wrap; }
.duet-live blockquote { margin: 1rem 0; padding-left: 0.75rem;
  border-left: 0.25rem solid rgba(128, 128, 128, 0.4); }
.duet-live table { border-collapse: collapse; }
.duet-live th, .duet-live td { border: 1px solid rgba(128, 128, 128, 0.25);
  padding: 0.375rem 0.75rem; }
.duet-live a { color: var(--st-link-color, inherit); }
"""

_component = st.components.v2.component(
    "duet_live_channel",
    js=_STUB,
    css=_CSS,
    # In the page's own DOM: no iframe to size, the page's fonts and colours.
    isolate_styles=False,
)


def available() -> bool:
    """Whether this process serves the route and the browser has not failed to read it."""
    return live_channel.routes_served() and not st.session_state.get(_FAILED, False)


def mount(container, progress: GenerationProgress, channel: str) -> None:
    """Show `progress`'s `channel` text in `container`, streamed by the browser."""
    token = live_channel.open_stream(progress, channel)
    path = live_channel.stream_url(
        progress.message_id, channel, config.get_option("server.baseUrlPath")
    )
    with container:
        _component(
            data={"path": path, "token": token, "stepPx": STEP_PX},
            key=f"live-{progress.message_id}-{channel}",
            on_failed_change=_fall_back,
        )


def _fall_back() -> None:
    st.session_state[_FAILED] = True
