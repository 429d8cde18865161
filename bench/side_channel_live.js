// The browser half of the side-channel benchmark page (bench/side_channel_page.py).
//
// Fetches the answer's Server-Sent Events from the page's own route with the
// token the page minted, and appends each event's text to the page as text
// nodes: model text never goes through innerHTML, so nothing in it can become
// markup. A blank line starts a new block, and a finished block is also added
// to a visually hidden live region, so a screen reader hears each block once
// (the product's ui/announce.py does the same with Streamlit elements).
// Streamlit's React tree is not touched while the answer streams.
export default function (component) {
  const { data, parentElement } = component;
  if (!data || parentElement.__duetStream === data.path) return;
  parentElement.__duetStream = data.path;

  const shown = document.createElement("div");
  shown.className = "duet-side-answer";
  // With data.stepPx the box around the text grows in steps: the page's height
  // (which Streamlit's scroll-to-bottom container follows with React updates
  // and a scroll animation) changes once per few lines instead of per event.
  const box = document.createElement("div");
  let reserved = 0;
  const spoken = document.createElement("div");
  spoken.className = "duet-side-spoken";
  spoken.setAttribute("aria-live", "polite");
  box.appendChild(shown);
  parentElement.append(box, spoken);

  let block = newBlock();
  let carry = ""; // trailing newlines, held until we know whether they end a block
  let controller = new AbortController();

  function newBlock() {
    const div = document.createElement("div");
    div.className = "duet-side-block";
    shown.appendChild(div);
    return div;
  }

  function add(piece) {
    let text = carry + piece;
    const trailing = text.match(/\n+$/);
    carry = trailing ? trailing[0] : "";
    if (trailing) text = text.slice(0, -carry.length);
    if (!text) return;
    text.split(/\n{2,}/).forEach((part, index) => {
      if (index > 0) {
        const said = document.createElement("p");
        said.textContent = block.textContent;
        spoken.appendChild(said);
        block = newBlock();
      }
      // A block starts at its first character, not at a list's leading newline.
      const shownPart = block.firstChild ? part : part.replace(/^\n+/, "");
      if (shownPart) block.appendChild(document.createTextNode(shownPart));
    });
    if (data.stepPx) {
      const height = shown.offsetHeight;
      if (height > reserved) {
        reserved = Math.ceil((height + 1) / data.stepPx) * data.stepPx;
        box.style.minHeight = `${reserved}px`;
      }
    }
  }

  function onEvent(raw) {
    let name = "message";
    const lines = [];
    for (const line of raw.split("\n")) {
      if (line.startsWith("data:")) lines.push(line.slice(line.startsWith("data: ") ? 6 : 5));
      else if (line.startsWith("event:")) name = line.slice(6).trim();
    }
    if (name === "end") return true;
    add(lines.join("\n"));
    return false;
  }

  async function follow() {
    const reply = await fetch(data.path, {
      headers: { Authorization: `Bearer ${data.token}` },
      cache: "no-store",
      signal: controller.signal,
    });
    if (!reply.ok || !reply.body) {
      shown.dataset.failed = String(reply.status);
      return;
    }
    const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const finished = onEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (finished) {
          shown.dataset.ended = "true";
          return;
        }
      }
    }
  }

  follow().catch((problem) => {
    if (problem.name !== "AbortError") shown.dataset.failed = "network";
  });
  return () => controller.abort();
}
