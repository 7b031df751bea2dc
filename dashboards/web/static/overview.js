/* Overview: volume by sentiment (alerts marked), net sentiment, share of voice, splits, totals, top authors. */
"use strict";

(() => {
  const { el, fmt, pct, plot, COLORS } = GS;

  function kpi(icon, label, value, title) {
    return el("div", { class: "kpi", title: title || label },
      el("div", { class: "value", text: icon + " " + value }), el("div", { class: "label", text: label }));
  }

  function renderKpis(data) {
    const t = data.totals;
    const net = t.net_sentiment;
    const netIcon = net === null ? "\u2754" : net > 0.05 ? "\u{1F7E2}" : net < -0.05 ? "\u{1F534}" : "\u26AA";
    document.getElementById("kpis").replaceChildren(
      kpi("\u{1F4AC}", "mentions", fmt(t.mentions)),
      kpi(netIcon, "net sentiment", net === null ? "\u2013" : (net > 0 ? "+" : "") + net.toFixed(2),
        "(positive \u2212 negative) / scored mentions"),
      kpi("\u{1F620}", "negative share", pct(t.mentions ? t.negative / t.mentions : null)),
      kpi("\u2764\uFE0F", "engagement", fmt(t.engagement), "likes + reposts + replies + quotes"),
      kpi("\u{1F441}\uFE0F", "reach", fmt(t.reach), "author followers + engagement, summed over mentions"),
      kpi("\u{1F6A8}", "alerts", fmt(data.alerts.length)));
  }

  function renderVolume(data) {
    const x = data.volume.map((b) => b.start);
    const traces = ["negative", "neutral", "positive", "unknown"]
      .filter((k) => data.volume.some((b) => b[k] > 0))
      .map((k) => ({ type: "bar", name: k, x, y: data.volume.map((b) => b[k]), marker: { color: COLORS[k] } }));
    const shapes = data.alerts.map((a) => ({
      type: "rect", xref: "x", yref: "paper", x0: a.window_start, x1: a.window_end, y0: 0, y1: 1,
      fillcolor: a.severity === "critical" ? "rgba(198,40,40,0.15)" : "rgba(239,138,0,0.15)", line: { width: 0 },
    }));
    const annotations = data.alerts.map((a) => ({
      x: a.window_start, y: 1, xref: "x", yref: "paper", text: "\u26A0\uFE0F", showarrow: false, yanchor: "bottom",
      hovertext: a.summary || a.kind,
    }));
    plot("chart-volume", traces, {
      barmode: "stack", bargap: 0.1, shapes, annotations, hovermode: "x unified",
      xaxis: { type: "date" }, yaxis: { title: { text: "mentions" } },
    });
  }

  function renderNet(data) {
    const rows = data.volume.filter((b) => b.net_sentiment !== null);
    plot("chart-net", [{
      type: "scatter", mode: "lines+markers", name: "net sentiment", x: rows.map((b) => b.start),
      y: rows.map((b) => b.net_sentiment), line: { color: "#3559e0", shape: "spline", smoothing: 0.6 },
      marker: { size: 4, color: rows.map((b) => (b.net_sentiment >= 0 ? COLORS.positive : COLORS.negative)) },
      fill: "tozeroy", fillcolor: "rgba(53,89,224,0.08)",
    }], {
      showlegend: false, margin: { l: 48, r: 16, t: 10, b: 44 }, xaxis: { type: "date" },
      yaxis: { range: [-1.1, 1.1], tickvals: [-1, -0.5, 0, 0.5, 1], zeroline: true, zerolinecolor: "#999" },
    });
  }

  function renderShare(data) {
    const rows = data.share_of_voice.filter((r) => r.count > 0);
    plot("chart-sov", [{
      type: "pie", hole: 0.5, labels: rows.map((r) => (r.competitor ? "\u2694\uFE0F " : "") + r.brand),
      values: rows.map((r) => r.count), pull: rows.map((r) => (r.brand === data.brand ? 0.06 : 0)),
      textinfo: "label+percent", sort: false,
    }], { showlegend: false, margin: { l: 10, r: 10, t: 10, b: 10 } });
  }

  function renderSplit(id, counts) {
    const entries = Object.entries(counts).sort((a, b) => a[1] - b[1]);
    plot(id, [{
      type: "bar", orientation: "h", x: entries.map((e) => e[1]), y: entries.map((e) => e[0]),
      marker: { color: "#3559e0" }, text: entries.map((e) => fmt(e[1])), textposition: "auto",
    }], { showlegend: false, margin: { l: 80, r: 16, t: 10, b: 30 } });
  }

  function renderAuthors(data) {
    const table = document.getElementById("authors");
    const head = el("tr", {}, el("th", { text: "\u{1F464}" }), el("th", { text: "\u{1F4F0}" }),
      el("th", { class: "num", text: "\u{1F4AC}" }), el("th", { class: "num", text: "\u2764\uFE0F" }),
      el("th", { class: "num", text: "\u{1F465}" }));
    const rows = data.top_authors.map((a) => el("tr", {},
      el("td", { text: a.handle }), el("td", { text: a.source }), el("td", { class: "num", text: fmt(a.mentions) }),
      el("td", { class: "num", text: fmt(a.engagement) }), el("td", { class: "num", text: fmt(a.followers) })));
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
    if (!rows.length) table.replaceChildren(el("caption", { class: "empty", text: "\u2205" }));
  }

  async function load(params) {
    const data = await GS.api("/api/overview", params);
    GS.showPeriod(data.period);
    renderKpis(data);
    renderVolume(data);
    renderNet(data);
    renderShare(data);
    renderSplit("chart-source", data.by_source);
    renderSplit("chart-lang", data.by_lang);
    renderAuthors(data);
  }

  GS.start(load);
})();
