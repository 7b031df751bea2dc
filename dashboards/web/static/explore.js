/* Explore: boolean search with filters, highlighted results, cursor paging, export. */
"use strict";

(() => {
  const { el, fmt } = GS;
  const list = document.getElementById("results");
  const more = document.getElementById("more");
  const count = document.getElementById("result-count");
  let current = null;

  function setExportLinks(params) {
    for (const format of ["csv", "json"]) {
      const qs = new URLSearchParams(Object.assign({}, params, { format }));
      document.getElementById("export-" + format).href = "/api/export?" + qs;
    }
  }

  async function fetchPage(params, cursor) {
    const data = await GS.api("/api/search", Object.assign({}, params, cursor ? { cursor } : {}));
    for (const hit of data.hits) list.append(GS.mentionCard(hit, hit.highlight));
    count.textContent = `\u{1F50E} ${fmt(data.total)} matches \u00B7 showing ${fmt(list.children.length)}`;
    more.hidden = !data.next_cursor;
    more.dataset.cursor = data.next_cursor || "";
    if (!list.children.length) list.append(el("li", { class: "empty", text: "\u2205 no mentions match" }));
  }

  const queryBox = document.querySelector("input[name=q]");

  async function load(params) {
    current = params;
    list.replaceChildren();
    count.textContent = "";
    more.hidden = true;
    queryBox.removeAttribute("aria-invalid");
    setExportLinks(params);
    try {
      await fetchPage(params, null);
    } catch (error) {
      if (error.body && error.body.param === "q") {
        // Put the caret where the parser stopped (1-based column).
        queryBox.setAttribute("aria-invalid", "true");
        const at = Math.max(0, (error.body.position || 1) - 1);
        queryBox.focus();
        queryBox.setSelectionRange(at, queryBox.value.length);
      }
      throw error;
    }
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try { await fetchPage(current, more.dataset.cursor); } catch (e) { /* shown in the error box */ }
    more.disabled = false;
  });

  GS.start(load);
})();
