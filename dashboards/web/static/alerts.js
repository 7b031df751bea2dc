/* Alerts: a timeline of every alert, then one card per incident with its alerts' explanations inside. */
"use strict";

(() => {
  const { el, fmt, pct, plot, when, SEVERITY_ICON, SEVERITY_COLORS } = GS;

  function renderTimeline(alerts, incidents) {
    // Each incident is a line from its first to its last alert; its alerts are the dots on it.
    const spans = { x: [], y: [] };
    for (const inc of incidents) spans.x.push(inc.start, inc.end, null), spans.y.push(inc.brand, inc.brand, null);
    plot("chart-alerts", [{
      type: "scatter", mode: "lines", x: spans.x, y: spans.y, line: { color: "#c8cdd6", width: 6 },
      hoverinfo: "skip",
    }, {
      type: "scatter", mode: "markers", x: alerts.map((a) => GS.wall(a.window_start)), y: alerts.map((a) => a.brand),
      marker: {
        size: alerts.map((a) => Math.max(10, Math.min(40, 8 + 3 * Math.abs(a.score)))),
        color: alerts.map((a) => SEVERITY_COLORS[a.severity]), opacity: 0.8,
      },
      text: alerts.map((a) => GS.summaryOf(a) || a.kind), hovertemplate: "%{x}<br>%{text}<extra></extra>",
    }], { showlegend: false, xaxis: { type: "date" }, margin: { l: 90, r: 16, t: 10, b: 30 } });
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
    list.replaceChildren(...data.incidents.map((inc) => GS.incidentCard(inc, (a) => card(a, a.id === inc.headline))));
    if (!data.incidents.length) list.append(el("li", { class: "empty", text: "\u2705 no alerts in this period" }));
  }


  GS.start(load);
})();
