/* Shared helpers for every page: API calls, the filter form <-> URL, small DOM builders.
   Post text is untrusted: it is only ever inserted as text nodes, never as HTML. */
"use strict";

const GS = (() => {
  // The palette is defined once (groundswell/palette.py) and reaches the page as CSS custom properties.
  const css = getComputedStyle(document.documentElement);
  const cssVar = (name) => css.getPropertyValue(name).trim();
  const COLORS = {
    negative: cssVar("--neg"), neutral: cssVar("--neu"), positive: cssVar("--pos"), unknown: cssVar("--unk"),
  };
  const SEVERITY_COLORS = {
    critical: cssVar("--sev-critical"), warning: cssVar("--sev-warning"), info: cssVar("--sev-info"),
  };
  const ACCENT = cssVar("--accent");
  const BUCKET_MS = { hour: 3600000, day: 86400000 };
  const SENTIMENT_ICON = { negative: "\u{1F620}", neutral: "\u{1F610}", positive: "\u{1F600}" };
  const SEVERITY_ICON = { critical: "\u{1F534}", warning: "\u{1F7E0}", info: "\u{1F535}" };
  const DAY = 86400000;
  // Languages written right to left: a label with no letters to go by (digits, emoji) in one of them is rtl.
  const RTL_LANGS = new Set(["ar", "he", "fa", "ur", "ps", "sd", "yi", "dv", "ug", "ckb"]);
  // Strong letters of each direction, and what is left out when counting them: @handles, #tags, $cashtags and links
  // are Latin whatever the post's language, and a post opening with one would otherwise read left to right.
  const RTL_LETTER = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/gu;
  const LTR_LETTER = /[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0900-\u1fff\u3040-\u9fff\uac00-\ud7af]/gu;
  const NOT_COUNTED = /(?:https?:\/\/|www\.)\S+|[@#$][\p{L}\p{N}_.]+/gu;
  const form = document.getElementById("filters");
  const errorBox = document.getElementById("error");
  const loadingBox = document.getElementById("loading");
  const main = document.querySelector("main");
  // The filters every page shares: carried by the header's links and kept in the URL by pages without their control.
  const SHARED = ["brand", "days", "since", "until", "tz", "lang", "source"];
  let meta = null;
  let loads = 0;
  // The IANA zone whose days the pages show: the URL's tz, else the server's (digest.timezone, /api/meta).
  let zone = new URLSearchParams(location.search).get("tz") || "UTC";
  const wallFormats = {};
  const pendingCharts = [];

  /* The `dir` of `text` (a post, a label made from posts) in language `lang`: rtl when the language is written right
     to left and the text has right-to-left letters (an Arabic post opening with "@lumora" or a brand name; not an
     English post a wrong tag calls ar), or, whatever the tag, when its right-to-left letters outnumber the others
     (handles, tags and links left out: an untagged Arabic post); with no letters at all, by the language alone;
     else auto (the browser goes by the first strong letter). */
  function textDir(lang, text) {
    const rtlLang = Boolean(lang) && RTL_LANGS.has(String(lang).toLowerCase().split(/[-_]/)[0]);
    const counted = String(text || "").replace(NOT_COUNTED, " ");
    const rtl = (counted.match(RTL_LETTER) || []).length;
    const ltr = (counted.match(LTR_LETTER) || []).length;
    if (!rtl && !ltr) return rtlLang ? "rtl" : "auto";
    return (rtl && rtlLang) || rtl > ltr ? "rtl" : "auto";
  }

  /* dir and lang attributes for `text` in `lang`: its language said where known (a screen reader picks its voice). */
  function textAttrs(lang, text) {
    return { dir: textDir(lang, text), lang: lang || null };
  }

  /* Say `message` to screen readers: the page's one polite live region (#announce, pages.py), for results and
     the outcome of writes (a correction, "not spam", a verdict). */
  function announce(message) {
    const region = document.getElementById("announce");
    if (!region) return;
    // Emptied first: the same words twice in a row are announced again.
    region.textContent = "";
    setTimeout(() => { region.textContent = message; }, 50);
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function showError(message) {
    errorBox.textContent = "\u26A0\uFE0F " + message;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  async function api(path, params) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) qs.set(k, v);
    const url = path + (qs.toString() ? "?" + qs : "");
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    } catch (e) {
      // A refused connection or a dropped network: fetch throws instead of answering with a status.
      const message = "the dashboard did not answer (" + e.message + "): is it still running?";
      showError(message);
      const error = new Error(message);
      error.body = {};
      throw error;
    }
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const message = (body && body.error) || `${response.status} ${response.statusText}`;
      showError(message);
      const error = new Error(message);
      error.body = body || {};
      throw error;
    }
    return body;
  }

  /* POST one of the dashboard's writes. Always resolves to {ok, answer}: the JSON reply, or {error} when the
     reply is no JSON (a proxy's page, a server error) or the server did not answer at all. */
  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    } catch (error) {
      return { ok: false, answer: { error: "the dashboard did not answer: " + error.message } };
    }
    let answer = {};
    try { answer = await response.json(); } catch (error) { answer = {}; }
    if (!response.ok && !answer.error) answer.error = `${response.status} ${response.statusText}`;
    return { ok: response.ok, answer };
  }

  function isoDay(date) { return date.toISOString().slice(0, 10); }

  /* A UTC instant as the wall-clock time of `zone` ("2026-11-11T09:00:00", no offset). Charts are drawn in
     wall time (plotly has no time zones), so a local day is one bar from local midnight to local midnight. */
  function wall(iso, tz) {
    const name = tz || zone;
    const format = wallFormats[name] || (wallFormats[name] = new Intl.DateTimeFormat("en-CA", {
      timeZone: name, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }));
    const p = Object.fromEntries(format.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
  }

  /* wall() as milliseconds, for arithmetic on the chart's axis. */
  function wallMs(iso) { return Date.parse(wall(iso) + "Z"); }

  /* "Nov 11": a local day's name, from a wall-time string or milliseconds. */
  function dayName(wallTime) {
    const t = typeof wallTime === "number" ? wallTime : Date.parse(wallTime.slice(0, 10) + "T00:00:00Z");
    return new Date(t).toLocaleDateString("en", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
  }

  /* The form's values as API parameters. Dates: 'until' in the form is inclusive, the API's is exclusive.
     An exact time from a link (e.g. an alert's window) is kept while its day is left unchanged. */
  function formParams() {
    const out = {};
    if (!form) return out;
    for (const field of form.elements) {
      if (!field.name || field.value === "") continue;
      if (field.name === "preset") continue;
      out[field.name] = field.value;
    }
    const preset = form.elements.preset ? form.elements.preset.value : "";
    if (preset && preset !== "custom") {
      delete out.since; delete out.until;
      out.days = preset;
    } else if (preset === "") {
      delete out.since; delete out.until;
    }
    if (out.until) out.until = isoDay(new Date(Date.parse(out.until) + DAY));
    const asked = new URLSearchParams(location.search).get("tz");
    if (asked) out.tz = asked;  // a tz from the URL stays with every request the page makes
    for (const name of ["since", "until"]) {
      const exact = form.dataset[name];
      if (exact && out[name] && form.elements[name].value === dayShown(name, exact)) out[name] = exact;
    }
    return out;
  }

  /* The local day (in `zone`) a period bound shows as: until is exclusive, so its day is the one before. */
  function dayShown(name, iso) {
    if (iso.length === 10) return name === "until" ? isoDay(new Date(Date.parse(iso) - DAY)) : iso;
    const t = Date.parse(iso);
    return wall(new Date(name === "until" ? t - 1 : t).toISOString()).slice(0, 10);
  }

  /* URL query -> form (so a page can be bookmarked and shared). */
  function fillForm(params) {
    if (!form) return;
    for (const field of form.elements) {
      if (!field.name || !(field.name in params) || field.name === "since" || field.name === "until") continue;
      field.value = params[field.name];
    }
    for (const name of ["since", "until"]) {
      if (!params[name] || !form.elements[name] || isNaN(Date.parse(params[name]))) continue;
      form.elements[name].value = dayShown(name, params[name]);
      if (params[name].length > 10) form.dataset[name] = params[name];
    }
    if (form.elements.preset) {
      if (params.days) presetFor(params.days);
      else if (params.since || params.until) form.elements.preset.value = "custom";
    }
    showExact();
  }

  /* Select `days` in the Period select, adding "N d" when it is none of the presets: a shared link's period is
     shown and sent as given (the API says so if it is no number), never replaced by another. */
  function presetFor(days) {
    const select = form.elements.preset;
    if (![...select.options].some((o) => o.value === days)) {
      select.insertBefore(option(days, days + " d"), select.querySelector("option[value=custom]"));
    }
    select.value = days;
  }

  /* An exact window from a link (an alert's hour) is shown as times, since the date fields can only say its day:
     "2026-11-11 15:00-16:00 UTC". Hidden once a date is changed by hand. */
  function showExact() {
    const until = form && form.elements.until;
    if (!until) return;
    let note = document.getElementById("exact-window");
    if (!note) {
      note = el("span", { id: "exact-window", class: "exact-window", role: "status" });
      until.closest(".field").after(note);
    }
    const { since: from, until: to } = form.dataset;
    note.hidden = !(from || to);
    if (note.hidden) { note.textContent = ""; return; }
    const a = from ? wall(from).replace("T", " ").slice(0, 16) : "\u2026";
    const b = to ? wall(to).replace("T", " ").slice(0, 16) : "\u2026";
    const end = a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b;
    note.textContent = `\u23F1\uFE0F ${a}\u2013${end} ${zone}`;
    note.title = "the exact window of the link that opened this page; change a date to pick whole days";
  }

  /* The date fields say which zone their days are in: the one the page uses, not always UTC. */
  function nameZone() {
    if (!form) return;
    for (const [name, words] of [["since", "From"], ["until", "To, inclusive"]]) {
      const field = form.elements[name];
      if (!field) continue;
      field.closest(".field").title = `${words} (${zone})`;
      field.setAttribute("aria-description", `days in ${zone}`);
    }
  }

  /* Show the period the server actually used (it picks one when none is given). */
  function showPeriod(period) {
    if (!form || !form.elements.since || !period) return;
    const preset = form.elements.preset.value;
    if (preset === "custom") return;
    form.elements.since.value = dayShown("since", period.since);
    form.elements.until.value = dayShown("until", period.until);
  }

  function urlParams() {
    return Object.fromEntries(new URLSearchParams(location.search).entries());
  }

  function option(value, label) { return el("option", { value, text: label }); }

  /* Labels from more than one sentiment model build: trends mix them until the store is re-enriched. */
  function showModelsNote(models) {
    const box = document.getElementById("models-note");
    const builds = Object.entries(models || {});
    if (!box || builds.length < 2) return;
    box.replaceChildren(
      `Sentiment labels here come from ${builds.length} model builds (`
        + builds.map(([name, n]) => `${name}: ${fmt(n)}`).join(", ")
        + "), so trends mix them. ",
      el("code", { text: "groundswell store re-enrich" }),
      " tags the older ones again with the configured model.",
    );
    box.hidden = false;
  }

  /* How accurate the sentiment shown here is on these mentions, by the latest audit a person scored
     (docs/sentiment-audit.md); on the overview only, and flagged when it judged an earlier model. */
  function showAuditNote(audit) {
    const box = document.getElementById("audit-note");
    if (!box || !audit || document.body.dataset.page !== "overview") return;
    const a = audit.accuracy;
    const langs = Object.entries(audit.languages || {}).map(([l, e]) => `${l} ${e.value.toFixed(1)}%`).join(", ");
    box.replaceChildren(
      `\u{1F3AF} Sentiment audited ${audit.scored_at.slice(0, 10)}: ${a.value.toFixed(1)}% accurate `
        + `(${a.low.toFixed(1)}\u2013${a.high.toFixed(1)}, 95%) on ${fmt(audit.labelled)} posts people labelled`
        + (audit.filters && audit.filters.brand ? ` for ${audit.filters.brand}` : "")
        + (langs ? ` (${langs})` : "") + ". ",
      audit.current ? "" : el("b", { text: "It judged an earlier model's labels: audit again. " }),
    );
    box.classList.toggle("stale", !audit.current);
    box.hidden = false;
  }

  /* What `groundswell health` finds wrong with collection and delivery (/api/health: a source failing or gone
     quiet, a channel owing alerts, a brand with no recent post), above every page: a dip in a chart that is a
     collection gap says so. A failed read of it shows nothing here: the page's own loads say what failed. */
  async function showCollectionNote() {
    const box = document.getElementById("collection-note");
    if (!box) return;
    let health;
    try {
      const response = await fetch("/api/health", { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      health = await response.json();
    } catch (e) {
      return;
    }
    const rows = health.rows || [];
    box.hidden = rows.length === 0;
    if (!rows.length) return;
    const failing = rows.filter((r) => r.status === "failing").length;
    // A source's problem shared by several brands is one row; `brands` lists all of them in a <details> of its own
    // (its summary takes the keyboard's focus and a tap, where a hover title reaches neither a touch nor a keyboard).
    const brandList = (r) => el("details", { class: "brands" },
      el("summary", { text: `All ${r.brands.length} brands` }), el("p", { text: r.brands.join(", ") }));
    const items = rows.map((r) => el("li", {},
      el("b", { text: `${r.status === "failing" ? "Failing" : "Warning"}: ${r.name}` }), ` \u2014 ${r.detail}`,
      r.brands ? brandList(r) : null, r.action ? el("div", { class: "hint", text: r.action }) : null));
    box.replaceChildren(el("details", {},
      el("summary", { text: `\u26A0\uFE0F Collection: ${rows.length} ${rows.length === 1 ? "problem" : "problems"}`
        + (failing ? ` (${failing} failing)` : "") + " \u2014 counts here may be missing posts" }),
      el("ul", {}, ...items)));
    box.classList.toggle("failing", failing > 0);
    box.hidden = false;
  }

  async function loadMeta() {
    showCollectionNote();
    meta = await api("/api/meta");
    zone = new URLSearchParams(location.search).get("tz") || meta.timezone || "UTC";
    nameZone();
    showModelsNote(meta.sentiment_models);
    showAuditNote(meta.sentiment_audit);
    if (!form) return meta;
    const brand = form.elements.brand;
    if (brand) {
      const page = document.body.dataset.page;
      if (page === "explore" || page === "alerts") brand.append(option("", "all brands"));
      for (const b of meta.brands) brand.append(option(b.name, b.competitor ? `${b.name} (competitor)` : b.name));

      if (page !== "explore" && page !== "alerts") brand.value = meta.default_brand;
    }
    if (form.elements.source) {
      form.elements.source.append(option("", "all sources"));
      for (const s of meta.sources) form.elements.source.append(option(s, s));
    }
    if (form.elements.lang) {
      form.elements.lang.append(option("", "all languages"));
      for (const l of meta.langs) form.elements.lang.append(option(l, l));
    }
    return meta;
  }

  /* While a load is in flight: a visible "Loading..." and main marked busy. */
  function busy(on) {
    if (loadingBox) loadingBox.hidden = !on;
    if (main) main.setAttribute("aria-busy", on ? "true" : "false");
  }

  /* A load failed: the error is said, and what is still shown is marked as from before (greyed, data-stale). */
  function stale(error) {
    if (errorBox.hidden) showError(error.message || String(error));
    errorBox.append(el("span", { class: "stale-note",
      text: " \u2014 what is shown below is from before and may not match these filters." }));
    if (main) { main.classList.add("stale"); main.dataset.stale = "1"; }
  }

  /* URL parameters whose control in the form has another name: the Period select ("preset") says `days`. */
  const CONTROL_OF = { days: "preset" };

  /* Whether this page's form has a control for the URL parameter `k`: then the form, not the old URL, says its
     value (a custom period or "auto" drops an old `days`, so Reload and Back open the period on screen). */
  function controls(k) {
    return Boolean(form && (form.elements[k] || (CONTROL_OF[k] && form.elements[CONTROL_OF[k]])));
  }

  /* The URL of a view: its parameters, plus the shared filters of the URL this page has no control for (Alerts
     keeps a language it cannot filter by, so the next page still gets it). */
  function viewUrl(params) {
    const out = Object.assign({}, params);
    const now = urlParams();
    for (const k of SHARED) if (!(k in out) && now[k] && !controls(k)) out[k] = now[k];
    return location.pathname + "?" + new URLSearchParams(out);
  }

  /* The header's links carry the shared filters, so another page opens on the same brand, period, zone... */
  function carryFilters() {
    const now = urlParams();
    for (const a of document.querySelectorAll("header nav a")) {
      const qs = new URLSearchParams();
      for (const k of SHARED) if (now[k]) qs.set(k, now[k]);
      a.href = a.pathname + (qs.toString() ? "?" + qs : "");
    }
  }

  /* Wire the form: on submit, put the values in the URL (a new history entry) and call `load(params)`; Back and
     Forward restore the filters of their entry and load again.
     body[data-loads] counts finished loads (charts drawn included), for people and tests alike. */
  async function start(load) {
    let defaults = [];
    const run = async (params) => {
      clearError();
      busy(true);
      try {
        await load(params);
        await Promise.all(pendingCharts.splice(0));
        if (main) { main.classList.remove("stale"); delete main.dataset.stale; }
      } catch (e) {
        stale(e);
      }
      busy(false);
      carryFilters();
      document.body.dataset.loads = String(++loads);
    };
    busy(true);
    await loadMeta().catch((e) => showError("the dashboard's brands and filters did not load: " + e.message));
    const initial = urlParams();
    if (form) defaults = [...form.elements].filter((f) => f.name).map((f) => [f, f.value]);
    fillForm(initial);
    if (form) {
      for (const name of ["since", "until"]) {
        if (form.elements[name]) form.elements[name].addEventListener("change", () => {
          form.elements.preset.value = "custom";
          delete form.dataset[name];
          showExact();
        });
      }
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const params = formParams();
        const url = viewUrl(params);
        if (url !== location.pathname + location.search) history.pushState(null, "", url);
        run(params);
      });
      window.addEventListener("popstate", () => {
        for (const [field, value] of defaults) field.value = value;
        delete form.dataset.since; delete form.dataset.until;
        fillForm(urlParams());
        run(formParams());
      });
    }
    await run(formParams());
    document.body.dataset.ready = "1";
  }

  function fmt(n) {
    if (n === null || n === undefined) return "\u2013";
    return new Intl.NumberFormat("en", { notation: n >= 100000 ? "compact" : "standard", maximumFractionDigits: 1 })
      .format(n);
  }

  function pct(x) { return x === null || x === undefined ? "\u2013" : (x * 100).toFixed(0) + "%"; }

  /* A moment in the page's zone, named: "2026-11-11 09:00 Asia/Seoul". */
  function when(iso) { return wall(iso).replace("T", " ").slice(0, 16) + " " + zone; }

  /* An alert window's bound: local time with UTC beside it, "2026-11-11 09:00 Asia/Seoul (00:00 UTC)". */
  function whenBoth(iso) {
    if (zone === "UTC") return when(iso);
    const utc = wall(iso, "UTC").replace("T", " ");
    const local = wall(iso).replace("T", " ");
    return `${local.slice(0, 16)} ${zone} (${local.slice(0, 10) === utc.slice(0, 10) ? "" : utc.slice(0, 11)}`
      + `${utc.slice(11, 16)} UTC)`;
  }

  function sentimentBadge(label, corrected, rule) {
    if (!label) return el("span", { class: "badge", title: "not yet tagged", text: "\u2754" });
    if (corrected) {
      return el("span", { class: "badge corrected " + label, title: label + ", as a person corrected it",
                          text: SENTIMENT_ICON[label] + " " + label + " \u270F\uFE0F" });
    }
    if (rule) {
      return el("span", { class: "badge rule " + label, title: `${label}, by the sentiment rule \u201C${rule}\u201D`,
                          text: SENTIMENT_ICON[label] + " " + label + " \u{1F4CF}" });
    }
    return el("span", { class: "badge " + label, title: label, text: SENTIMENT_ICON[label] + " " + label });
  }

  /* One mention as a card; highlight segments become <mark> text nodes. */
  function mentionCard(m, segments) {
    const text = el("div", Object.assign({ class: "text" }, textAttrs(m.lang, m.text)));
    for (const seg of segments || [{ text: m.text, hit: false }]) {
      text.append(seg.hit ? el("mark", { text: seg.text }) : document.createTextNode(seg.text));
    }
    const author = m.author.handle || m.author.name || "?";
    const link = m.url
      ? el("a", { class: "out", href: m.url, target: "_blank", rel: "noopener noreferrer", title: "open the original post" },
        "\u2197 original")
      : el("span", { class: "muted", title: "this source gives no link", text: "\u2014 no link" });
    const meta = el("div", { class: "meta" },
      sentimentBadge(m.sentiment, m.corrected, m.rule),
      el("span", { class: "badge", title: "source", text: "\u{1F4F0} " + m.source }),
      m.lang ? el("span", { class: "badge", title: "language", text: "\u{1F310} " + m.lang }) : null,
      el("span", { title: "author (followers)", text: `\u{1F464} ${author} (${fmt(m.author.followers)})` }),
      el("span", { title: "engagement", text: "\u2764\uFE0F " + fmt(m.engagement) }),
      m.created_at ? el("time", { datetime: m.created_at, text: "\u{1F552} " + when(m.created_at) }) : null,
      m.brands && m.brands.length
        ? el("span", { title: "brands", text: "\u{1F3F7}\uFE0F " + m.brands.join(", ") }) : null,
      link);
    const themes = m.themes && m.themes.length
      ? el("div", { class: "meta" }, ...m.themes.map((t) => el("span", { class: "badge", text: "# " + t })))
      : null;
    return el("li", { class: "mention " + (m.sentiment || "unknown"), "data-id": m.id }, meta, text, themes);
  }

  /* Trace settings that put a bucket's bar or point over its whole bucket [start, start + interval),
     centred in it (plotly otherwise centres it on the start, half over the previous bucket). */
  function bucketed(interval) {
    return { xperiod: BUCKET_MS[interval] || BUCKET_MS.hour, xperiodalignment: "middle" };
  }

  /* People's verdict on an incident (groundswell/alert_verdicts.py): what it is now, who gave it and when, and
     buttons to give one, replace it or undo it. The verdict it replaced comes back with an undo. */
  const VERDICT_TEXT = {
    real: "\u{1F6A8} real crisis", false_alarm: "\u{1F645} false alarm", ack: "\u{1F64B} taken on",
  };
  const VERDICT_BUTTON = { real: "\u{1F6A8} real", false_alarm: "\u{1F645} false alarm", ack: "\u{1F64B} I'm on it" };

  function verdictBar(inc) {
    const bar = el("div", { class: "verdict", "data-verdict": inc.verdict ? inc.verdict.verdict : "" });
    const v = inc.verdict;
    const shown = v
      ? el("span", { class: "badge verdict-" + v.verdict, title: `given by ${v.by} at ${when(v.at)}` },
        `${VERDICT_TEXT[v.verdict]} \u00B7 ${v.by} \u00B7 ${when(v.at)}`)
      : el("span", { class: "muted", text: "no verdict yet:" });
    const note = el("input", { type: "text", class: "verdict-note", maxlength: "500", placeholder: "note (optional)",
                               "aria-label": "note with the verdict" });
    const send = async (url, body) => {
      // Where focus was before the buttons are disabled (a disabled button loses it).
      const had = bar.contains(document.activeElement) ? document.activeElement : null;
      for (const b of bar.querySelectorAll("button")) b.disabled = true;
      const { ok, answer } = await post(url, body);
      if (ok) {
        const next = verdictBar(Object.assign({}, inc, { verdict: answer.verdict }));
        bar.replaceWith(next);
        // Focus stays in the bar (a keyboard user would be thrown back to the top of the page): on the same
        // button where it is still there, else on undo, else on the first verdict button.
        if (had) {
          const same = had.dataset.verdict && next.querySelector(`button[data-verdict="${had.dataset.verdict}"]`);
          (same || next.querySelector("button.undo-verdict") || next.querySelector("button")).focus();
        }
        announce(answer.verdict ? `Verdict stored: ${VERDICT_TEXT[answer.verdict.verdict]}` : "Verdict taken back: no verdict yet");
      } else {
        for (const b of bar.querySelectorAll("button")) b.disabled = false;
        if (had) had.focus();
        showError(answer.error || "the verdict was not stored");
      }
    };
    const buttons = Object.keys(VERDICT_BUTTON).filter((k) => !v || k !== v.verdict).map((k) => {
      const button = el("button", { type: "button", class: "set-verdict", "data-verdict": k, text: VERDICT_BUTTON[k] });
      button.addEventListener("click", () => send("/api/alerts/verdict",
        { incident: inc.id, verdict: k, note: note.value.trim() || null }));
      return button;
    });
    const undo = v ? el("button", { type: "button", class: "undo-verdict", text: "\u21A9\uFE0F undo" }) : null;
    if (undo) undo.addEventListener("click", () => send("/api/alerts/verdict/undo", { incident: inc.id }));
    // The optional note comes before the buttons that send it, in the Tab order as on screen.
    bar.append(shown, v && v.note ? el("span", { class: "verdict-said", dir: "auto", text: "\u201C" + v.note + "\u201D" }) : "",
      note, ...buttons, undo || "");
    return bar;
  }

  /* An alert's summary with its times in the page's zone (the API's summary_local; `summary` stays UTC, as data). */
  function summaryOf(alert) { return alert.summary_local || alert.summary || ""; }

  /* One card per incident, its alerts inside as a timeline (oldest first); `alertItem(alert)` builds each entry. */
  function incidentCard(inc, alertItem) {
    const head = inc.alerts.find((a) => a.id === inc.headline) || inc.alerts[0];
    const status = inc.open ? "\u{1F525} open" : inc.cleared ? "\u2705 cleared" : "ended";
    const n = inc.alerts.length;
    return el("li", {
      class: `incident-card ${inc.severity}` + (inc.pinned ? " pinned" : ""), "data-incident": inc.id,
      "data-alerts": String(n),
    },
    el("h3", {},
      inc.pinned
        ? el("span", { class: "badge pin", title: "the most severe crisis, open ones first", text: "\u{1F4CC} pinned" })
        : null,
      el("span", { class: "badge " + inc.severity, text: SEVERITY_ICON[inc.severity] + " " + inc.severity }),
      el("span", { text: `${inc.brand} \u00B7 ${inc.crisis ? "crisis" : head.kind}` }),
      el("span", { class: "badge", title: "status", text: status }),
      el("span", { class: "muted", text: `${whenBoth(inc.start)} \u2192 ${whenBoth(inc.end)}` }),
      el("span", { class: "badge", title: "incident " + inc.id, text: `${n} alert${n === 1 ? "" : "s"}` })),
    summaryOf(head) ? el("p", { text: summaryOf(head) }) : null,
    verdictBar(inc),
    el("ol", { class: "timeline" }, ...inc.alerts.map(alertItem)));
  }

  /* The one alert count (server side: alerts.incidents.count_alerts), shown the same way on every page. */
  function showCount(node, count) {
    node.textContent = count.label;
    node.dataset.incidents = String(count.incidents);
    node.dataset.alerts = String(count.alerts);
  }

  const LAYOUT = {
    margin: { l: 48, r: 16, t: 10, b: 36 },
    font: { family: getComputedStyle(document.documentElement).fontFamily, size: 12 },
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    legend: { orientation: "h", y: 1.12, x: 0 },
  };
  /* Nothing leaves the dashboard: no "share"/cloud or Chart Studio buttons (they send the chart's data to
     plotly's servers), no link out. The mode bar shows on hover, and its buttons are kept out of the Tab order
     (`quietModeBar`): the data table after each chart is the keyboard's way to the figures. */
  const CONFIG = {
    displaylogo: false, responsive: true, displayModeBar: "hover", showSendToCloud: false,
    showEditInChartStudio: false, showLink: false, sendData: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "sendDataToCloud", "editInChartStudio"],
  };

  /* plotly.js reads <b>, <br>, <a href> and entities inside labels; our data (themes, sources, languages,
     brands, alert summaries) is untrusted, so every data string is escaped here, for every chart, before
     plotly sees it. hovertemplate and layout titles are ours (they use <br>) and are left alone. */
  const LABEL_KEYS = ["x", "y", "labels", "text", "hovertext", "name"];

  function plotText(value) {
    if (Array.isArray(value)) return value.map(plotText);
    if (typeof value !== "string") return value;
    return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function escapeLabels(object) {
    const out = Object.assign({}, object);
    for (const key of LABEL_KEYS) if (key in out) out[key] = plotText(out[key]);
    return out;
  }

  /* Draw a chart. `table` (optional): the figures for the table read to screen readers, as
     {columns: [...], rows: [[...], ...]}, for a chart whose traces alone say too little (alerts of one hour, a
     bar's colour); without it the table is made from the traces (chartRows). */
  function plot(id, given, layout, table) {
    const traces = given.map(escapeLabels);
    if (layout && layout.annotations) layout = Object.assign({}, layout, { annotations: layout.annotations.map(escapeLabels) });
    const node = document.getElementById(id);
    const hasData = traces.some((t) => (t.x && t.x.length) || (t.values && t.values.length) || (t.y && t.y.length));
    if (!hasData) {
      Plotly.purge(node);
      node.replaceChildren(el("p", { class: "empty", text: "\u2205 no data for these filters" }));
      node.removeAttribute("role");
      node.removeAttribute("aria-label");
      if (node.nextElementSibling && node.nextElementSibling.classList.contains("chart-data")) node.nextElementSibling.remove();
      return;
    }
    // Drop a "no data" note, but never plotly's own DOM: react() updates that in place.
    const note = node.querySelector(":scope > p.empty");
    if (note) note.remove();
    const merged = Object.assign({}, LAYOUT, layout || {});
    // Axis labels (theme names, brands) get the room they need instead of being clipped.
    for (const axis of ["xaxis", "yaxis"]) merged[axis] = Object.assign({ automargin: true }, merged[axis] || {});
    const drawn = Plotly.react(node, traces, merged, CONFIG).then((gd) => {
      quietModeBar(gd);
      describeChart(node, given, merged, table);  // the raw labels: a table shows text as text
      return gd;
    });
    plotted.add(node);
    pendingCharts.push(drawn);
    return drawn;
  }

  /* Printing: every chart `plot` drew, on any page, redrawn at the printed page's width (the print stylesheet
     stacks the cards), then back to the screen's; Chrome's print preview and "Save as PDF" both fire these. */
  const PRINT_WIDTH_PX = 680;  // A4 or Letter portrait less default margins, at 96 px per inch
  const plotted = new Set();
  function fitCharts(width) {
    for (const node of plotted) {
      if (!node.isConnected || !node.classList.contains("js-plotly-plot")) continue;  // gone, or "no data"
      Plotly.relayout(node, width ? { width, autosize: false } : { width: null, autosize: true });
      if (!width) Plotly.Plots.resize(node);
    }
  }
  window.matchMedia("print").addEventListener("change", (e) => fitCharts(e.matches ? PRINT_WIDTH_PX : null));
  window.addEventListener("beforeprint", () => fitCharts(PRINT_WIDTH_PX));
  window.addEventListener("afterprint", () => fitCharts(null));

  function quietModeBar(gd) {
    for (const button of gd.querySelectorAll(".modebar-btn, .modebar a")) button.setAttribute("tabindex", "-1");
    if (!gd.dataset.quiet) {  // plotly redraws its mode bar after a zoom or a resize: quiet that one too
      gd.dataset.quiet = "1";
      gd.on("plotly_afterplot", () => quietModeBar(gd));
    }
  }

  const MAX_TABLE_ROWS = 400;

  /* A chart for those who cannot see it: role=figure with a label saying what it shows (its card's heading, its
     series and its range), and the figures as a table after it, hidden from sight but read by screen readers.
     Not role=img: an image's content is presentational, and this one holds plotly's mode bar buttons
     (axe nested-interactive). */
  function describeChart(node, traces, layout, table) {
    const card = node.closest(".card");
    const heading = card && card.querySelector("h2");
    const title = heading ? heading.firstChild.textContent.replace(/^[^\p{L}\p{N}]+/u, "").trim() : node.id;
    const shown = traces.filter((t) => t.hoverinfo !== "skip");
    const pie = shown.some((t) => t.values);
    const names = shown.map((t, i) => t.name || `series ${i + 1}`);
    const cats = pie ? shown.flatMap((t) => t.labels || []) : [...new Set(shown.flatMap((t) =>
      (t.orientation === "h" ? t.y : t.x) || []).filter((x) => x !== null))];
    // A time axis runs from its earliest point to its latest, whatever order the traces list them in.
    const onTime = layout.xaxis && layout.xaxis.type === "date";
    const span = onTime ? cats.map(String).sort() : cats;
    const range = cats.length ? `, ${cats.length} points from ${span[0]} to ${span[span.length - 1]}` : "";
    const axis = layout.xaxis && layout.xaxis.title && layout.xaxis.title.text;
    node.setAttribute("role", "figure");
    node.setAttribute("aria-label", `Chart: ${title}` + (pie ? `, ${cats.length} slices` : `: ${names.join(", ")}${range}`)
      + (axis ? ` (${axis})` : "") + ". Its figures are in the table after it.");
    // In a box of its own: a table is as wide as its cells whatever width it is given, so it cannot clip itself.
    let box = node.nextElementSibling;
    if (!box || !box.classList.contains("chart-data")) {
      box = el("div", { class: "chart-data sr-only" });
      node.after(box);
    }
    box.replaceChildren(el("table", {}, el("caption", { text: `${title}: the chart's figures` }),
      ...(table ? givenRows(table) : chartRows(shown, pie))));
  }

  /* A chart's own table ({columns, rows}) as rows: the first cell of each row is its header. */
  function givenRows(table) {
    const head = el("tr", {}, ...table.columns.map((c) => el("th", { scope: "col", text: c })));
    return [head, ...table.rows.slice(0, MAX_TABLE_ROWS).map((r) => el("tr", {},
      el("th", { scope: "row", text: String(r[0]) }), ...r.slice(1).map((v) => el("td", { text: String(v ?? "") }))))];
  }

  /* The chart's traces as table rows: one per category (time, theme, brand), one column per series. */
  function chartRows(shown, pie) {
    if (pie) {
      return shown.flatMap((t) => (t.labels || []).slice(0, MAX_TABLE_ROWS).map((label, i) =>
        el("tr", {}, el("th", { scope: "row", text: label }), el("td", { text: fmt(t.values[i]) }))));
    }
    const horizontal = shown.some((t) => t.orientation === "h");
    const [key, val] = horizontal ? ["y", "x"] : ["x", "y"];
    const rows = new Map();
    shown.forEach((t, i) => (t[key] || []).forEach((k, j) => {
      if (k === null) return;
      if (!rows.has(k)) rows.set(k, new Array(shown.length).fill(""));
      const v = t[val] ? t[val][j] : "";
      const text = Array.isArray(t.text) ? t.text[j] : "";
      rows.get(k)[i] = (typeof v === "number" ? fmt(Math.round(v * 100) / 100) : String(v ?? "")) + (text ? ` (${text})` : "");
    }));
    const head = el("tr", {}, el("th", { scope: "col", text: horizontal ? "label" : "time" }),
      ...shown.map((t, i) => el("th", { scope: "col", text: t.name || `series ${i + 1}` })));
    return [head, ...[...rows].slice(0, MAX_TABLE_ROWS).map(([k, vs]) =>
      el("tr", {}, el("th", { scope: "row", text: String(k) }), ...vs.map((v) => el("td", { text: v }))))];
  }

  return {
    COLORS, SEVERITY_COLORS, ACCENT, SENTIMENT_ICON, SEVERITY_ICON, el, api, fmt, pct, when, plot, start, showError,
    RTL_LANGS, textDir, textAttrs, announce, cssVar,
    whenBoth, wall, wallMs, dayName, zone: () => zone, urlParams,
    clearError, mentionCard, sentimentBadge, formParams, showPeriod, bucketed, incidentCard, summaryOf, showCount, post,
    get meta() { return meta; },
  };
})();
