/* Overview: volume by sentiment (alerts marked), net sentiment, share of voice, splits, totals, top authors, and each
   key figure against the previous period of the same length, for the brand and for every configured brand. */
"use strict";

(() => {
  const { el, fmt, pct, plot, when, wall, dayName, COLORS, SEVERITY_COLORS, SEVERITY_ICON, ACCENT } = GS;
  // Volume and net sentiment share one x range and the same horizontal margins, so their buckets line up.
  const TIME_MARGIN = { l: 64, r: 44 };  // r: half a date tick label, for the tick at the end of the range
  const BUCKET_MS = { hour: 3600000, day: 86400000, week: 7 * 86400000 };
  // At most this many labelled ticks on the time axis: a year of days had 365 labels, 90 days 63 rotated ones.
  const MAX_TICKS = 12;
  // The view's filters the Advocates card follows (/api/advocates takes them as /api/overview does).
  const ADVOCATE_FILTERS = ["source", "lang", "spam"];
  // Changes come from the API (the weekly report's rule): these in percentage points, the others in percent.
  const IN_POINTS = new Set(["negative_share", "net_sentiment", "share_of_voice"]);
  // Which way is better (+1 up, -1 down); the others (volume, engagement, reach) are neither. Said in words
  // too, so the colour only repeats what the arrow, the sign and the word say.
  const BETTER = { negative_share: -1, net_sentiment: 1, share_of_voice: 1 };

  function kpi(icon, label, value, title, change) {
    return el("div", { class: "kpi", title: title || label },
      el("div", { class: "value", text: icon + " " + value }), el("div", { class: "label", text: label }),
      change || null);
  }

  /* "7 days" or "36 h": the length of the period, which the previous one shares. */
  function spanText(period) {
    const hours = Math.round((Date.parse(period.until) - Date.parse(period.since)) / BUCKET_MS.hour);
    if (hours % 24) return `${hours} h`;
    return hours === 24 ? "day" : `${hours / 24} days`;
  }

  /* One figure's change as text and classes: "▲ 12% vs previous 7 days", "no data before", ... */
  function change(key, delta, before, span, long) {
    const tail = long ? ` vs previous ${span}` : "";
    const missing = delta === null || delta === undefined;
    if (missing && (before === null || before === undefined)) {
      return { text: "no data before", cls: "none", title: `no data in the previous ${span}` };
    }
    if (missing) {
      return { text: long ? `new: none in the previous ${span}` : "new: none before", cls: "none",
        title: `0 in the previous ${span}: no percent change from zero` };
    }
    const unit = IN_POINTS.has(key) ? " pts" : "%";
    const arrow = delta > 0 ? "\u25B2" : delta < 0 ? "\u25BC" : "=";
    const size = delta === 0 ? "no change" : `${Math.abs(delta).toFixed(1)}${unit}`;
    const judged = BETTER[key] && delta !== 0 ? (Math.sign(delta) === BETTER[key] ? "better" : "worse") : "";
    const word = delta > 0 ? "up" : delta < 0 ? "down" : "unchanged";
    return {
      text: `${arrow} ${size}${tail}`, cls: [delta > 0 ? "up" : delta < 0 ? "down" : "flat", judged].join(" ").trim(),
      judged, title: `${word} ${size === "no change" ? "" : size + " "}vs previous ${span}`
        + (IN_POINTS.has(key) ? " (percentage points)" : "") + (judged ? `: ${judged}` : ""),
    };
  }

  /* Why a figure has no change: the previous period has too few days with data (the weekly report's rule,
     `coverage`: share of voice counts the days every brand compared has data); null when it has enough. */
  function notComparable(key, coverage) {
    const c = coverage && (key === "share_of_voice" ? coverage.share_of_voice : coverage);
    // this period's share of voice, counted from the day every brand compared has data: "–" when too few, as the report
    const sovNow = key === "share_of_voice" && c && c.current;
    if (sovNow && !sovNow.comparable) return `this period: ${sovNow.reason}`;
    if (c && !c.comparable) return c.reason || "too few days with data before";
    // This period with a collection gap (days no brand of the market has a mention): its volume is not compared
    const now = coverage && coverage.current;
    return key === "mentions" && now && now.whole === false ? `this period: ${now.reason}` : null;
  }

  /* The change line under a tile, or a table cell's. */
  function changeNode(key, data, totals, long) {
    const why = notComparable(key, totals.coverage);
    if (why) {
      // "–", as the digest and the report show it, with the reason beside (on a tile) or on hover (in the table)
      // The reason is visible text (a hover title reaches neither a keyboard nor a touch screen).
      return el("div", { class: "change none", title: why.startsWith("this period") ? why : `previous ${spanText(data.period)}: ${why}`,
        "data-change": key, "data-not-comparable": "" },
        long ? `\u2013 ${why.startsWith("this period") ? "a gap in this period" : "too few days with data before"}`
          : "\u2013",
        long ? null : el("small", { class: "why", text: ` ${why}` }));
    }
    const before = totals.previous;
    // A brand without mentions before has no figures before (a share of voice of 0% is still one).
    const was = before && (before.mentions || key === "share_of_voice") ? before[key] : null;
    const c = change(key, totals.change ? totals.change[key] : null, was, spanText(data.period), long);
    return el("div", { class: "change " + c.cls, title: c.title, "data-change": key },
      c.text, c.judged ? el("span", { class: "judged", text: ` \u00B7 ${c.judged}` }) : null);
  }

  function renderKpis(data) {
    const t = data.totals;
    const net = t.net_sentiment;
    const netIcon = net === null ? "\u2754" : net > 0.05 ? "\u{1F7E2}" : net < -0.05 ? "\u{1F534}" : "\u26AA";
    const delta = (key) => changeNode(key, data, t, true);
    document.getElementById("kpis").replaceChildren(...[
      kpi("\u{1F4AC}", "mentions", fmt(t.mentions), null, delta("mentions")),
      kpi(netIcon, "net sentiment", net === null ? "\u2013" : (net > 0 ? "+" : "") + net.toFixed(2),
        "(positive \u2212 negative) / scored mentions; its change in points of 0.01", delta("net_sentiment")),
      kpi("\u{1F620}", "negative share", pct(t.negative_share), "negative / mentions with a sentiment",
        delta("negative_share")),
      kpi("\u2764\uFE0F", "engagement", fmt(t.engagement), "likes + reposts + replies + quotes", delta("engagement")),
      kpi("\u{1F441}\uFE0F", "reach", fmt(t.reach), "author followers + engagement, summed over mentions",
        delta("reach")),
      alertsKpi(data.count),
      repliesKpi(data.replies)].filter(Boolean));  // no replies tile for a brand without own accounts
    renderCoverageNote(data);
  }

  /* Under the tiles, once: why their changes read "–", or how much of the previous period has data. */
  function renderCoverageNote(data) {
    let note = document.getElementById("coverage-note");
    if (!note) {
      note = el("p", { id: "coverage-note", class: "muted" });
      document.getElementById("kpis").after(note);
    }
    const c = data.totals.coverage;
    const sov = c && c.share_of_voice;
    const lines = [c && c.reason, sov && sov.reason].filter(Boolean);
    const prev = data.previous_period;
    const now = c && c.current && c.current.whole === false ? c.current : null;
    const before = lines.length ? `Previous ${spanText(data.period)} (${when(prev.since)} \u2192 `
      + `${when(prev.until)}): ${lines.join("; ")}` + (c.comparable ? "" : ": no change shown (\u2013), as in the "
      + "weekly report") : "";
    // a gap in this period: "This week: data on 3 of its 7 days", its mentions' change not shown, as the report
    const current = now ? `This period: ${now.reason}; mentions change not shown (\u2013)` : "";
    // this period's share of voice from the day every brand compared has data (the report's rule)
    const sovNow = sov && sov.current && sov.current.reason ? `This period's ${sov.current.reason}` : "";
    note.hidden = !(before || current || sovNow);
    note.textContent = [current, sovNow, before].filter(Boolean).join(". ");
  }

  /* Every configured brand side by side: its figures in this view's period and filters, each with its change. */
  function renderComparison(data) {
    let card = document.getElementById("compare-card");
    if (!card) {
      card = el("div", { class: "card wide", id: "compare-card" },
        el("h2", {}, "\u2696\uFE0F Brands compared ", el("small", { id: "compare-span" })),
        el("table", { class: "table compare", id: "compare" }));
      const sov = document.getElementById("chart-sov").closest(".card");
      sov.parentNode.insertBefore(card, sov);
    }
    const span = spanText(data.period);
    const prev = data.previous_period;
    document.getElementById("compare-span").textContent =
      `each change vs the ${prev.so_far ? "same stretch of the " : ""}previous ${span} `
      + `(${when(prev.since)} \u2192 ${when(prev.until)}${prev.so_far ? ": this period is still running" : ""}); `
      + "\u25B2 up, \u25BC down, "
      + "percent for mentions, points for shares and net sentiment";
    const columns = [
      ["mentions", "\u{1F4AC} Mentions", (v) => fmt(v)],
      ["negative_share", "\u{1F620} Negative share", (v) => pct1(v)],
      ["net_sentiment", "\u21C5 Net sentiment", (v) => (v === null ? "\u2013" : (v > 0 ? "+" : "") + v.toFixed(2))],
      ["share_of_voice", "\u{1F4E3} Share of voice", (v) => pct1(v)],
    ];
    const head = el("tr", {}, el("th", { scope: "col", text: "Brand" }),
      ...columns.map(([, label]) => el("th", { scope: "col", class: "num", text: label })));
    const rows = data.comparison.map((row) => el("tr", { class: row.selected ? "selected" : null, "data-brand": row.brand },
      el("th", { scope: "row" }, (row.competitor ? "\u2694\uFE0F " : "") + row.brand,
        row.competitor ? el("small", { class: "muted", text: " competitor" }) : null,
        row.selected ? el("small", { class: "muted", text: " (shown above)" }) : null),
      ...columns.map(([key, , show]) => el("td", { class: "num" }, show(row.current[key]),
        changeNode(key, data, row, false)))));
    document.getElementById("compare").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  }

  function pct1(x) { return x === null || x === undefined ? "\u2013" : (x * 100).toFixed(1) + "%"; }

  /* Own replies (brands with own_accounts): answered share and median time to first reply; links to the queue. */
  function repliesKpi(r) {
    if (!r || !r.configured) return null;
    const o = r.overall;
    const median = o.median_minutes === null ? "\u2013" : `${o.median_minutes} min`;
    const node = kpi("\u21A9\uFE0F", `answered \u00B7 median ${median} \u00B7 ${fmt(r.needs_reply_total)} waiting`,
      pct(o.answered_share),
      `posts answered by the brand's own accounts; negative posts unanswered > ${r.goal_minutes} min wait in Needs reply`);
    node.id = "kpi-replies";
    const link = el("a", { href: "/replies?" + new URLSearchParams({ brand: r.brand }), class: "out", text: "needs reply \u2192" });
    node.append(link);
    return node;
  }

  function alertsKpi(count) {
    const node = kpi("\u{1F6A8}", `incidents \u00B7 ${fmt(count.alerts)} alert${count.alerts === 1 ? "" : "s"}`,
      fmt(count.incidents), "alerts of one crisis are one incident; the Alerts page lists them");
    node.id = "kpi-alerts";
    node.dataset.incidents = String(count.incidents);
    node.dataset.alerts = String(count.alerts);
    return node;
  }

  /* A bar or point over its whole bucket [start, start + interval), centred in it (GS.bucketed, with weeks). */
  function bucketed(interval) {
    return { xperiod: BUCKET_MS[interval] || BUCKET_MS.hour, xperiodalignment: "middle" };
  }

  /* "2026-10-25T02:00:00": axis milliseconds as the naive time plotly draws. */
  const isoOf = (ms) => new Date(ms).toISOString().slice(0, 19);
  const TICK_HOURS = [1, 2, 3, 6, 12];

  /* Where a moment goes on the time charts' x axis (milliseconds of a naive clock), and whether that clock is even.
     By the hour across a clock change (the zone's offset not the same all through the period): the zone's clock as
     it reads at the period's start, run on evenly, as the weekly report's charts do (groundswell/report.py,
     `_even_clock`), so the hour repeated when clocks go back gets an x of its own (Rome's 25 October: 02:00 CEST,
     then 02:00 CET) instead of both hours' bars drawn at one x, and the hour skipped when they go forward leaves no
     gap that reads as an hour with no posts; `evenTicks` names the ticks by the wall clock. Otherwise the wall
     clock itself (GS.wall). */
  function clockOf(data) {
    const tz = data.timezone;
    const offset = (iso) => Date.parse(wall(iso, tz) + "Z") - Date.parse(iso);
    const first = offset(data.period.since);
    const even = data.interval === "hour"
      && [data.period.until, ...data.volume.map((b) => b.start)].some((t) => offset(t) !== first);
    return { even, ms: even ? (iso) => Date.parse(iso) + first : (iso) => Date.parse(wall(iso, tz) + "Z") };
  }

  /* The stretch of one UTC offset the zone's clock is in at `t` (UTC milliseconds), from the server's `zones` (an
     hourly answer's; views.py `zone_stretches`): its `zone` is named by alerts/wording.py's `clock_zone`, the name
     the incident cards and the weekly report give it ("AEDT", "UTC+10:30"; the browser's Intl says "GMT+11"). */
  function stretchAt(data, t) {
    const zones = data.zones || [];
    let found = zones[0];
    for (const z of zones) if (Date.parse(z.since) <= t) found = z;
    return found;
  }

  /* Whether the wall-clock reading at `t` is read twice: a stretch of another offset reaches the same reading
     (the hour clocks go back over; Lord Howe's half hour), as `fold` says it in groundswell/report.py. */
  function readTwice(data, t) {
    const here = stretchAt(data, t);
    if (!here) return false;
    const reading = t + here.offset_minutes * 60000;
    return data.zones.some((z) => z !== here && stretchAt(data, reading - z.offset_minutes * 60000) === z);
  }

  const zoneAt = (data, iso) => (stretchAt(data, Date.parse(iso)) || { zone: "" }).zone;

  /* Each bucket's local time for a hover: "Oct 25 02:00 CEST" (the zone named on a chart across a clock change). */
  function hourLabels(data, buckets) {
    return buckets.map((b) => {
      const w = wall(b.start, data.timezone);
      return `${dayName(w).replace(/, \d+$/, "")} ${w.slice(11, 16)} ${zoneAt(data, b.start)}`;
    });
  }

  /* Ticks for the even clock (`clockOf`): round hours of the wall clock, every 1-12 hours (at most MAX_TICKS),
     labelled with the wall clock and the day where it starts; an hour whose reading is read twice (`readTwice`:
     both readings of the hour clocks go back over, the second of Lord Howe's half hour) is always ticked, naming
     its zone under the time ("02:00" over "CEST", then over "CET"), and a tick an hour or less from it is left
     out. */
  function evenTicks(data, clock) {
    const H = BUCKET_MS.hour;
    const tz = data.timezone;
    const [lo, hi] = timeRange(data).map((t) => Date.parse(t + "Z") - clock.ms(data.period.since)
      + Date.parse(data.period.since));
    const step = TICK_HOURS.find((h) => Math.floor((hi - lo) / H / h) + 1 <= MAX_TICKS) || TICK_HOURS.at(-1);
    const at = (t) => wall(new Date(t).toISOString(), tz);
    const hours = [];
    for (let t = Math.ceil(lo / H) * H; t <= hi; t += H) hours.push(t);
    const twice = hours.filter((t) => readTwice(data, t));
    const ticked = hours.filter((t) => twice.includes(t)
      || (Number(at(t).slice(11, 13)) % step === 0 && !twice.some((r) => Math.abs(r - t) <= H)));
    let day = null;
    const ticktext = ticked.map((t) => {
      const w = at(t);
      // The zone on a line of its own: the two readings are ticked an hour apart, "02:00 CEST" would overlap.
      const label = w.slice(11, 16) + (twice.includes(t) ? "<br>" + zoneAt(data, new Date(t).toISOString()) : "");
      const named = w.slice(0, 10) !== day ? `<br>${dayName(w).replace(/, \d+$/, "")}` : "";
      day = w.slice(0, 10);
      return label + named;
    });
    return { tickmode: "array", tickvals: ticked.map((t) => isoOf(clock.ms(new Date(t).toISOString()))), ticktext };
  }

  /* The x axis both time charts share: same range, and day or week ticks labelled by their day, not its noon.
     Times are drawn as wall-clock times of the data's zone (data.timezone), so each day's bar spans its own
     local day and the ticks name local days; the period text above the chart names the zone. At most MAX_TICKS
     labels: on a long range every second, seventh... bucket is named (hours: plotly's own ticks). */
  function timeAxis(data) {
    // Fixed margins (TIME_MARGIN) instead of automargin, which could give the two charts different widths.
    const axis = { type: "date", range: timeRange(data), automargin: false, nticks: MAX_TICKS };
    const clock = clockOf(data);
    // Across a clock change the even clock's ticks; the unified hover's title would read that clock, so each
    // trace's hover names the bucket's own local time instead (`hourLabels`) and the title is blanked by its
    // format: `hoverformat` is as old as plotly.js 1.x, where `unifiedhovertitle` needs 3.1 (plotly 6.3), above
    // requirements.txt's floor, and an older plotly.js ignored it and titled the hover an hour late.
    if (clock.even) return Object.assign(axis, evenTicks(data, clock), { tickangle: 0, hoverformat: " " });
    if (data.interval !== "day" && data.interval !== "week") return axis;
    // Every bucket of the range (empty ones too, so the step is even), then every step-th one named: a tick in
    // the middle of its bar, naming the day (the week's Monday); plotly would put "12:00" there.
    const size = BUCKET_MS[data.interval];
    const [lo, hi] = timeRange(data).map((t) => Date.parse(t + "Z"));
    const first = data.volume.length ? clockOf(data).ms(data.volume[0].start) : lo;
    const starts = [];
    for (let t = first - Math.ceil((first - lo) / size) * size; t < hi; t += size) starts.push(t);
    const step = Math.max(1, Math.ceil(starts.length / MAX_TICKS));
    const named = starts.filter((_, i) => i % step === 0);
    const ticks = named.map((t) => new Date(t + size / 2).toISOString().slice(0, 19));
    return Object.assign(axis, { tickmode: "array", tickvals: ticks, tickangle: 0,
      ticktext: named.map((t) => dayName(t).replace(/, \d+$/, "")) });
  }

  /* The x range both time charts show: the period, widened to whole buckets (in wall-clock milliseconds). */

  function timeRange(data) {
    const step = BUCKET_MS[data.interval] || BUCKET_MS.hour;
    const at = clockOf(data).ms;
    const starts = data.volume.map((b) => at(b.start));
    const lo = Math.min(at(data.period.since), ...starts);
    const hi = Math.max(at(data.period.until), ...starts.map((t) => t + step));
    return [new Date(lo).toISOString().slice(0, 19), new Date(hi).toISOString().slice(0, 19)];
  }

  /* "Nov 5, 2026 – Nov 11, 2026 (Asia/Seoul)": the local days the period covers, the zone named. */
  function renderPeriodText(data) {
    let node = document.getElementById("period-text");
    if (!node) {
      node = el("p", { id: "period-text", class: "muted" });
      const chart = document.getElementById("chart-volume");
      chart.parentNode.insertBefore(node, chart);
    }
    const from = wall(data.period.since, data.timezone);
    const to = wall(data.period.until, data.timezone);
    const midnight = (w) => w.slice(11) === "00:00:00";
    // Whole local days: their names, the last one inclusive; otherwise the two moments, local time.
    const span = midnight(from) && midnight(to)
      ? `${dayName(from)} \u2013 ${dayName(wall(new Date(Date.parse(data.period.until) - 1).toISOString(), data.timezone))}`
      : `${dayName(from)} ${from.slice(11, 16)} \u2013 ${dayName(to)} ${to.slice(11, 16)}`;
    node.textContent = `\u{1F4C5} ${span} (${data.timezone} time; `
      + `${{ day: "each bar a local day", week: "each bar a week from Monday" }[data.interval] || "each bar an hour"})`;
    node.dataset.timezone = data.timezone;
  }

  /* The volume chart's y scale, a view setting kept in the URL as `scale=log` (never sent to the API, which
     refuses parameters it does not know): one viral hour of 50,000 posts otherwise draws the ramp-up before it
     and the ~20-an-hour baseline as nothing. The filters' submit rebuilds the URL from the form
     (common.js `viewUrl`), so it is put back after a submit (`carryScale`); Back and Forward go by their URL. */
  const SCALE_PARAM = "scale";
  let logScale = new URLSearchParams(location.search).get(SCALE_PARAM) === "log";
  let carryScale = false;
  let lastData = null;
  // A bar under this share of the tallest is a few pixels high on a linear axis (300 px chart).
  const FLAT_SHARE = 0.02;

  /* Write the scale into the current history entry (no new entry: a view setting is no navigation). */
  function writeScale() {
    const qs = new URLSearchParams(location.search);
    if (logScale) qs.set(SCALE_PARAM, "log"); else qs.delete(SCALE_PARAM);
    const query = qs.toString();
    history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }

  /* The scale after a load: the URL's, except after a submit, which drops it from the URL and keeps the box's. */
  function readScale() {
    const asked = new URLSearchParams(location.search).get(SCALE_PARAM);
    if (carryScale) {
      carryScale = false;
      if (logScale && asked !== "log") writeScale();
    } else {
      logScale = asked === "log";
    }
  }

  /* The "Log scale" checkbox above the volume chart (a native control: Tab reaches it, Space flips it) and the
     hint beside it when most bars are flat against the tallest one. */
  function scaleControl() {
    let box = document.getElementById("volume-log");
    if (!box) {
      box = el("input", { type: "checkbox", id: "volume-log", "aria-describedby": "volume-scale-note" });
      box.addEventListener("change", () => {
        logScale = box.checked;
        writeScale();
        if (lastData) renderVolume(lastData);
      });
      const chart = document.getElementById("chart-volume");
      chart.parentNode.insertBefore(el("div", { class: "chart-options", id: "volume-options" },
        el("label", { for: "volume-log" }, box, " Log scale"),
        el("span", { class: "muted", id: "volume-scale-note", role: "status" })), chart);
    }
    box.checked = logScale;
    return box;
  }

  /* Each bucket's posts, all sentiments together. */
  const bucketTotal = (b) => b.negative + b.neutral + b.positive + b.unknown;

  /* The y axis of the volume chart. Log: a range from half a post (a bucket of 1 post is still a bar; log 0 is
     off the axis, so an empty bucket or sentiment draws nothing, as on the linear axis) to above the tallest bar,
     ticks at 1, 10, 100... Linear: plotly's own range from 0. */
  function volumeAxis(data) {
    const axis = { title: { text: logScale ? "mentions (log scale)" : "mentions" }, automargin: false };
    if (!logScale) return axis;
    const top = Math.max(1, ...data.volume.map(bucketTotal));
    return Object.assign(axis, { type: "log", range: [Math.log10(0.5), Math.log10(top) + 0.15], dtick: 1,
      tickformat: ",d" });
  }

  /* What the note beside the checkbox says: on a log axis how to read it, on a linear one a hint when most
     non-empty buckets are under FLAT_SHARE of the tallest (drawn as nothing), else nothing. */
  function scaleNote(data) {
    const totals = data.volume.map(bucketTotal).filter((n) => n > 0);
    if (logScale) return "each gridline is 10× the one below; a bar's colours no longer compare by height";
    if (totals.length < 2) return "";
    const top = Math.max(...totals);
    const flat = totals.filter((n) => n < top * FLAT_SHARE).length;
    return flat * 2 > totals.length
      ? `${flat} of ${totals.length} bars are under ${FLAT_SHARE * 100}% of the tallest (${fmt(top)}): `
        + "Log scale shows them" : "";
  }

  function renderVolume(data) {
    lastData = data;
    scaleControl();
    const note = scaleNote(data);
    const noteNode = document.getElementById("volume-scale-note");
    noteNode.textContent = note;
    noteNode.hidden = !note;
    document.getElementById("volume-options").dataset.scale = logScale ? "log" : "linear";
    const clock = clockOf(data);
    const x = data.volume.map((b) => isoOf(clock.ms(b.start)));
    const hover = clock.even ? { customdata: hourLabels(data, data.volume) } : {};
    const traces = ["negative", "neutral", "positive", "unknown"]
      .filter((k) => data.volume.some((b) => b[k] > 0))
      .map((k) => Object.assign(
        // On a log axis a 0 is log(0): no segment (null), as a 0 draws none on the linear axis.
        { type: "bar", name: k, x, y: data.volume.map((b) => (logScale && !b[k] ? null : b[k])),
          marker: { color: COLORS[k] } },
        clock.even ? { hovertemplate: `%{customdata}: %{y} ${k}<extra></extra>` } : {}, hover,
        bucketed(data.interval)));
    // One band and one marker per incident (not per alert), inside the plot so the legend above stays clear.
    const shapes = data.incidents.map((inc) => ({
      type: "rect", xref: "x", yref: "paper", x0: isoOf(clock.ms(inc.start)), x1: isoOf(clock.ms(inc.end)), y0: 0, y1: 1, layer: "below",
      fillcolor: SEVERITY_COLORS[inc.severity], opacity: 0.15, line: { width: 0 },
    }));
    const annotations = data.incidents.map((inc) => ({
      x: isoOf(clock.ms(inc.start)), y: 1, xref: "x", yref: "paper", text: "\u26A0\uFE0F", showarrow: false, yanchor: "top",
      xanchor: "left", hovertext: `${inc.severity} \u00B7 ${inc.alerts.length} alert(s) from ${when(inc.start)}`,
    }));
    plot("chart-volume", traces, {
      barmode: "stack", bargap: 0.1, shapes, annotations, hovermode: "x unified",
      margin: Object.assign({ t: 30, b: 48 }, TIME_MARGIN),
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
      xaxis: timeAxis(data),
      yaxis: volumeAxis(data),
    });
  }

  /* Mentions with a sentiment in a bucket: what its net sentiment rests on. */
  const scored = (b) => b.negative + b.neutral + b.positive;

  /* Net sentiment per bucket. A bucket resting on fewer than data.net_sentiment_min_posts mentions with a
     sentiment (one post makes -1.00) is a hollow grey point off the line, which joins the others; every point's
     hover says how many posts it rests on, and the legend names the floor. */
  function renderNet(data) {
    const floor = data.net_sentiment_min_posts || 1;
    const rows = data.volume.filter((b) => b.net_sentiment !== null);
    const solid = rows.filter((b) => scored(b) >= floor);
    const thin = rows.filter((b) => scored(b) < floor);
    const clock = clockOf(data);
    const x = (list) => list.map((b) => isoOf(clock.ms(b.start)));
    // Across a clock change the hover names each bucket's local time (`timeAxis`): [posts, "Oct 25 02:00 CET"].
    const custom = (list) => {
      const labels = clock.even ? hourLabels(data, list) : null;
      return list.map((b, i) => (labels ? [scored(b), labels[i]] : scored(b)));
    };
    const posts = clock.even ? "%{customdata[0]}" : "%{customdata}";
    const local = clock.even ? "%{customdata[1]}: " : "";
    const hover = `${local}%{y:+.2f} \u00B7 ${posts} posts with a sentiment<extra></extra>`;
    const traces = [{
      type: "scatter", mode: "lines+markers", name: "net sentiment", x: x(solid),
      y: solid.map((b) => b.net_sentiment), customdata: custom(solid), hovertemplate: hover,
      line: { color: ACCENT, shape: "spline", smoothing: 0.6 },
      marker: { size: 4, color: solid.map((b) => (b.net_sentiment >= 0 ? COLORS.positive : COLORS.negative)) },
      fill: "tozeroy", fillcolor: "rgba(53,89,224,0.08)", ...bucketed(data.interval),
    }];
    if (thin.length) {
      traces.push({
        type: "scatter", mode: "markers", name: `under ${floor} posts: not in the line`,
        x: x(thin), y: thin.map((b) => b.net_sentiment), customdata: custom(thin),
        hovertemplate: `${local}%{y:+.2f} \u00B7 only ${posts} post(s) with a sentiment<extra></extra>`,
        marker: { size: 7, symbol: "circle-open", color: "#8c8c8c", line: { width: 1.5 } }, ...bucketed(data.interval),
      });
    }
    plot("chart-net", traces, {
      showlegend: thin.length > 0, margin: Object.assign({ t: thin.length ? 30 : 10, b: 48 }, TIME_MARGIN),
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
      xaxis: timeAxis(data),
      yaxis: {
        range: [-1.1, 1.1], tickvals: [-1, -0.5, 0, 0.5, 1], zeroline: true, zerolinecolor: "#999", automargin: false,
      },
    });
  }

  /* With markets (brands[].market) the pie holds the selected brand's market only, so its heading names it:
     "Share of voice (market: Korea \u2014 Solbit, Dalbit)"; a config without markets keeps the plain heading. */
  function renderShareHeading(data) {
    const heading = document.getElementById("chart-sov").closest(".card").querySelector("h2");
    if (heading.dataset.title === undefined) heading.dataset.title = heading.textContent;
    const named = GS.meta && GS.meta.brands.some((b) => b.market);
    const market = named && data.market ? data.market : null;
    heading.textContent = heading.dataset.title + (market
      ? ` (market: ${market.name || "brands without a market"} \u2014 ${market.brands.join(", ")})` : "");
  }

  function renderShare(data) {
    renderShareHeading(data);
    const rows = data.share_of_voice.filter((r) => r.count > 0);
    // The palette's slice colours (groundswell/palette.py SERIES), each with the text colour that reads on it at
    // 4.5:1; a label that does not fit in its slice goes beside it, in the chart ink on the card.
    const slice = rows.map((_, i) => SERIES[i % SERIES.length]);
    plot("chart-sov", [{
      type: "pie", hole: 0.5, labels: rows.map((r) => (r.competitor ? `${r.brand} (competitor)` : r.brand)),
      values: rows.map((r) => r.count), pull: rows.map((r) => (r.brand === data.brand ? 0.06 : 0)),
      textinfo: "label+percent", sort: false, automargin: true, marker: { colors: slice.map((c) => c.fill) },
      insidetextfont: { color: slice.map((c) => c.ink) }, outsidetextfont: { color: GS.cssVar("--chart-ink") },
    }], { showlegend: false, margin: { l: 10, r: 10, t: 10, b: 10 } });
  }

  const SERIES = [...Array(8).keys()].map((i) => ({ fill: GS.cssVar(`--series-${i}`), ink: GS.cssVar(`--series-${i}-ink`) }))
    .filter((c) => c.fill);

  function renderSplit(id, counts) {
    const entries = Object.entries(counts).sort((a, b) => a[1] - b[1]);
    plot(id, [{
      type: "bar", orientation: "h", x: entries.map((e) => e[1]), y: entries.map((e) => e[0]),
      marker: { color: ACCENT }, text: entries.map((e) => fmt(e[1])), textposition: "auto",
    }], { showlegend: false, margin: { l: 80, r: 16, t: 10, b: 30 } });
  }

  function renderAuthors(data) {
    const table = document.getElementById("authors");
    const head = el("tr", {}, el("th", { scope: "col", text: "Author" }), el("th", { scope: "col", text: "Source" }),
      el("th", { scope: "col", class: "num", text: "Mentions" }),
      el("th", { scope: "col", class: "num", text: "Engagement" }),
      el("th", { scope: "col", class: "num", text: "Followers" }));
    const rows = data.top_authors.map((a) => el("tr", {},
      el("td", { text: a.handle }), el("td", { text: a.source }), el("td", { class: "num", text: fmt(a.mentions) }),
      el("td", { class: "num", text: fmt(a.engagement) }), el("td", { class: "num", text: fmt(a.followers) })));
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
    if (!rows.length) table.replaceChildren(el("caption", { class: "empty", text: "\u2205" }));
  }

  /* Advocates of the period (score: docs/spam.md#advocates) and how much spam the view leaves out. */
  async function renderAdvocates(data, params) {
    const scope = { brand: data.brand, since: data.period.since, until: data.period.until };
    for (const name of ADVOCATE_FILTERS) if (params[name]) scope[name] = params[name];
    const found = await GS.api("/api/advocates", scope);
    document.getElementById("export-advocates").href = "/api/advocates?" + new URLSearchParams({ ...scope, format: "csv", bom: "1" });
    const table = document.getElementById("advocates");
    const head = el("tr", {}, el("th", { scope: "col", text: "Author" }), el("th", { scope: "col", class: "num", text: "Positive" }),
      el("th", { scope: "col", class: "num", text: "Score" }), el("th", { scope: "col", text: "Seen" }));
    // The author's sample posts in a <details> (not a hover title): a keyboard or a finger opens it too.
    const samples = (a) => (a.samples.length ? el("details", { class: "samples-of" },
      el("summary", { text: `${a.samples.length} sample post${a.samples.length === 1 ? "" : "s"}` }),
      el("ul", {}, ...a.samples.map((s) => el("li", Object.assign({ text: s.text }, GS.textAttrs(s.lang, s.text)))))) : null);
    const rows = found.authors.map((a) => el("tr", {},
      el("td", {}, `${a.handle} (${a.source})`, samples(a)), el("td", { class: "num", text: fmt(a.mentions) }),
      el("td", { class: "num", text: a.score.toFixed(1) }),
      el("td", { text: `${a.first_seen.slice(0, 10)} \u2192 ${a.last_seen.slice(0, 10)} \u00B7 ${Object.keys(a.languages).join(", ")}` })));
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
    if (!rows.length) table.replaceChildren(el("caption", { class: "empty", text: "\u2205 nobody with 2+ positive mentions" }));
    const spam = data.spam;
    const by = data.labelled_by || {};
    const set = [by.people ? `\u270F\uFE0F ${fmt(by.people)} labels corrected by people` : "",
      by.rules ? `\u{1F4CF} ${fmt(by.rules)} by sentiment rules` : ""].filter(Boolean);
    document.getElementById("spam-note").textContent = (spam.included
      ? `\u{1F916} ${fmt(spam.in_view)} spam mentions are included in these figures`
      : `\u{1F916} ${fmt(spam.in_view)} spam mentions left out of these figures (Spam: included shows them)`)
      + (set.length ? " \u00B7 " + set.join(" \u00B7 ") : "");
  }

  /* Incidents of the period, one compact card each; the full explanations are on the Alerts page. */
  function renderIncidents(data) {
    GS.showCount(document.getElementById("incident-count"), data.count);
    const list = document.getElementById("incident-list");
    const line = (a) => el("li", { class: "alert-card " + a.severity, "data-id": a.id },
      el("span", { text: `${SEVERITY_ICON[a.severity]} ${GS.whenBoth(a.window_start)} \u00B7 ${a.kind}` + (a.subject ? ` \u00B7 ${a.subject}` : "") }),
      GS.summaryOf(a) ? el("span", { class: "muted", text: " \u2014 " + GS.summaryOf(a) }) : null);
    list.replaceChildren(...data.incidents.map((inc) => {
      const card = GS.incidentCard(inc, line);
      const timeline = card.querySelector("ol.timeline");
      // The timeline folds away on the overview; the Alerts page has every explanation.
      const fold = el("details", {}, el("summary", { text: `timeline (${inc.alerts.length})` }), timeline);
      const link = new URLSearchParams({ brand: inc.brand, since: inc.start, until: inc.end });
      card.querySelector("h3").append(el("a", { class: "out", href: "/alerts?" + link, text: "\u{1F6A8} details" }));
      card.append(fold);
      return card;
    }));
    if (!data.incidents.length) list.append(el("li", { class: "empty", text: "\u2705 no alerts in this period" }));
  }

  async function load(params) {
    readScale();  // before the request: a failed one must not leave a submit's carry for the next Back
    const data = await GS.api("/api/overview", params);
    GS.showPeriod(data.period);
    renderPeriodText(data);
    renderKpis(data);
    renderComparison(data);
    renderVolume(data);
    renderNet(data);
    renderShare(data);
    renderSplit("chart-source", data.by_source);
    renderSplit("chart-lang", data.by_lang);
    renderAuthors(data);
    renderIncidents(data);
    await renderAdvocates(data, params);

  }

  // Registered before GS.start's own submit handler, which rebuilds the URL without `scale`: put it back after.
  const filters = document.getElementById("filters");
  if (filters) filters.addEventListener("submit", () => { carryScale = true; });
  GS.start(load);
})();
