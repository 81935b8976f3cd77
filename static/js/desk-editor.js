// The story form: live word count and the preview "as in the issue".
// The prose editor keeps the <textarea name="body"> up to date and fires
// "input" on it after every change, so this script only reads the textarea.

// The server's allowlist (newsroom.sanitizing.editor_allowlist), sent with the page.
const ALLOWLIST = JSON.parse(document.getElementById("body-allowlist").textContent);
const ALLOWED = new Set(ALLOWLIST.tags);
const BLOCK_BREAK = /<br\s*\/?>|<\/(?:p|li|ul|ol)>/gi;
const isSafeHref = (href) => ALLOWLIST.schemes.some((s) => href.toLowerCase().startsWith(s));

function parse(html) {
  // Same rule as newsroom.story_shape.count_words on the server: block ends
  // and line breaks separate words, inline tags do not.
  return new DOMParser().parseFromString(html.replace(BLOCK_BREAK, " "), "text/html");
}

// A word holds a letter or a digit: a "·" or "–" on its own is not one.
const WORDLIKE = /[\p{L}\p{N}]/u;

function countWords(html) {
  const text = parse(html).body.textContent || "";
  return text.split(/\s+/).filter((token) => WORDLIKE.test(token)).length;
}

// The one-paragraph rule, as newsroom.story_shape.body_problem states it
// (the submit check): one paragraph, optionally followed by one list. The
// blocks are the body's top-level paragraphs and lists; text outside any
// block reads as a paragraph.
const BODY_RULE = "One paragraph, optionally followed by one list";

function bodyShape(html) {
  const body = new DOMParser().parseFromString(html, "text/html").body;
  const blocks = [];
  let loose = false;
  for (const node of Array.from(body.childNodes)) {
    if (node.nodeType === Node.TEXT_NODE) {
      if (node.textContent.trim()) loose = true;
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      if (node.tagName === "P") blocks.push("p");
      else if (node.tagName === "UL" || node.tagName === "OL") blocks.push("list");
      else if (node.tagName !== "BR") loose = true;
    }
  }
  if (loose && !blocks.includes("p")) blocks.unshift("p");
  return blocks;
}

