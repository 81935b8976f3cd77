// Comments on passages: select words in a story ([data-commentable]) by
// mouse, keyboard or touch, and a small form opens ([data-passage-form]) with the quote and where it starts.
// Offsets count characters of the story body's text (its textContent), as
// the server counts them (newsroom.anchoring.plain_text). Open threads are
// marked in the text from the JSON in <script id="comment-anchors">.

function textNodes(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  return nodes;
}

function offsetOf(root, node, offset) {
  if (node.nodeType !== Node.TEXT_NODE) {
    // A selection boundary between elements: count the text before it.
    const range = document.createRange();
    range.setStart(root, 0);
    range.setEnd(node, offset);
    return range.toString().length;
  }
  let total = 0;
  for (const text of textNodes(root)) {
    if (text === node) return total + offset;
    total += text.textContent.length;
  }
  return total;
}

function mark(root, anchor) {
  // Wrap each piece of text in [start, end) in a <mark>, node by node, so
  // that a passage across bold or a link is marked whole.
  let position = 0;
  for (const text of textNodes(root)) {
    const length = text.textContent.length;
    const from = Math.max(anchor.start, position);
    const to = Math.min(anchor.end, position + length);
    if (from < to) {
      let piece = text;
      if (from > position) piece = piece.splitText(from - position);
      if (to < position + length) piece.splitText(to - from);
      const highlight = document.createElement("mark");
      highlight.className = "desk-passage";
      highlight.dataset.thread = anchor.id;
      piece.replaceWith(highlight);
      highlight.append(piece);
    }
    position += length;
  }
}

function markThreads(root, anchors) {
  // Marks split text nodes; later anchors count the same characters.
  for (const anchor of anchors) {
    if (String(anchor.story) === root.dataset.story) mark(root, anchor);
  }
  root.addEventListener("click", (event) => {
    const highlight = event.target.closest("mark[data-thread]");
    const thread = highlight && document.getElementById(`thread-${highlight.dataset.thread}`);
    if (thread) thread.scrollIntoView({ behavior: "smooth", block: "center" });
  });
}

function setUp(root, form) {
  const quote = form.querySelector("[data-passage-quote]");
  const near = form.querySelector("[data-passage-near]");
  const shown = form.querySelector("[data-passage-shown]");
  const story = form.querySelector("[data-passage-story]");
  const text = form.querySelector("textarea[name=text]");

  function selected() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return;
    const range = selection.getRangeAt(0);
    const body = range.commonAncestorContainer.nodeType === Node.ELEMENT_NODE
      ? range.commonAncestorContainer.closest("[data-commentable]")
      : range.commonAncestorContainer.parentElement.closest("[data-commentable]");
    if (!body || !root.contains(body)) return;
    const words = range.toString();
    if (!words.trim()) return;
    const leading = words.length - words.trimStart().length;
    quote.value = words.trim();
    near.value = String(offsetOf(body, range.startContainer, range.startOffset) + leading);
    story.value = body.dataset.story;
    shown.textContent = words.trim();
    form.hidden = false;
  }

  root.addEventListener("mouseup", () => window.setTimeout(selected, 0));
  // Touch (phones, tablets) selects with handles and no mouse-up: follow
  // the selection itself, once it has settled for a moment.
  let settling = 0;
  document.addEventListener("selectionchange", () => {
    window.clearTimeout(settling);
    settling = window.setTimeout(selected, 350);
  });
  root.addEventListener("touchend", () => window.setTimeout(selected, 0));
  root.addEventListener("keyup", (event) => {
    if (event.shiftKey || event.key === "Shift") selected();
  });
  form.querySelector("[data-passage-cancel]").addEventListener("click", () => {
    form.hidden = true;
    text.value = "";
  });
}

const form = document.querySelector("[data-passage-form]");
const data = document.getElementById("comment-anchors");
const anchors = data ? JSON.parse(data.textContent) : [];
for (const body of document.querySelectorAll("[data-commentable]")) markThreads(body, anchors);
if (form) setUp(document.body, form);
