// The live channel's browser half: an answer being written, drawn beside
// Streamlit (the events: core/live_channel.py's docstring; why:
// docs/performance.md, "Issue 19, sixth step").
//
// Every Streamlit element update costs the browser 10-16 ms of React work; this
// module follows the answer's Server-Sent Events from our own route and draws
// each event's node tree (core/live_tree.py) with createElement /
// createTextNode / setAttribute only. Model text never reaches innerHTML, and
// the allowlist below is checked again here, whatever the server sent: a tag
// it does not name is dropped (its text kept), an attribute it does not name
// is never set, a link is a link only to http, https or mailto.
//
// Mounted as a Streamlit components v2 component (isolate_styles=False, in the
// page's DOM): `component.data = {path, token, stepPx}`. If the stream cannot
// be followed (no route: `streamlit run app.py`; a refused token; silence),
// it calls `component.setTriggerValue("failed", reason)` once and removes what
// it drew, so the page can draw the answer with Streamlit elements instead.

// tag -> attribute -> check of the value: core/live_tree.py's allowlist, checked again.
const ALLOWED = {
  p: {}, h1: {}, h2: {}, h3: {}, h4: {}, h5: {}, h6: {}, blockquote: {}, ul: {},
  li: {}, hr: {}, br: {}, pre: {}, em: {}, strong: {}, del: {}, table: {},
  thead: {}, tbody: {}, tr: {},
  ol: { start: (value) => /^\d{1,9}$/.test(value) },
  code: { "data-lang": (value) => /^[A-Za-z0-9_+#.-]{1,40}$/.test(value) },
  a: { href: (value) => safeUrl(value) !== null },
  th: { align: (value) => /^(left|center|right)$/.test(value) },
  td: { align: (value) => /^(left|center|right)$/.test(value) },
  span: { class: (value) => value === "math" },
};
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
// A route that answers sends its first event at once; Streamlit's own page
// (no route) or a proxy that holds the stream sends none.
const FIRST_BYTES_MS = 5000;

// The URL as the browser would follow it, if it is http(s) or mailto.
// `new URL` without a base refuses relative paths, and it reads the scheme
// the way a click would (case, tabs and newlines removed).
function safeUrl(value) {
  try {
    const url = new URL(value);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

// The DOM for one node of the tree: a text node, or an allowed element.
function build(node) {
  if (typeof node === "string") return document.createTextNode(node);
  if (!Array.isArray(node) || typeof node[0] !== "string") return null;
  const [tag, attrs, ...children] = node;
  const allowed = Object.hasOwn(ALLOWED, tag) ? ALLOWED[tag] : null;
  if (allowed === null) return document.createTextNode(textOf(children));
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (!Object.hasOwn(allowed, name) || typeof value !== "string" || !allowed[name](value)) {
      continue;
    }
    element.setAttribute(name, name === "href" ? safeUrl(value) : value);
  }
  if (tag === "a" && element.hasAttribute("href")) {
    // Another tab, which learns nothing of this page (no opener, no referrer).
    element.setAttribute("rel", "noopener noreferrer nofollow");
    element.setAttribute("target", "_blank");
  }
  appendNodes(element, children);
  return element;
}

// An unknown element's descendants, as the text a reader would have seen.
function textOf(nodes) {
  return nodes
    .map((node) => (typeof node === "string" ? node : Array.isArray(node) ? textOf(node.slice(2)) : ""))
    .join("");
}

function appendNodes(parent, nodes) {
  for (const node of nodes || []) {
    const built = build(node);
    if (built) parent.appendChild(built);
  }
}

// The events of an SSE body, read as they arrive. Events may be split across
// reads and several may come in one; lines starting with ":" are comments
// (the route's `: wait` keep-alive). The route writes "\n" line ends.
async function* serverEvents(body, onBytes) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onBytes();
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of raw.split("\n")) {
        if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
        else if (line.startsWith("event:")) name = line.slice(6).trim();
      }
      if (data.length) yield { name, data: data.join("\n") };
    }
  }
}

// What is shown: settled blocks, appended once, then the tail, replaced by
// each event. A block that "joins" ends inside a paragraph that goes on: the
// next block's (or the tail's) first paragraph continues inline in it.
class Answer {
  constructor(body) {
    this.body = body;
    this.open = null; // the <p> a joining block left open, if any
    this.tailNodes = [];
    this.tailDom = []; // what the tail added, to take away before the next event
  }

  apply(event) {
    this.removeTail();
    if (event.reset) {
      this.body.replaceChildren();
      this.open = null;
      this.tailNodes = [];
    }
    for (const block of event.blocks || []) {
      const added = this.place(block.nodes || []);
      this.open = block.joins ? lastParagraph(added, this.open) : null;
    }
    if (Array.isArray(event.tail)) this.tailNodes = event.tail;
    this.showTail();
  }

