/* FAQ: the brand's recurring questions and complaint reasons, each group with its count, languages and example
   posts; unfolded, all its posts (/api/faq?group=<id>: Explore cannot filter by a list of posts) and its CSV. */
"use strict";

(() => {
  const { el, fmt, mentionCard } = GS;

  const plural = (n, word) => `${fmt(n)} ${word}${n === 1 ? "" : "s"}`;
  const langList = (langs) => Object.entries(langs).map(([lang, n]) => `${lang} ${fmt(n)}`).join(" \u00B7 ");

  /* The language of a group's label (a label is made from its posts): the language most of them are in. */
  const mainLang = (langs) => Object.entries(langs || {}).sort((a, b) => b[1] - a[1]).map(([l]) => l)[0] || null;

  /* The other groups of the theme most of this group's posts carry: often the same question in other languages.
     The largest of them are listed as text (not in a hover title: keyboards and touch screens have no hover). */
  function related(g) {
    const r = g.related;
    if (!r) return null;
    return el("div", { class: "muted faq-related" },
      el("p", {}, `Same theme \u201C${g.theme}\u201D: ${plural(r.groups, "other group")}, ${plural(r.posts, "post")} `
        + `(${langList(r.langs)}); the largest:`),
      el("ul", { class: "faq-largest" }, ...r.largest.map((o) => el("li", {}, `${fmt(o.count)}: `,
        el("span", Object.assign({ text: o.label }, GS.textAttrs(mainLang(o.langs), o.label)))))));
  }

  function group(g, view) {
    // The page's period pinned: the drill-down clusters the very posts this list was made of.
    const scope = { ...view, group: g.id };
    const examples = el("ol", { class: "results" }, ...g.examples.map((m) => mentionCard(m)));
    const open = el("button", { type: "button", class: "button faq-open", text: `Open these ${fmt(g.count)} posts` });
    open.addEventListener("click", async () => {
      open.disabled = true;
      try {
        const data = await GS.api("/api/faq", scope);
        examples.replaceChildren(...data.posts.map((m) => mentionCard(m)));
        const refocus = document.activeElement === open || !document.activeElement || document.activeElement === document.body;
        open.remove();
        // The button pressed is gone: focus goes to the group's heading, not the top of the page.
        if (refocus) summary.focus();
        GS.announce(`${plural(data.posts.length, "post")} of this group shown`);
      } catch (e) {
        open.disabled = false;  // the error box says why
      }
    });
    const csv = el("a", { class: "button faq-csv", download: true, text: "\u2B07 CSV", title: "every post of this group",
                          href: "/api/faq?" + new URLSearchParams({ ...scope, format: "csv", bom: "1" }) });
    // Copies (one text posted again, core.mention.dedup_key) are counted, and said: "6 posts, 1 distinct text".
    const copies = g.distinct < g.count ? ` \u00B7 ${plural(g.count, "post")}, ${plural(g.distinct, "distinct text")}` : "";
    // Languages only the theme's other groups have: "also in ko, zh, ru" (a group per language is the rule).
    const more = g.related ? Object.keys(g.related.langs).filter((lang) => !Object.hasOwn(g.langs, lang)) : [];
    const also = more.length ? ` \u00B7 same theme also in ${more.join(", ")}` : "";
    const summary = el("summary", {},
      el("span", { class: "badge count", title: "posts in this group", text: fmt(g.count) }),
      el("span", Object.assign({ class: "faq-label", text: g.label }, GS.textAttrs(mainLang(g.langs), g.label))),
      el("span", { class: "muted", text: ` ${langList(g.langs)}${copies}${also}` }));
    return el("li", { class: "faq-group", "data-id": g.id },
      el("details", {},
        summary,
        related(g),
        examples,
        el("p", {}, open, " ", csv)));
  }

  function note(section) {
    const recur = section.clustered - section.ungrouped;
    const scope = section.clustered < section.total
      ? `${fmt(section.total)} tagged; grouped the newest ${fmt(section.clustered)} of ${fmt(section.total)}`
      : `${fmt(section.total)} tagged, all grouped`;
    const shown = section.found > section.groups.length ? `; the ${fmt(section.groups.length)} largest shown` : "";
    return `${scope}: ${fmt(recur)} recur in ${plural(section.found, "group")}${shown}, `
      + `${fmt(section.ungrouped)} stand alone`;
  }

  function render(section, name, view) {
    const list = document.getElementById(`faq-${name}`);
    document.getElementById(`faq-${name}-note`).textContent = note(section);
    list.replaceChildren(...section.groups.map((g) => group(g, view)));
    if (!list.children.length) list.append(el("li", { class: "empty", text: "\u2139\uFE0F nothing recurring in this period" }));
  }

  async function load(params) {
    // Grouping reads and encodes every post of the period: seconds on a big store, so say so meanwhile.
    for (const name of ["questions", "complaints"]) {
      document.getElementById(`faq-${name}-note`).textContent = "\u23F3 reading and grouping this period's posts\u2026";
    }
    const data = await GS.api("/api/faq", params);
    GS.showPeriod(data.period);
    const { days, ...rest } = params;
    const view = { ...rest, since: data.period.since, until: data.period.until };
    render(data.questions, "questions", view);
    render(data.complaints, "complaints", view);
    if (data.untagged) for (const name of ["questions", "complaints"]) document.getElementById(`faq-${name}-note`).textContent += ` \u00B7 ${fmt(data.untagged)} post(s) of this period not tagged yet (older posts, tagged a slice per run): not counted here`;
  }

  GS.start(load);
})();
