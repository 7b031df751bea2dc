/* Themes: recurring (most mentioned) and rising (grown most vs the previous period), with sample posts. */
"use strict";

(() => {
  const { el, fmt, plot, COLORS } = GS;

  /* A theme's (or aspect's) name as shown: the API's `label`, its key phrases in the language filtered on, else
     its main label (the one rule the CSV follows too: dashboards/web/theme_names.py). The main label stays what
     links and the store match on (`theme=`, data-theme). */
  function shownLabel(row) {
    return row.label || row.theme;
  }

  /* The theme's labels in the other languages, one "lang: label" a line, for the hover title. */
  function otherLabels(row, lang) {
    const shown = shownLabel(row);
    const lines = Object.entries(row.labels || {}).filter(([code, text]) => code !== lang && text !== shown)
      .map(([code, text]) => `${code}: ${text}`);
    if (shown !== row.theme && !lines.some((line) => line.endsWith(`: ${row.theme}`))) lines.unshift(row.theme);
    return lines;
  }

  /* The language of a theme's shown label: the language filtered on when the label is its key phrases there, else
     the language whose key phrases the main label is; "" (unknown, so no English voice) for other non-ASCII text. */
  function labelLang(row, lang) {
    const shown = shownLabel(row);
    if (shown !== row.theme && lang) return lang;
    const found = Object.entries(row.labels || {}).find(([, text]) => text === shown);
    if (found) return found[0];
    return /^[\x00-\x7f]*$/.test(shown) ? null : "";
  }

  /* dir and lang of a theme's (or aspect's) shown label (GS.textAttrs; lang "" when unknown). */
  function labelAttrs(row, lang) {
    const code = labelLang(row, lang);
    return { dir: GS.textDir(code, shownLabel(row)), lang: code };
  }

  /* The title of a theme's link: what it opens, then its labels in other languages. */
  function linkTitle(row, lang, what) {
    return [`Explore all ${fmt(row.count)} posts of this ${what}`, ...otherLabels(row, lang)].join("\n");
  }

  /* Chart categories: each theme's shown label, its main label where two would read alike (a chart merges
     equal categories). */
  function chartLabels(rows, lang) {
    const shown = rows.map((r) => shownLabel(r));
    return shown.map((label, i) => (shown.indexOf(label) !== shown.lastIndexOf(label) ? rows[i].theme : label));
  }

  function renderRecurring(rows, lang) {
    const ordered = rows.slice().reverse();
    const y = chartLabels(ordered, lang);
    const traces = ["negative", "neutral", "positive", "unknown"].map((k) => ({
      type: "bar", orientation: "h", name: k, y, x: ordered.map((r) => r.sentiment[k] || 0),
      marker: { color: COLORS[k] },
    })).filter((t) => t.x.some((v) => v > 0));
    plot("chart-recurring", traces, { barmode: "stack", margin: { l: 140, r: 16, t: 30, b: 30 } });
  }

  /* A theme is "mostly negative" when over half its posts are: said by the bar's colour, by the word on the bar,
     in the legend under the chart and in the table read to screen readers (colour is never the only carrier). */
  const mostlyNegative = (r) => (r.sentiment.negative || 0) > r.count / 2;
  const RISING = {
    negative: { fill: GS.cssVar("--rising-negative"), ink: GS.cssVar("--rising-negative-ink") },
    other: { fill: GS.cssVar("--rising-other"), ink: GS.cssVar("--rising-other-ink") },
  };

  function renderRising(rows, lang) {
    const ordered = rows.slice().reverse();
    const kind = ordered.map((r) => RISING[mostlyNegative(r) ? "negative" : "other"]);
    const labels = chartLabels(ordered, lang);
    const table = {
      columns: ["theme", "change", "posts before \u2192 now", "negative share"],
      rows: rows.map((r, i) => [chartLabels(rows, lang)[i], "+" + fmt(r.change), `${fmt(r.previous)} \u2192 ${fmt(r.count)}`,
        GS.pct((r.sentiment.negative || 0) / Math.max(1, r.count)) + (mostlyNegative(r) ? " (mostly negative)" : "")]),
    };
    plot("chart-rising", [{
      type: "bar", orientation: "h", y: labels, x: ordered.map((r) => r.change),
      text: ordered.map((r) => `${fmt(r.previous)} \u2192 ${fmt(r.count)}` + (mostlyNegative(r) ? " \u00B7 mostly negative" : "")),
      textposition: "auto", insidetextfont: { color: kind.map((k) => k.ink) },
      outsidetextfont: { color: GS.cssVar("--chart-ink") },
      marker: { color: kind.map((k) => k.fill) },
      hovertemplate: "%{y}: %{text}<extra></extra>",
    }], { showlegend: false, margin: { l: 140, r: 16, t: 10, b: 30 }, xaxis: { tickprefix: "+" } }, table);
    risingLegend();
  }

  /* What the rising chart's two colours mean, in words under it. */
  function risingLegend() {
    if (document.getElementById("rising-legend")) return;
    const swatch = (k) => el("span", { class: "dot", style: `background:${RISING[k].fill}`, "aria-hidden": "true" });
    document.getElementById("chart-rising").parentNode.append(el("p", { id: "rising-legend", class: "chart-legend muted" },
      el("span", {}, swatch("negative"), "mostly negative (over half its posts)"),
      el("span", {}, swatch("other"), "other themes"),
      el("span", { text: "\u00B7 bar length = growth in posts vs the previous period" })));
  }

  /* Why nothing is judged rising or new: the previous period has too few days with data (the reports' rule,
     `previous_period.coverage`); or how much of it has data when only part does. */
  function renderRisingNote(data) {
    const note = document.getElementById("rising-note");
    const coverage = data.previous_period && data.previous_period.coverage;
    const reason = coverage && coverage.reason;
    note.hidden = !reason;
    note.textContent = !reason ? "" : data.rising_judged === false
      ? `\u2013 not judged: the previous period (${GS.when(data.previous_period.since)} \u2192 `
        + `${GS.when(data.previous_period.until)}) has ${reason}`
      : `The previous period has ${reason}: its counts are taken at its full length.`;
  }

  /* Explore showing every post of a theme: the same brand, facets (the API's `facets`: source, language,
     sentiment...) and period the theme was counted over. */
  function exploreLink(theme, params, period, facets) {
    const keep = {};
    for (const name of ["brand", "spam", ...facets]) if (params[name]) keep[name] = params[name];
    if (period) { keep.since = period.since; keep.until = period.until; }
    return "/explore?" + new URLSearchParams(Object.assign(keep, { theme }));
  }

  const SVG = "http://www.w3.org/2000/svg";

  /* A theme's counts per bucket of the period as a small line (SVG, no Plotly per card). */
  function sparkline(counts, trend) {
    const w = 120, h = 28, top = Math.max(1, ...counts);
    const x = (i) => (counts.length > 1 ? (i * w) / (counts.length - 1) : w / 2);
    const points = counts.map((c, i) => `${x(i).toFixed(1)},${(h - 2 - (c * (h - 4)) / top).toFixed(1)}`);
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "sparkline");
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `per ${trend.interval}: ${counts.join(", ")}`);
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${fmt(counts.reduce((a, b) => a + b, 0))} posts, per ${trend.interval}, peak ${fmt(top)}`;
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("points", points.join(" "));
    svg.append(title, line);
    return svg;
  }

  /* The card's sentiment mix as one stacked bar (widths are shares of the theme's posts). */
  function mixBar(sentiment, count) {
    const bar = el("div", { class: "mix-bar", title: "sentiment mix" });
    for (const k of ["negative", "neutral", "positive", "unknown"]) {
      const n = sentiment[k] || 0;
      if (!n) continue;
      const part = el("span", { class: "mix " + k, "data-sentiment": k, "data-count": n, title: `${k}: ${fmt(n)}` });
      part.style.width = `${(100 * n) / Math.max(1, count)}%`;
      part.style.background = COLORS[k];
      bar.append(part);
    }
    return bar;
  }

  /* A theme's aspects (label, count), each opening Explore on that aspect's posts like the card's title. */
  function aspectList(aspects, params, data) {
    const lang = params.lang;
    return el("ul", { class: "aspects", "aria-label": "aspects" }, ...aspects.map((a) => el("li", { "data-aspect": a.theme },
      el("a", Object.assign({ class: "aspect-link", href: exploreLink(a.theme, params, data.period, data.facets || []),
        text: shownLabel(a), title: linkTitle(a, lang, "aspect") }, labelAttrs(a, lang))),
      el("small", { text: fmt(a.count) }))));
  }

  function renderSamples(data, params) {
    const box = document.getElementById("theme-samples");
    const seen = new Set();
    const cards = [];
    for (const [icon, rows] of [["\u{1F525}", data.rising], ["\u{1F501}", data.recurring]]) {
      for (const r of rows) {
        if (seen.has(r.theme) || !r.samples || !r.samples.length) continue;
        seen.add(r.theme);
        const mix = ["negative", "neutral", "positive"].map((k) => `${GS.SENTIMENT_ICON[k]} ${fmt(r.sentiment[k] || 0)}`);
        cards.push(el("div", { class: "card", "data-theme": r.theme },
          el("h2", {}, `${icon} `,
            el("a", Object.assign({ class: "theme-link", href: exploreLink(r.theme, params, data.period, data.facets || []),
              text: shownLabel(r), title: linkTitle(r, params.lang, "theme") }, labelAttrs(r, params.lang))),
            " ", el("small", { text: `${fmt(r.count)} \u00B7 ${mix.join("  ")}` })),
          el("div", { class: "theme-trend" }, sparkline(r.trend || [], data.trend), mixBar(r.sentiment, r.count)),
          ...(r.aspects && r.aspects.length ? [aspectList(r.aspects, params, data)] : []),
          el("ol", { class: "results" }, ...r.samples.map((m) => GS.mentionCard(m)))));
      }
    }
    box.replaceChildren(...cards);
  }

  async function load(params) {
    // The CSV holds the themes of the same filters (brand, period, facets) as the page.
    document.getElementById("export-themes").href = "/api/themes?" + new URLSearchParams({ ...params, format: "csv", bom: "1" });
    const data = await GS.api("/api/themes", params);
    GS.showPeriod(data.period);
    renderRecurring(data.recurring, params.lang);
    renderRising(data.rising, params.lang);
    renderRisingNote(data);
    renderSamples(data, params);
  }

  GS.start(load);
})();
