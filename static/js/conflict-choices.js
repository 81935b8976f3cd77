// The conflict page: typing in a field that differs chooses "As edited in
// the form below" for it, so what one types is what is saved. Without the
// script the choice is made by hand, and the server insists on one.
const form = document.querySelector("[data-merge-form]");

function fieldNameOf(target) {
  if (target.name) return target.name;
  // The body's rich-text editor: its textarea sits beside the editable area.
  const editor = target.closest?.(".prose-editor");
  return editor?.querySelector("textarea")?.name || "";
}

if (form) {
  form.addEventListener("input", (event) => {
    const name = fieldNameOf(event.target);
    const edited = name && form.querySelector(`input[name="merge_${name}"][value=edit]`);
    if (edited && !edited.checked) edited.checked = true;
  });
}
