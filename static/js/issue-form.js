// The new-issue form: choosing a newsletter suggests its next number, period
// and deadlines again (the server knows the newsletter's last issue and its
// rhythm); typing a period suggests the deadlines that follow from it (and a
// new first day, a last day a week on). A field the editor typed into since
// the last suggestion is left as it is.
const DEADLINES = ["copy_deadline", "review_deadline", "planned_publication_at"];

function suggestOnChange(form) {
  const select = form.querySelector("select[name=newsletter]");
  const status = form.querySelector("[data-suggestion-status]");
  const field = (name) => form.querySelector(`[name=${name}]`);
  const fields = ["number", "period_start", "period_end", ...DEADLINES].map(field).filter(Boolean);
  const suggested = new Map(fields.map((input) => [input, input.value]));
  const newsletter = () => (select ? select.value : field("newsletter")?.value) || "";

  async function ask(params) {
    const query = new URLSearchParams({ newsletter: newsletter(), ...params });
    const response = await fetch(`${form.dataset.suggestionUrl}?${query}`, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return null;
    return response.json();
  }

  function fill(suggestion) {
    for (const input of fields) {
      if (!(input.name in suggestion)) continue;
      if (input.value !== suggested.get(input)) continue; // typed by hand: keep it
      input.value = suggestion[input.name];
      suggested.set(input, input.value);
    }
  }

  if (select) {
    select.addEventListener("change", async () => {
      if (!select.value) return;
      const suggestion = await ask({});
      if (!suggestion) return;
      fill(suggestion);
      if (status) status.textContent = `Suggested no. ${suggestion.number}, ${suggestion.period_start} to ${suggestion.period_end}.`;
    });
  }

  async function followPeriod() {
    const end = field("period_end");
    if (!newsletter() || !end || !end.value) return;
    const suggestion = await ask({ period_end: end.value });
    if (!suggestion) return;
    fill(suggestion);
    if (status) status.textContent = `Deadlines suggested for a period ending ${end.value}.`;
  }

  const start = field("period_start");
  const end = field("period_end");
  start?.addEventListener("change", () => {
    // A last day nobody typed follows the first day: a week's period.
    if (end && start.value && end.value === suggested.get(end)) {
      const day = new Date(`${start.value}T12:00:00Z`);
      day.setUTCDate(day.getUTCDate() + 6);
      end.value = day.toISOString().slice(0, 10);
      suggested.set(end, end.value);
    }
    followPeriod();
  });
  end?.addEventListener("change", followPeriod);
}

document.querySelectorAll("[data-issue-form]").forEach(suggestOnChange);
