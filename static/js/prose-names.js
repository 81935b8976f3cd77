// Every rich-text editor on a page (django-prose-editor) gets the name of
// its field's label, so a screen reader announces "Body, edit text". The
// editor builds its editable area after load, hence the observer.
function nameProseEditors() {
  let unnamed = 0;
  let named = 0;
  document.querySelectorAll(".ProseMirror[contenteditable]").forEach((editable) => {
    if (editable.hasAttribute("aria-labelledby")) {
      named += 1;
      return;
    }
    const field = editable.closest(".prose-editor")?.querySelector("textarea[id]");
    const label = field && document.querySelector(`label[for="${field.id}"]`);
    if (!label) {
      unnamed += 1;
      return;
    }
    label.id = label.id || `${field.id}_label`;
    editable.setAttribute("aria-labelledby", label.id);
    editable.setAttribute("aria-multiline", "true");
    if (!editable.getAttribute("role")) editable.setAttribute("role", "textbox");
    named += 1;
  });
  return named > 0 && unnamed === 0;
}

// Watch until the page's editors are named (pages without one: no editor appears).
if (!nameProseEditors() && document.querySelector("textarea")) {
  const observer = new MutationObserver(() => {
    if (nameProseEditors()) observer.disconnect();
  });
  observer.observe(document.body, { childList: true, subtree: true });
}
