/* FAQ: the brand's recurring questions and complaint reasons, each group with its count, languages and example posts. */
"use strict";

(() => {
  const { el, fmt, mentionCard } = GS;

  function group(g) {
    const langs = Object.entries(g.langs).map(([lang, n]) => `${lang} ${fmt(n)}`).join(" \u00B7 ");
    const examples = el("ol", { class: "results" }, ...g.examples.map((m) => mentionCard(m)));
    return el("li", { class: "faq-group" },
      el("details", {},
        el("summary", {},
          el("span", { class: "badge count", title: "posts in this group", text: fmt(g.count) }),
          el("span", { class: "faq-label", text: g.label }),
          el("span", { class: "muted", text: ` ${langs}` })),
        examples));
  }

  function render(section, name) {
    const list = document.getElementById(`faq-${name}`);
    document.getElementById(`faq-${name}-note`).textContent =
      `${fmt(section.total)} tagged; ${fmt(section.clustered - section.ungrouped)} of the newest ${fmt(section.clustered)} recur`;
    list.replaceChildren(...section.groups.map(group));
    if (!list.children.length) list.append(el("li", { class: "empty", text: "\u2139\uFE0F nothing recurring in this period" }));
  }

  async function load(params) {
    const data = await GS.api("/api/faq", params);
    GS.showPeriod(data.period);
    render(data.questions, "questions");
    render(data.complaints, "complaints");
  }

  GS.start(load);
})();
