// The story form: live word count and the preview "as in the issue".
// The prose editor keeps the <textarea name="body"> up to date and fires
// "input" on it after every change, so this script only reads the textarea.

// The server's allowlist (newsroom.sanitizing.editor_allowlist), sent with the page.
const ALLOWLIST = JSON.parse(document.getElementById("body-allowlist").textContent);
const ALLOWED = new Set(ALLOWLIST.tags);
const BLOCK_BREAK = /<br\s*\/?>|<\/(?:p|li|ul|ol)>/gi;
const isSafeHref = (href) => ALLOWLIST.schemes.some((s) => href.toLowerCase().startsWith(s));

function parse(html) {
  // Same rule as Story.word_count on the server: block ends and line
  // breaks separate words, inline tags do not.
  return new DOMParser().parseFromString(html.replace(BLOCK_BREAK, " "), "text/html");
}

function countWords(html) {
  const text = parse(html).body.textContent || "";
  return text.split(/\s+/).filter(Boolean).length;
}

// Copy only the markup the allowlist permits: the preview never runs or
// styles anything the sanitiser would strip.
function cleanCopy(node) {
  if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.textContent);
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const children = Array.from(node.childNodes).map(cleanCopy).filter(Boolean);
  if (!ALLOWED.has(node.tagName)) {
    const fragment = document.createDocumentFragment();
    fragment.append(...children);
    return fragment;
  }
  const copy = document.createElement(node.tagName);
  const href = node.getAttribute("href");
  if (node.tagName === "A" && href && isSafeHref(href)) copy.setAttribute("href", href);
  copy.append(...children);
  return copy;
}

function sourceName(form) {
  for (const name of ["new_source", "source"]) {
    const typed = form.querySelector(`input[name=${name}]`);
    if (typed && typed.value.trim()) return typed.value.trim();
  }
  return "";
}

function renderPreview(form, body) {
  const headline = document.querySelector("[data-preview-headline]");
  const target = document.querySelector("[data-preview-body]");
  if (!headline || !target) return;
  headline.textContent = form.querySelector("input[name=headline]").value;
  const parsed = new DOMParser().parseFromString(body.value, "text/html").body;
  const copy = document.createDocumentFragment();
  for (const child of Array.from(parsed.childNodes)) {
    const clean = cleanCopy(child);
    if (clean) copy.append(clean);
  }
  const name = sourceName(form);
  if (name) {
    const paragraphs = copy.querySelectorAll("p");
    const last = paragraphs[paragraphs.length - 1] || copy.appendChild(document.createElement("p"));
    // As newsroom.sanitizing.body_with_source prints it.
    const citation = document.createElement("span");
    const strong = document.createElement("strong");
    citation.className = "source";
    strong.textContent = name;
    citation.append("(", strong, ")");
    last.append(" ", citation);
  }
  target.replaceChildren(copy);
}

function watch(form) {
  const body = form.querySelector("textarea[name=body]");
  const count = form.querySelector("[data-word-count]");
  if (!body) return;
  const update = () => {
    if (count) count.textContent = countWords(body.value);
    renderPreview(form, body);
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}

document.querySelectorAll("[data-story-form]").forEach(watch);


// The headline counts its characters against its limit, and says when it is
// over (the server refuses it then; nothing is cut).
function countHeadline(form) {
  const input = form.querySelector("input[name=headline][data-limit]");
  if (!input) return;
  const limit = Number(input.dataset.limit);
  const counter = document.createElement("p");
  counter.className = "small mb-2 desk-headline-count";
  counter.id = "headline-count";
  counter.setAttribute("aria-live", "polite");
  input.insertAdjacentElement("afterend", counter);
  input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") || ""} headline-count`.trim());
  const update = () => {
    const left = limit - input.value.length;
    counter.textContent = left >= 0
      ? `${input.value.length} / ${limit} characters`
      : `${-left} characters over the limit of ${limit}: shorten the headline to save.`;
    counter.classList.toggle("text-danger", left < 0);
    input.classList.toggle("is-invalid", left < 0);
  };
  input.addEventListener("input", update);
  update();
}

document.querySelectorAll("[data-story-form]").forEach(countHeadline);

// The editor's toolbar is one tab stop; arrow keys (and Home, End) move
// between its buttons, as WAI-ARIA's toolbar pattern has it.
function oneTabStopToolbar(form) {
  const apply = () => {
    const bar = form.querySelector(".prose-menubar");
    if (!bar || bar.dataset.roving) return Boolean(bar);
    const buttons = () => Array.from(bar.querySelectorAll(".prose-menubar__button"));
    if (!buttons().length) return false;
    bar.dataset.roving = "1";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    buttons().forEach((button, i) => button.setAttribute("tabindex", i === 0 ? "0" : "-1"));
    bar.addEventListener("keydown", (event) => {
      const all = buttons();
      const here = all.indexOf(document.activeElement);
      if (here < 0) return;
      const moves = { ArrowRight: here + 1, ArrowLeft: here - 1, Home: 0, End: all.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = (moves[event.key] + all.length) % all.length;
      all.forEach((button, i) => button.setAttribute("tabindex", i === next ? "0" : "-1"));
      all[next].focus();
    });
    return true;
  };
  if (apply()) return;
  const observer = new MutationObserver(() => {
    if (apply()) observer.disconnect();
  });
  observer.observe(form, { childList: true, subtree: true });
}

document.querySelectorAll("[data-story-form]").forEach(oneTabStopToolbar);

// An issue story is one paragraph: when more arrive (a paste from a word
// processor, say), the editor says so before saving.
function warnOfParagraphs(form) {
  const body = form.querySelector("textarea[name=body]");
  const warning = form.querySelector("[data-paragraph-warning]");
  if (!body || !warning) return;
  const update = () => {
    const paragraphs = parse(body.value).querySelectorAll("p, li").length;
    warning.hidden = paragraphs <= 1;
    warning.textContent = paragraphs > 1
      ? `This story has ${paragraphs} paragraphs; a story in an issue is one paragraph. Join them, or keep what belongs.`
      : "";
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}

document.querySelectorAll("[data-story-form]").forEach(warnOfParagraphs);
