/* Alerts: a timeline of every alert, then one card per incident with its alerts' explanations inside. */
"use strict";

(() => {
  const { el, fmt, pct, plot, when, SEVERITY_ICON, SEVERITY_COLORS } = GS;

  const dotSize = (a) => Math.max(10, Math.min(40, 8 + 3 * Math.abs(a.score)));

  function renderTimeline(alerts, incidents) {
    // Each incident is a line from its first to its last alert; its alerts are the dots on it. Both on the
    // page's clock (GS.wall): plotly has no time zones, so a raw UTC time would sit hours off the dots.
    const spans = { x: [], y: [] };
    for (const inc of incidents) spans.x.push(GS.wall(inc.start), GS.wall(inc.end), null), spans.y.push(inc.brand, inc.brand, null);
    const zone = GS.zone();
    plot("chart-alerts", [{
      type: "scatter", mode: "lines", x: spans.x, y: spans.y, line: { color: "#c8cdd6", width: 6 },
      hoverinfo: "skip",
    }, {
      type: "scatter", mode: "markers", name: "alerts", x: alerts.map((a) => GS.wall(a.window_start)),
      y: alerts.map((a) => a.brand),
      marker: { size: alerts.map(dotSize), color: alerts.map((a) => SEVERITY_COLORS[a.severity]), opacity: 0.8 },
      text: alerts.map((a) => GS.summaryOf(a) || a.kind),
      hovertemplate: `%{x|%Y-%m-%d %H:%M} ${zone}<br>%{text}<extra></extra>`,
    }], {
      showlegend: false, xaxis: { type: "date", title: { text: `time (${zone})`, standoff: 4 } },
      margin: { l: 90, r: 16, t: 10, b: 44 },
    }, alertTable(alerts, zone));
    legend();
  }

  /* The timeline for screen readers: every alert its own row (several can share an hour), oldest first, its
     severity in words (the dots say it by colour). */
  function alertTable(alerts, zone) {
    const rows = alerts.slice().sort((a, b) => Date.parse(a.window_start) - Date.parse(b.window_start)
      || a.brand.localeCompare(b.brand)).map((a) => [GS.wall(a.window_start).replace("T", " ").slice(0, 16), a.brand,
      a.severity, a.score.toFixed(2), GS.summaryOf(a) || a.kind]);
    return { columns: [`time (${zone})`, "brand", "severity", "score", "alert"], rows };
  }

  /* What the dots mean: plotly's legend cannot say "colour = severity, size = score" for one trace. */
  function legend() {
    if (document.getElementById("alerts-legend")) return;
    const items = Object.keys(SEVERITY_COLORS).map((sev) => el("span", {},
      el("span", { class: "dot", style: `background:${SEVERITY_COLORS[sev]}`, "aria-hidden": "true" }), sev));
    const chart = document.getElementById("chart-alerts");
    chart.parentNode.append(el("p", { id: "alerts-legend", class: "chart-legend muted" },
      el("span", { text: "Colour = severity:" }), ...items,
      el("span", { text: "\u00B7 dot size = score (how far from the usual level) \u00B7 grey line = an incident" })));
  }

  function chips(items, prefix) {
    return el("span", {}, ...items.flatMap((t) => [el("span", { class: "badge", text: (prefix || "") + t }), " "]));
  }

  // Only what differs from the usual mix (alerts/evidence.py): "ko 62% of the surge vs 8% usually".
  function shifted(shifts, dims) {
    return (shifts || []).filter((s) => dims.includes(s.dimension))
      .map((s) => `${s.value} ${pct(s.share)} of the surge vs ` +
        (!s.usual_share ? "none usually" : s.usual_share < 0.005 ? "under 1% usually" : pct(s.usual_share) + " usually"))
      .join(" \u00B7 ");
  }

  function card(a, open) {
    const rows = [
      ["\u{1F552} window", `${GS.whenBoth(a.window_start)} \u2192 ${GS.whenBoth(a.window_end)}`],
      // A first-day alert (alerts/first_day.py) has no expected count: its `expected` 0 is no level to compare with.
      a.detector === "first_day"
        ? ["\u{1F4C8} negative / all posts", `${fmt(a.observed)} / ${fmt(a.total || 0)} (learning: no usual level yet)`]
        : ["\u{1F4C8} observed / expected", `${fmt(a.observed)} / ${fmt(Math.round(a.expected * 10) / 10)}`],
      ["\u{1F9EE} test", `${a.statistic} = ${a.score.toFixed(2)}` + (a.p_value !== null ? `, p = ${a.p_value.toExponential(1)}` : "")],
      [(a.counted_sentiment === "positive" ? "\u{1F600} positive" : "\u{1F620} negative") + " share", pct(a.negative_share)],
      ["\u{1F4AC} key phrases", chips(a.key_phrases || [])],
      ["\u{1F511} top terms", chips(a.top_terms)],
      ["# themes up", (a.shifts || []).length ? shifted(a.shifts, ["theme"]) : chips(a.top_themes)],
      ["\u{1F310} unusual mix", shifted(a.shifts, ["lang", "source"])],
    ];
    const dl = el("dl", {});
    for (const [k, v] of rows) {
      const empty = v === "" || v === "\u2013" || (v instanceof Node && !v.childNodes.length);
      if (!empty) dl.append(el("dt", { text: k }), el("dd", {}, v));
    }
    const posts = el("ol", { class: "results" }, ...a.top_posts.map((p) => GS.mentionCard({
      id: p.id, url: p.url, text: p.text, lang: p.lang, source: p.source || "?", created_at: null,
      author: { handle: p.author, followers: p.followers }, engagement: p.engagement, sentiment: p.sentiment || null, themes: [],
      brand: null,
    })));
    // Alerts of one crisis share an incident id: the first opens it, the rest are its updates.
    const update = a.incident_id && a.incident_id !== a.id;
    // An entry of its incident's timeline: the headline alert open, the others one line until opened.
    return el("li", { class: "alert-card " + a.severity, "data-id": a.id, "data-incident": a.incident_id || a.id },
      el("h3", {}, el("span", { class: "muted", text: when(a.window_start) }),
        el("span", { class: "badge " + a.severity, text: SEVERITY_ICON[a.severity] + " " + a.severity }),
        el("span", { text: `${a.brand} \u00B7 ${a.kind}` + (a.subject ? ` \u00B7 ${a.subject}` : "") }),
        el("span", { class: "badge", title: "incident " + (a.incident_id || a.id),
          text: update ? "\u21B3 update" : "opened the incident" }),
        el("a", { class: "out", href: "/explore?" + a.explore, text: "\u{1F50E} explore these mentions" }),
        a.link ? el("a", { class: "out", href: a.link, target: "_blank", rel: "noopener noreferrer", text: "\u2197 link" }) : null),
      el("details", open ? { open: true } : {}, el("summary", { text: GS.summaryOf(a) || a.kind }), dl,
        a.top_posts.length ? el("h4", { text: "\u{1F4CC} driving posts" }) : null, posts));
  }

  async function load(params) {
    // The CSV holds the alerts of the same filters (brand, period, severity) as the page.
    document.getElementById("export-alerts").href = "/api/alerts?" + new URLSearchParams({ ...params, format: "csv", bom: "1" });
    const data = await GS.api("/api/alerts", params);
    renderTimeline(data.alerts, data.incidents);
    GS.showCount(document.getElementById("incident-count"), data.count);
    const list = document.getElementById("alert-list");
    const focus = GS.urlParams().alert || null;
    list.replaceChildren(...data.incidents.map((inc) => GS.incidentCard(inc,
      (a) => card(a, a.id === inc.headline || a.id === focus))));
    if (!data.incidents.length) list.append(el("li", { class: "empty", text: "\u2705 no alerts in this period" }));
    if (focus) focusAlert(focus);
    else if (document.getElementById("focus-note")) document.getElementById("focus-note").remove();
  }

  /* alert=<id> (the link in every alert message, alerts/explain.py dashboard_link): that alert's card opened,
     highlighted and scrolled to, inside its incident (verdict buttons there), with its posts' Explore link. */
  function focusAlert(id) {
    let note = document.getElementById("focus-note");
    if (!note) {
      note = el("p", { id: "focus-note", class: "notice focus-note", role: "status" });
      document.getElementById("alert-list").before(note);
    }
    const target = [...document.querySelectorAll("#alert-list li.alert-card")].find((li) => li.dataset.id === id);
    if (!target) {
      note.textContent = `\u26A0\uFE0F Alert ${id} is not among the alerts shown: it may be outside these filters, or no `
        + "longer kept in the alert history.";
      return;
    }
    const incident = target.closest(".incident-card");
    target.classList.add("focused");
    if (incident) incident.classList.add("focused");
    const explore = target.querySelector("a.out[href^='/explore']");
    note.replaceChildren(`\u{1F3AF} The alert the message linked to is highlighted below, in its incident` +
      (incident ? ` (${incident.dataset.alerts} alert${incident.dataset.alerts === "1" ? "" : "s"})` : "") + ". ",
      explore ? el("a", { href: explore.getAttribute("href"), text: "\u{1F50E} Its posts on Explore, for its exact window" }) : "");
    target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }


  GS.start(load);
})();