function bodyProblem(html) {
  const blocks = bodyShape(html);
  const paragraphs = blocks.filter((b) => b === "p").length;
  const lists = blocks.length - paragraphs;
  const rule = `a story is ${BODY_RULE.toLowerCase()}.`;
  if (paragraphs > 1) return `This story has ${paragraphs} paragraphs; ${rule} Join the paragraphs.`;
  if (lists > 1) return `This story has ${lists} lists; ${rule} Make them one list.`;
  if (lists && blocks[0] !== "p") {
    return paragraphs
      ? `The list comes before the paragraph; ${rule} Move the list to the end.`
      : `This story is only a list; ${rule} Start it with a paragraph.`;
  }
  return null;
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
  // A heading is never empty: an empty one says nothing to a screen reader.
  headline.textContent =
    form.querySelector("input[name=headline]").value.trim() || headline.dataset.noHeadline;
  const parsed = new DOMParser().parseFromString(body.value, "text/html").body;
  const copy = document.createDocumentFragment();
  for (const child of Array.from(parsed.childNodes)) {
    const clean = cleanCopy(child);
    if (clean) copy.append(clean);
  }
  const name = sourceName(form);
  if (name) {
    // As newsroom.sanitizing.body_with_source prints it: at the end of the
    // last paragraph, or of the last item of a list that ends the body.
    let last = null;
    for (let node = copy.lastElementChild; node && /^(P|LI|UL|OL)$/.test(node.tagName); node = node.lastElementChild) {
      if (node.tagName === "P" || node.tagName === "LI") last = node;
      if (node.tagName === "P") break;
    }
    if (!last) {
      last = copy.appendChild(document.createElement("p"));
      last.className = "source-line";
    }
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
  const unit = form.querySelector("[data-word-unit]");
  if (!body) return;
  const update = () => {
    const words = countWords(body.value);
    if (count) count.textContent = words;
    if (unit) unit.textContent = words === 1 ? "word" : "words";
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
    // Every button one can see: the editor hides some (list properties,
    // remove link) until they apply, and a hidden one cannot take focus.
    const buttons = () =>
      Array.from(bar.querySelectorAll(".prose-menubar__button")).filter(
        (button) => !button.classList.contains("hidden") && button.getClientRects().length > 0,
      );
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

// An issue story is one paragraph, optionally followed by one list: when the
// body is otherwise, the editor says so in the words the submit check uses.
function warnOfParagraphs(form) {
  const body = form.querySelector("textarea[name=body]");
  const warning = form.querySelector("[data-paragraph-warning]");
  if (!body || !warning) return;
  const update = () => {
    const problem = bodyProblem(body.value);
    warning.hidden = !problem;
    warning.textContent = problem || "";
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}

document.querySelectorAll("[data-story-form]").forEach(warnOfParagraphs);

// A paste is cleaned as it happens, by the server's own clean-up and
// sanitiser (newsroom/desk/paste.py): the editor inserts what a save would
// keep, so what one sees is what is saved. A table or typed bullets are
// named in one line under the editor. Without the server (offline, signed
// out) the editor pastes as it would, and the line says it was not tidied.
function cleanPastes(form) {
  const notice = form.querySelector("[data-paste-notice]");
  if (!notice) return;
  const say = (words, problem = false) => {
    notice.textContent = words;
    notice.hidden = !words;
    notice.classList.toggle("text-danger", problem);
  };
  const paste = (editor, html) => {
    if (editor.view.pasteHTML) editor.view.pasteHTML(html);
    else editor.commands.insertContent(html);
    // The editor's own change events are not the person's: say it was.
    form.dispatchEvent(new CustomEvent("desk:edited"));
  };
  form.addEventListener("paste", (event) => {
    const editable = event.target.closest && event.target.closest(".ProseMirror");
    const editor = editable && editable.editor;
    const html = event.clipboardData && event.clipboardData.getData("text/html");
    // Plain text, and a copy from this editor, are pasted as they are.
    if (!editor || !html || html.includes("data-pm-slice")) return;
    event.preventDefault();
    event.stopPropagation();
    const fields = new FormData();
    fields.append("html", html);
    fields.append("headline", (form.querySelector("input[name=headline]") || { value: "" }).value);
    fields.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    say("Tidying the paste…");
    fetch(notice.dataset.url, { method: "POST", body: fields, credentials: "same-origin" })
      .then(async (response) => {
        const type = response.headers.get("content-type") || "";
        if (response.redirected || !type.includes("json")) throw new Error("not the desk");
        const answer = await response.json();
        if (!response.ok) {
          say(`Not pasted: ${answer.problems.join(" ")}`, true);
          return;
        }
        paste(editor, answer.html);
        say(answer.notices.join(" "));
      })
      .catch(() => {
        paste(editor, html);
        say("Pasted without tidying (the server could not be reached): check its lists and tables; Save tidies them.", true);
      });
  }, true);
}

document.querySelectorAll("[data-story-form]").forEach(cleanPastes);

// Ctrl+K (the editor's link shortcut) acts on the editor's own idea of the
// selection, which it learns from the browser's "selectionchange" event. That
// event is queued: on a busy machine, or with keys pressed in quick
// succession (Shift+Home, Ctrl+K), the shortcut runs before the editor has
// heard of the selection, finds nothing selected and does nothing. So, just
// before the editor sees Ctrl+K, tell it what is selected on the page.
function syncSelectionBeforeLinkShortcut(event) {
  if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "k") return;
  const editable = event.target.closest && event.target.closest(".ProseMirror");
  // tiptap keeps its editor on the editable element (TiptapEditorHTMLElement).
  const editor = editable && editable.editor;
  const selection = document.getSelection();
  if (!editor || !selection || !selection.anchorNode) return;
  const { view } = editor;
  if (!view.dom.contains(selection.anchorNode) || !view.dom.contains(selection.focusNode)) return;
  const anchor = view.posAtDOM(selection.anchorNode, selection.anchorOffset);
  const head = view.posAtDOM(selection.focusNode, selection.focusOffset);
  const known = view.state.selection;
  if (known.anchor !== anchor || known.head !== head) {
    editor.commands.setTextSelection({ from: anchor, to: head });
  }
  // With nothing selected the shortcut has nothing to link: say so, rather
  // than let the key do nothing.
  if (editor.state.selection.empty && !editor.isActive("link")) {
    const keys = event.metaKey ? "⌘K" : "Ctrl+K";
    linkHint(editable).textContent = `Select the words to link first, then press ${keys}.`;
  }
}

// One polite line under the editor for the hint above; it goes with the next key.
function linkHint(editable) {
  const box = editable.closest(".prose-editor");
  let hint = box.parentElement.querySelector(":scope > .desk-link-hint");
  if (!hint) {
    hint = document.createElement("p");
    hint.className = "small desk-link-hint";
    hint.setAttribute("aria-live", "polite");
    box.insertAdjacentElement("afterend", hint);
    editable.addEventListener("keydown", (event) => {
      if (!((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k")) hint.textContent = "";
    });
  }
  return hint;
}

document.addEventListener("keydown", syncSelectionBeforeLinkShortcut, true);

// The link dialog takes only whole addresses: a story is read in a mail and a
// PDF, where "example.com/x" (no scheme) or "plans.html" (relative) leads
// nowhere. It says so in the dialog, offers the https:// address when what
// was typed is a host name, and keeps the dialog open until the link is whole.
// (The server makes host names absolute too, and drops relative links, for
// bodies that arrive another way.)
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const HOST = new RegExp(ALLOWLIST.host, "i");
const SCHEMES_IN_WORDS = ALLOWLIST.schemes.join(", ").replace(/, ([^,]*)$/, " or $1");

function linkProblem(typed) {
  const href = typed.trim();
  if (!href || isSafeHref(href)) return null;
  const host = href.startsWith("//") ? href.slice(2) : href;
  const hostPart = (host.match(HOST) || [""])[0].replace(/[/?#:]$/, "").toLowerCase();
  if (hostPart && !ALLOWLIST.file_endings.some((ending) => hostPart.endsWith(ending))) {
    const whole = `https://${host}`;
    return {
      message: `“${href}” has no https:// in front; a link in a story needs the whole address.`,
      whole,
    };
  }
  const scheme = href.match(SCHEME);
  if (scheme) {
    return { message: `A link in a story starts with ${SCHEMES_IN_WORDS}; a “${scheme[0]}” link is not kept.` };
  }
  return {
    message: `“${href}” is not a whole address. Type it with https:// in front, as the browser’s address bar shows it.`,
  };
}

function guardLinkDialog(dialog) {
  const input = dialog.querySelector("input[name=href]");
  if (!input || input.dataset.guarded) return;
  input.dataset.guarded = "1";
  const note = document.createElement("div");
  note.className = "prose-editor-link-problem";
  note.id = `${input.id}-problem`;
  note.hidden = true;
  input.closest(".prose-editor-dialog-field").append(note);
  input.setAttribute("aria-describedby", note.id);

  const check = () => {
    const problem = linkProblem(input.value);
    input.setCustomValidity(problem ? problem.message : "");
    return problem;
  };
  const show = (problem) => {
    note.replaceChildren();
    note.hidden = !problem;
    if (!problem) {
      input.removeAttribute("aria-invalid");
      return;
    }
    input.setAttribute("aria-invalid", "true");
    const words = document.createElement("p");
    words.textContent = problem.message;
    words.setAttribute("role", "alert");
    note.append(words);
    if (problem.whole) {
      const use = document.createElement("button");
      use.type = "button";
      use.className = "prose-editor-link-fix";
      use.textContent = `Use ${problem.whole}`;
      use.addEventListener("click", () => {
        input.value = problem.whole;
        show(check());
        input.focus();
      });
      note.append(use);
    }
  };
  input.addEventListener("input", () => {
    const problem = check();
    if (!note.hidden) show(problem); // once shown, the note follows the typing
  });
  // The dialog's Update button asks the form to report its validity first:
  // a link with a problem fires "invalid" and the dialog stays open, with
  // our note in place of the browser's bubble (which would cover it).
  input.addEventListener("invalid", (event) => {
    event.preventDefault();
    show(check());
  });
  check();
}

new MutationObserver(() => {
  document.querySelectorAll("dialog.prose-editor-dialog").forEach(guardLinkDialog);
}).observe(document.body, { childList: true, subtree: true });


// Replying to or resolving a comment beside the editor leaves the page: with
// unsaved edits to the story, say so instead of losing them.
function keepUnsavedEdits(form) {
  let unsaved = form.hasAttribute("data-unsaved");
  form.addEventListener("input", () => { unsaved = true; });
  form.addEventListener("submit", () => { unsaved = false; });
  document.querySelectorAll(".desk-threads form").forEach((threadForm) => {
    threadForm.addEventListener("submit", (event) => {
      if (!unsaved) return;
      event.preventDefault();
      let note = threadForm.querySelector("[data-unsaved-note]");
      if (!note) {
        note = document.createElement("p");
        note.className = "small text-danger mt-1 mb-0";
        note.setAttribute("role", "alert");
        note.dataset.unsavedNote = "";
        threadForm.append(note);
      }
      note.textContent = "Save the story first: your edits are not saved yet, and this would leave the page.";
    });
  });
}

document.querySelectorAll("[data-story-form]").forEach(keepUnsavedEdits);

// Nothing typed is lost (newsroom/desk/drafts.py, docs/desk.md). While the
// form has changes, its fields are posted to the person's draft every few
// seconds, and once more when the tab is hidden or closed; the story itself
// changes only on Save. Leaving the page with changes asks first.
const AUTOSAVE_EVERY = 10_000;

function autosave(form) {
  const url = form.dataset.autosave;
  if (!url) return;
  const status = form.querySelector("[data-autosave-status]");
  const fields = () => new FormData(form);
  const snapshot = () => new URLSearchParams(fields()).toString();
  // Only what the person does makes the form dirty: the editor rewriting its
  // textarea as it starts (a script's event, not trusted) does not.
  let dirty = form.hasAttribute("data-unsaved");
  let sent = dirty ? "" : snapshot();
  let leaving = false;
  const markDirty = (event) => {
    if (!event.isTrusted) return;
    dirty = true;
    form.dataset.unsaved = "";
  };
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("desk:edited", () => markDirty({ isTrusted: true }));
  const say = (words, problem = false) => {
    if (!status) return;
    status.textContent = words;
    status.classList.toggle("text-danger", problem);
    status.classList.toggle("text-muted", !problem);
  };

  const save = async () => {
    const now = snapshot();
    if (!dirty || now === sent) return;
    sent = now;
    try {
      const response = await fetch(url, { method: "POST", body: fields(), credentials: "same-origin" });
      if (response.redirected) {
        sent = "";
        say("You are signed out, so changes are no longer autosaved. Press Save: after you sign in, the form comes back with your text.", true);
        return;
      }
      const answer = await response.json();
      if (answer.saved) say(`Unsaved changes kept at ${answer.at}; Save to keep them in the story.`);
      else if (answer.same) say("");
      else say(`Not autosaved: ${answer.problems.join(" ")}`, true);
    } catch {
      sent = "";
      say("Could not reach the server to autosave; your text is still here. Save when the connection is back.", true);
    }
  };
  const saveOnLeaving = () => {
    const now = snapshot();
    if (leaving || !dirty || now === sent) return;
    sent = now;
    navigator.sendBeacon(url, fields());
  };

  const timer = setInterval(save, Number(form.dataset.autosaveEvery || AUTOSAVE_EVERY));
  form.addEventListener("submit", () => {
    leaving = true;
    clearInterval(timer);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveOnLeaving();
  });
  window.addEventListener("pagehide", saveOnLeaving);
  window.addEventListener("beforeunload", (event) => {
    if (!dirty || leaving) return;
    event.preventDefault();
    event.returnValue = "";
  });
}

document.querySelectorAll("[data-story-form]").forEach(autosave);
