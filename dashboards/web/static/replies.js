/* Needs reply: the brand's answered share and response times, and the negative posts still waiting. */
"use strict";

(() => {
  const { el, fmt, pct, mentionCard } = GS;

  function minutes(m) { return m === null || m === undefined ? "\u2013" : `${m} min`; }

  function kpi(label, value, title) {
    return el("div", { class: "kpi", title: title || label },
      el("div", { class: "value", text: value }), el("div", { class: "label", text: label }));
  }

  function renderKpis(data) {
    const box = document.getElementById("reply-kpis");
    if (!data.configured) {
      box.replaceChildren(el("p", { class: "empty",
        text: "\u2139\uFE0F No own accounts configured for this brand: add brands[].own_accounts to groundswell.yaml." }));
      return;
    }
    const o = data.overall;
    box.replaceChildren(
      kpi("answered", pct(o.answered_share), `${fmt(o.answered)} of ${fmt(o.posts)} customer posts`),
      kpi("median first reply", minutes(o.median_minutes)),
      kpi("p90 first reply", minutes(o.p90_minutes)),
      kpi(`within ${data.goal_minutes} min`, fmt(o.within_goal)),
      kpi("waiting", fmt(data.needs_reply_total), `negative posts unanswered > ${data.goal_minutes} min`));
  }

  function renderQueue(data) {
    document.getElementById("reply-goal").textContent = data.configured
      ? `negative, unanswered > ${data.goal_minutes} min, longest waiting first (${fmt(data.needs_reply_total)})` : "";
    const list = document.getElementById("reply-queue");
    list.replaceChildren(...data.needs_reply.map((m) => {
      const card = mentionCard(m);
      card.querySelector(".meta").prepend(
        el("span", { class: "badge waited", title: "waiting for a reply", text: `\u23F1\uFE0F ${fmt(m.waited_minutes)} min` }));
      return card;
    }));
    if (data.configured && !list.children.length) list.append(el("li", { class: "empty", text: "\u2705 nothing waiting" }));
  }

  function renderDays(data) {
    const head = el("tr", {}, ...["day", "posts", "answered", "median", "p90"].map((h) => el("th", { text: h })));
    const rows = data.days.map((d) => el("tr", {},
      el("td", { text: d.day }), el("td", { text: fmt(d.posts) }),
      el("td", { text: `${fmt(d.answered)} (${pct(d.answered_share)})` }),
      el("td", { text: minutes(d.median_minutes) }), el("td", { text: minutes(d.p90_minutes) })));
    document.getElementById("reply-days").replaceChildren(head, ...rows);
  }

  async function load(params) {
    const data = await GS.api("/api/replies", params);
    GS.showPeriod(data.period);
    renderKpis(data);
    renderQueue(data);
    renderDays(data);
  }

  GS.start(load);
})();
