/* Explore: boolean search with filters, highlighted results, cursor paging, export. */
"use strict";

(() => {
  const { el, fmt, post } = GS;
  const list = document.getElementById("results");
  const more = document.getElementById("more");
  const count = document.getElementById("result-count");
  let current = null;
  let spamNote = "";

  /* A flagged mention (shown with Spam: included): the rule's reason and a way to overrule it. */
  function spamLine(hit) {
    const button = el("button", { type: "button", class: "not-spam", text: "\u2705 not spam" });
    const line = el("div", { class: "meta spam" }, el("span", { class: "badge", text: "\u{1F916} " + hit.spam }), button);
    button.addEventListener("click", async () => {
      button.disabled = true;
      const { ok, answer } = await post("/api/spam/not-spam", { ids: [hit.id] });
      if (ok && (answer.marked || []).includes(hit.id)) {
        const undo = undoButton(hit, line);
        line.replaceChildren(el("span", { class: "muted", text: "\u2705 marked not spam: counted from now on" }), undo);
        undo.focus();  // the button pressed is gone: focus goes to the one that takes it back
        GS.announce("Marked not spam: counted from now on");
      } else {
        button.disabled = false;
        GS.showError(answer.error || "not marked: this mention is no longer stored");
      }
    });
    return line;
  }

  /* Withdraw a "not spam" just made: the flag it cleared comes back. */
  function undoButton(hit, line) {
    const button = el("button", { type: "button", class: "undo-not-spam", text: "\u21A9\uFE0F undo" });
    button.addEventListener("click", async () => {
      button.disabled = true;
      const { ok, answer } = await post("/api/spam/undo", { ids: [hit.id] });
      const flag = ok && (answer.reflagged || {})[hit.id];
      if (flag) {
        const again = spamLine(Object.assign({}, hit, { spam: flag }));
        line.replaceWith(again);
        again.querySelector("button").focus();
        GS.announce("\u201Cnot spam\u201D withdrawn: flagged as spam again");
      } else if (ok && (answer.unflagged || []).includes(hit.id)) {
        const said = "\u21A9\uFE0F not spam withdrawn: counted until a spam pass flags it again";
        line.replaceChildren(el("span", { class: "muted", text: said }));
        line.setAttribute("tabindex", "-1");  // nothing left to press: focus on the line that says what happened
        line.focus();
        GS.announce(said);
      } else {
        button.disabled = false;
        GS.showError(answer.error || "no \"not spam\" to withdraw");
      }
    });
    return button;
  }

  /* The analyst's correction of a label the model got wrong, at the end of the card's first line:
     kept over every later model run. A corrected card offers the other labels and the model's own back.
     The select only chooses; its Apply button writes (WCAG 3.2.2: arrowing through the options changes nothing). */
  function addCorrection(hit, card) {
    const labels = Object.keys(GS.SENTIMENT_ICON).filter((s) => s !== hit.sentiment);
    const choice = el("select", { class: "correct", "aria-label": "correct the sentiment", title: "set the right sentiment" },
      el("option", { value: "", text: "\u270F\uFE0F correct\u2026" }),
      ...labels.map((s) => el("option", { value: s, text: s })),
      ...(hit.corrected ? [el("option", { value: "undo", text: "\u21A9\uFE0F the model's label" })] : []));
    const apply = el("button", { type: "button", class: "apply-correct", disabled: true, text: "Apply",
                                 "aria-label": "apply the chosen sentiment" });
    choice.addEventListener("change", () => { apply.disabled = !choice.value; });
    apply.addEventListener("click", async () => {
      const label = choice.value;
      if (!label) return;
      choice.disabled = true;
      apply.disabled = true;
      const undo = label === "undo";
      const { ok, answer } = await post(undo ? "/api/sentiment/undo" : "/api/sentiment/correct",
        undo ? { ids: [hit.id] } : { ids: [hit.id], label });
      const now = !ok ? null : undo ? (answer.restored || {})[hit.id] : ((answer.corrected || []).includes(hit.id) ? label : null);
      if (now) {
        const fixed = Object.assign({}, hit, { sentiment: now, corrected: !undo, rule: null });
        const redrawn = GS.mentionCard(fixed, hit.highlight);
        addCorrection(fixed, redrawn);
        const spam = card.querySelector(".meta.spam");  // its spam line, in whatever state it is now
        if (spam) redrawn.append(spam);
        const said = undo ? `\u21A9\uFE0F the model's label again: ${now}` : `\u270F\uFE0F corrected to ${now}: counted so from now on`;
        redrawn.append(el("div", { class: "meta", text: said }));
        card.replaceWith(redrawn);
        redrawn.querySelector("select.correct").focus();  // the card is new: focus on its control, not the page top
        GS.announce(said);
      } else {
        choice.disabled = false; choice.value = "";
        choice.focus();
        GS.showError(answer.error || (undo
          ? "not given back: it carries a model's label already, or no record of the model's label is kept"
          : "not corrected: this mention is no longer stored, or not tagged yet"));
      }
    });
    card.querySelector(".meta").append(el("span", { class: "correct-box" }, choice, apply));
  }

  function setExportLinks(params) {
    for (const format of ["csv", "json"]) {
      // bom=1: the CSV is for a spreadsheet, and Excel reads it as UTF-8 only with the byte-order mark
      const qs = new URLSearchParams(Object.assign({}, params, { format }, format === "csv" ? { bom: "1" } : {}));
      document.getElementById("export-" + format).href = "/api/export?" + qs;
    }
  }

  /* Load a page of results; the count line is announced (the page's live region). Returns the first new card. */
  async function fetchPage(params, cursor) {
    const data = await GS.api("/api/search", Object.assign({}, params, cursor ? { cursor } : {}));
    const shownBefore = list.children.length;
    if (!cursor) intentNote(data.intent_precision || null);
    if (!cursor && data.untagged) { const n = document.getElementById("intent-note"); n.hidden = false; n.textContent += ` ${fmt(data.untagged)} post(s) matching the other filters are not tagged yet (older posts, tagged a slice per run): not listed.`; }
    for (const hit of data.hits) {
      const card = GS.mentionCard(hit, hit.highlight);
      if (hit.spam) card.append(spamLine(hit));
      if (hit.sentiment) addCorrection(hit, card);
      list.append(card);
    }
    if (data.spam) spamNote = data.spam.included
      ? ` \u00B7 \u{1F916} ${fmt(data.spam.in_view)} spam included`
      : ` \u00B7 \u{1F916} ${fmt(data.spam.in_view)} spam left out`;
    // total_exact false: the store stopped counting (SQLite at 10,000), so "10,000+", never a short figure as exact
    const total = fmt(data.total) + (data.total_exact === false ? "+" : "");
    count.textContent = `\u{1F50E} ${total} matches \u00B7 showing ${fmt(list.children.length)}` + spamNote;
    more.hidden = !data.next_cursor;
    more.dataset.cursor = data.next_cursor || "";
    if (!list.children.length) list.append(el("li", { class: "empty", text: "\u2205 no mentions match" }));
    GS.announce(count.textContent);
    return list.children[shownBefore] || null;
  }

  const queryBox = document.querySelector("input[name=q]");

  /* Each intent's measured precision on real posts (/api/meta's intent_precision: nlp/models/intents/precision.json,
     the model card's figures), in its option; an intent under 0.5 is marked unreliable. Once per page. */
  function annotateIntents() {
    const select = document.querySelector("select[name=intent]");
    const measured = GS.meta && GS.meta.intent_precision;
    if (!select || !measured || select.dataset.annotated) return;
    select.dataset.annotated = "1";
    for (const option of select.options) {
      const m = option.value && measured.intents[option.value];
      if (!option.value) continue;
      option.dataset.reliable = !m || !m.measured ? "unmeasured" : m.reliable ? "true" : "false";
      option.textContent += !m || !m.measured ? " \u00B7 precision not measured"
        : ` \u00B7 precision ${m.precision.toFixed(2)}` + (m.reliable ? "" : " \u26A0\uFE0F unreliable");
    }
  }

  /* Above the results of an intent filter: how often that tag is right on real posts (the search answer's
     intent_precision), a warning when it is unreliable. */
  function intentNote(measured) {
    let note = document.getElementById("intent-note");
    if (!note) {
      note = el("p", { id: "intent-note", class: "muted" });
      count.parentNode.after(note);
    }
    note.hidden = !measured;
    note.classList.toggle("unreliable", Boolean(measured && measured.reliable === false));
    if (!measured) { note.textContent = ""; return; }
    const where = (measured.sets || []).map((s) => `${s.set}: ${s.precision.toFixed(2)}`).join("; ");
    note.textContent = !measured.measured
      ? `Intent "${measured.intent}": precision not measured on real posts (docs/model-card.md, Intent tags).`
      : (measured.reliable ? "" : "\u26A0\uFE0F unreliable: ")
        + `"${measured.intent}" tags are right ${Math.round(measured.precision * 100)}% of the time on real posts `
        + `at worst (${where}; docs/model-card.md)`
        + (measured.reliable ? "." : ": most posts listed here are not that intent.");
  }

  async function load(params) {
    current = params;
    spamNote = "";
    list.replaceChildren();
    count.textContent = "";
    more.hidden = true;
    queryBox.removeAttribute("aria-invalid");
    setExportLinks(params);
    annotateIntents();
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
    // aria-disabled, not disabled, while loading: a disabled button drops the keyboard's focus to the page top.
    if (more.getAttribute("aria-disabled") === "true") return;
    more.setAttribute("aria-disabled", "true");
    let first = null;
    try { first = await fetchPage(current, more.dataset.cursor); } catch (e) { /* shown in the error box */ }
    more.removeAttribute("aria-disabled");
    if (first) {  // focus on the first card just loaded: reading goes on where the new ones start
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  });

  GS.start(load);
})();
