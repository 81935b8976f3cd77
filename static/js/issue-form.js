// The new-issue form: choosing a newsletter suggests its next number and
// period again (the server knows the newsletter's last issue). A field the
// editor typed into since the last suggestion is left as it is.
function suggestOnChange(form) {
  const select = form.querySelector("select[name=newsletter]");
  const status = form.querySelector("[data-suggestion-status]");
  const fields = ["number", "period_start", "period_end"].map((name) =>
    form.querySelector(`[name=${name}]`),
  );
  const suggested = new Map(fields.map((field) => [field, field.value]));
  if (!select) return;
  select.addEventListener("change", async () => {
    if (!select.value) return;
    const url = `${form.dataset.suggestionUrl}?newsletter=${encodeURIComponent(select.value)}`;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const suggestion = await response.json();
    for (const field of fields) {
      if (field.value !== suggested.get(field)) continue; // typed by hand: keep it
      field.value = suggestion[field.name];
      suggested.set(field, field.value);
    }
    if (status) status.textContent = `Suggested no. ${suggestion.number}, ${suggestion.period_start} to ${suggestion.period_end}.`;
  });
}

document.querySelectorAll("[data-issue-form]").forEach(suggestOnChange);