  // Builds a block's nodes after the others, its first paragraph continuing
  // the open one; returns the top-level elements it added or continued.
  place(nodes) {
    const added = [];
    nodes.forEach((node, index) => {
      const built = build(node);
      if (!built) return;
      if (index === 0 && this.open && built.nodeName === "P") {
        this.open.append(...built.childNodes);
        added.push(this.open);
      } else {
        this.body.appendChild(built);
        added.push(built);
      }
    });
    return added;
  }

  showTail() {
    // The tail's first paragraph, when it continues an open one, goes in a
    // span inside it; the rest after the blocks, in a div. Both are classed
    // duet-live-tail and removed whole at the next event.
    const built = this.tailNodes.map(build).filter(Boolean);
    if (this.open && built.length && built[0].nodeName === "P") {
      const span = document.createElement("span");
      span.className = "duet-live-tail";
      span.append(...built.shift().childNodes);
      this.open.appendChild(span);
      this.tailDom.push(span);
    }
    if (!built.length) return;
    const div = document.createElement("div");
    div.className = "duet-live-tail";
    div.append(...built);
    this.body.appendChild(div);
    this.tailDom.push(div);
  }

  removeTail() {
    for (const node of this.tailDom) node.remove();
    this.tailDom = [];
  }
}

function lastParagraph(added, open) {
  const last = added[added.length - 1];
  if (last && last.nodeName === "P") return last;
  return added.length ? null : open;
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data || !data.path) return undefined;
  // Streamlit runs this again whenever the element is drawn again (every
  // rerun of the page sends its data anew, with a fresh token): the stream
  // being followed goes on, not over from the start; one that ended or failed
  // stays so (no second "failed" for the same answer). Streamlit keeps only
  // the latest return value to call at unmount: it must still be `stop`.
  const running = parentElement.__duetLive;
  if (running && running.path === data.path) return running.stop;
  if (running) {
    running.stop();
    running.wrapper.remove();
  }

  const wrapper = document.createElement("div");
  wrapper.className = "duet-live";
  const body = document.createElement("div");
  wrapper.appendChild(body);
  parentElement.appendChild(wrapper);
  const answer = new Answer(body);
  const controller = new AbortController();
  let silence; // the timer that gives up on a route that sends nothing
  let reserved = 0;
  let over = false; // ended, failed or unmounted: nothing more happens

  function stop() {
    over = true;
    clearTimeout(silence);
    controller.abort();
  }
  parentElement.__duetLive = { path: data.path, stop, wrapper };

  function fail(reason) {
    if (over) return;
    stop();
    wrapper.remove(); // the page draws the answer itself now; never twice
    component.setTriggerValue("failed", reason);
  }

  // The box grows in steps of stepPx, and a reader who was at the bottom of
  // the page is kept there by us, in the same task. Streamlit's
  // scroll-to-bottom container would do it too, but only after noticing (a
  // 17 ms poll, 34 ms off the bottom) and with a spring animation: about ten
  // scroll events per step, each a React pass, where ours is one
  // (docs/performance.md, "Issue 19, eighth step"). A reader who scrolled up
  // to read is left where they are, as Streamlit does.
  const scroller = wrapper.closest('[data-testid="stAppScrollToBottomContainer"]');
  const atBottom = () =>
    scroller !== null && scroller.scrollHeight - scroller.scrollTop - scroller.offsetHeight < 1;
  function grow(wasAtBottom) {
    if (!data.stepPx) return;
    const height = body.offsetHeight;
    if (height > reserved) {
      reserved = Math.ceil((height + 1) / data.stepPx) * data.stepPx;
      wrapper.style.minHeight = `${reserved}px`;
      if (wasAtBottom) scroller.scrollTop = scroller.scrollHeight;
    }
  }

  silence = setTimeout(() => fail("silent"), FIRST_BYTES_MS);

  async function follow() {
    const reply = await fetch(data.path, {
      headers: { Authorization: `Bearer ${data.token}`, Accept: "text/event-stream" },
      cache: "no-store",
      // The load balancer's sticky cookie takes the request to the replica
      // that holds the answer (docs/performance.md, "Serving").
      credentials: "same-origin",
      signal: controller.signal,
    });
    if (reply.status !== 200) return fail(`status ${reply.status}`);
    // Without our route, Streamlit answers any path with its own page (200).
    if (!(reply.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
      return fail("not a stream");
    }
    for await (const event of serverEvents(reply.body, () => clearTimeout(silence))) {
      if (over) return undefined;
      if (event.name === "end") {
        // The text stays as it is; the page's rerun replaces it.
        over = true;
        controller.abort();
        return undefined;
      }
      const wasAtBottom = atBottom(); // read before the event moves the bottom
      try {
        answer.apply(JSON.parse(event.data));
      } catch {
        return fail("bad event"); // not JSON, or not the shape of the protocol
      }
      grow(wasAtBottom);
    }
    return fail("closed early");
  }

  follow().catch(() => fail("network"));
  return stop;
}
