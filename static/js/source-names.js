// Source fields suggest the names we have as the editor types: the
// server (desk:source_names) sends at most 20, those starting with the
// text first, and this fills the field's <datalist> with them. Without
// this script the field still works: type the source's exact name.
const WAIT_MS = 150;

function suggestNames(input) {
  const list = document.getElementById(input.getAttribute("list"));
  if (!list) return;
  let timer = null;
  let asked = null;
  let pending = null;
  const ask = async () => {
    const text = input.value.trim();
    if (text === asked) return;
    asked = text;
    pending?.abort();
    pending = new AbortController();
    try {
      const url = `${input.dataset.sourceNames}?q=${encodeURIComponent(text)}`;
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        signal: pending.signal,
      });
      if (!response.ok) return; // no suggestions; typing the name still works
      const { sources } = await response.json();
      list.replaceChildren(...sources.map((name) => new Option("", name)));
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, WAIT_MS);
  });
  input.addEventListener("focus", ask, { once: true });
}

document.querySelectorAll("input[data-source-names][list]").forEach(suggestNames);
