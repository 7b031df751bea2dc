"""The HTML shell of each page; the data arrives from the JSON API via static/*.js."""

from __future__ import annotations

from html import escape

from dashboards.web.params import THEME_FACETS
from groundswell.palette import css_variables

# page -> (icon, label, the filter controls it shows)
PAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "overview": ("&#128202;", "Overview", ("brand", "period", "source", "lang", "spam")),
    "explore": (
        "&#128269;",
        "Explore",
        ("q", "brand", "period", "source", "lang", "theme", "sentiment", "intent", "uncertain", "min_followers", "spam",
         "sort"),
    ),
    "themes": ("&#128172;", "Themes", ("brand", "period", *THEME_FACETS)),
    "alerts": ("&#128680;", "Alerts", ("brand", "period", "severity")),
    "replies": ("&#8617;&#65039;", "Needs reply", ("brand", "period")),
    "faq": ("&#10067;", "FAQ", ("brand", "period", "source", "lang")),
}


def _field(name: str, label: str, control: str, title: str = "", cls: str = "field") -> str:
    """A control with a visible <label for=...> (screen readers and new users both need the word)."""
    tip = f' title="{title}"' if title else ""
    return f'<span class="{cls}"{tip}><label for="f-{name}">{label}</label>{control.format(id=f"f-{name}")}</span>'


def _select(name: str, options: str = "") -> str:
    return f'<select id="{{id}}" name="{name}">{options}</select>'


_CONTROLS = {
    "q": _field(
        "q",
        "&#128269; Search",
        '<input type="search" id="{id}" name="q" placeholder=\'battery AND (fire OR recall) NOT "press release"\' '
        'autocomplete="off" spellcheck="false">',
        "Boolean query: AND, OR, NOT, &quot;phrases&quot;, (groups)",
        "field grow",
    ),
    "brand": _field("brand", "&#127991;&#65039; Brand", _select("brand")),
    "period": _field(
        "preset",
        "&#128197; Period",
        _select(
            "preset",
            '<option value="">auto</option><option value="1">24 h</option><option value="7">7 d</option>'
            '<option value="30">30 d</option><option value="90">90 d</option><option value="custom">custom</option>',
        ),
    )
    # Days in the page's zone (its tz, else digest.timezone): common.js names the zone once it is known.
    + _field("since", "From", '<input type="date" id="{id}" name="since">', "From (the page's time zone)")
    + _field("until", "To", '<input type="date" id="{id}" name="until">', "To, inclusive (the page's time zone)"),
    "source": _field("source", "&#128240; Source", _select("source")),
    "lang": _field("lang", "&#127760; Language", _select("lang")),
    "theme": _field(
        "theme",
        "&#128172; Theme",
        '<input type="search" id="{id}" name="theme" placeholder="any theme" autocomplete="off" spellcheck="false">',
        "Posts in this theme, exactly as labelled (click a theme card on Themes)",
    ),
    "sentiment": _field(
        "sentiment",
        "Sentiment",
        _select(
            "sentiment",
            '<option value="">any</option><option value="negative">&#128544; negative</option>'
            '<option value="neutral">&#128528; neutral</option><option value="positive">&#128512; positive</option>',
        ),
    ),
    "intent": _field(
        "intent",
        "Intent",
        _select(
            "intent",
            '<option value="">any</option><option value="question">&#10067; question</option>'
            '<option value="complaint">&#128544; complaint</option><option value="praise">&#128588; praise</option>'
            '<option value="suggestion">&#128161; suggestion</option>'
            '<option value="purchase_intent">&#128722; purchase intent</option><option value="other">other</option>',
        ),
        "What the post is for, as the intent tagger read it (docs/model-card.md, Intent tags)",
    ),
    "uncertain": _field(
        "uncertain",
        "Confidence",
        _select(
            "uncertain",
            '<option value="">any confidence</option><option value="true">&#10067; uncertain</option>'
            '<option value="false">confident</option>',
        ),
        "Sentiment confidence: review the uncertain ones first",
    ),
    "min_followers": _field(
        "min_followers",
        "&#128101; Min. followers",
        '<input type="number" id="{id}" name="min_followers" min="0" step="1" placeholder="0">',
        "Minimum author followers",
    ),
    "sort": _field(
        "sort",
        "Order",
        _select(
            "sort",
            '<option value="">default</option><option value="newest">newest</option>'
            '<option value="oldest">oldest</option>'
            '<option value="engagement">engagement</option><option value="relevance">relevance</option>',
        ),
    ),
    "spam": _field(
        "spam",
        "&#129302; Spam",
        _select(
            "spam",
            '<option value="">left out</option><option value="include">included</option>',
        ),
        "Bots, copy-paste campaigns and promotions are left out of every count unless included (docs/spam.md)",
    ),
    "severity": _field(
        "severity",
        "Severity",
        _select(
            "severity",
            '<option value="">any</option><option value="critical">&#128308; critical</option>'
            '<option value="warning">&#128992; warning</option><option value="info">&#128309; info</option>',
        ),
    ),
}

_BODIES = {
    "overview": """
<section class="kpis" id="kpis"></section>
<section class="grid">
  <div class="card wide"><h2>&#128200; Volume by sentiment <small>&#9888;&#65039; = alert</small></h2>
    <div class="chart" id="chart-volume"></div></div>
  <div class="card wide"><h2>&#8645; Net sentiment <small>(positive &minus; negative) / scored</small></h2>
    <div class="chart short" id="chart-net"></div></div>
  <div class="card"><h2>&#128227; Share of voice</h2><div class="chart" id="chart-sov"></div></div>
  <div class="card"><h2>&#128240; Sources</h2><div class="chart" id="chart-source"></div></div>
  <div class="card"><h2>&#127760; Languages</h2><div class="chart" id="chart-lang"></div></div>
  <div class="card authors"><h2>&#128101; Top authors</h2><table class="table" id="authors"></table></div>
  <div class="card authors"><h2>&#128588; Advocates <small>2+ positive mentions</small>
    <a id="export-advocates" class="button" download>&#11015; CSV</a></h2><table class="table" id="advocates"></table>
    <p class="muted" id="spam-note"></p></div>
  <div class="card wide"><h2>&#128680; Incidents in this period <small id="incident-count"></small></h2>
    <ol id="incident-list" class="alerts compact"></ol></div>
</section>""",
    "explore": """
<div class="toolbar"><span id="result-count" class="muted"></span>
  <span class="spacer"></span>
  <a id="export-csv" class="button" download>&#11015; CSV</a>
  <a id="export-json" class="button" download>&#11015; JSON</a></div>
<ol id="results" class="results"></ol>
<div class="center"><button id="more" type="button" hidden>&#8595; more</button></div>""",
    "themes": """
<section class="grid">
  <div class="card wide"><h2>&#128257; Recurring themes <small>count, by sentiment</small>
    <a id="export-themes" class="button" download title="Every theme shown here, one row each">&#11015; CSV</a></h2>
    <div class="chart" id="chart-recurring"></div></div>
  <div class="card wide"><h2>&#128293; Rising themes <small>vs. the previous period</small></h2>
    <p id="rising-note" class="muted" hidden></p>
    <div class="chart" id="chart-rising"></div></div>
</section>
<section id="theme-samples" class="samples"></section>""",
    "alerts": """
<div class="card wide"><h2>&#128680; Alert timeline <small id="incident-count"></small>
  <a id="export-alerts" class="button" download title="Every alert shown here, one row each">&#11015; CSV</a></h2>
  <div class="chart short" id="chart-alerts"></div></div>
<ol id="alert-list" class="alerts"></ol>""",
    "replies": """
<section class="kpis" id="reply-kpis"></section>
<div class="card wide"><h2>&#9201;&#65039; Negative posts waiting for a reply <small id="reply-goal"></small></h2>
  <ol id="reply-queue" class="results"></ol></div>
<div class="card wide"><h2>&#128197; By day</h2><table class="table" id="reply-days"></table></div>""",
    "faq": """
<section class="grid">
  <div class="card wide"><h2>&#10067; Recurring questions <small id="faq-questions-note"></small></h2>
    <ol id="faq-questions" class="faq"></ol></div>
  <div class="card wide"><h2>&#128544; Complaint reasons <small id="faq-complaints-note"></small></h2>
    <ol id="faq-complaints" class="faq"></ol></div>
</section>""",
}


# Inline, so the icon needs no file in the package (a wave on the header's colour).
FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E"
    "%3Crect width='32' height='32' rx='6' fill='%231d2330'/%3E%3Cpath d='M4 20c4-8 8-8 12 0s8 8 12 0' "
    "stroke='%233559e0' stroke-width='4' fill='none' stroke-linecap='round'/%3E%3C/svg%3E"
)


def render_page(page: str | None, title: str, *, not_found: bool = False) -> str:
    """The full HTML of one page (or a 404 page)."""
    nav = "".join(
        f'<a href="/{name}"{" aria-current=page" if name == page else ""}>'
        f'<span class="icon">{icon}</span><span>{label}</span></a>'
        for name, (icon, label, _) in PAGES.items()
    )
    if not_found or page is None:
        main = '<p class="empty">&#10067; Page not found. Pick one above.</p>'
        label = "Not found"
        filters = ""
    else:
        _, label, controls = PAGES[page]
        filters = (
            '<form id="filters" class="filters" autocomplete="off">'
            + "".join(_CONTROLS[c] for c in controls)
            + '<button type="submit" title="Apply">&#10004;&#65039; Apply</button></form>'
        )
        main = _BODIES[page]
    safe_title = escape(title)
    scripts = (
        ""
        if page is None
        else '<script src="/static/plotly.min.js"></script><script src="/static/common.js"></script>'
        f'<script src="/static/{page}.js"></script>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(label)} · {safe_title}</title>
<link rel="icon" href="{FAVICON}">
<style>{css_variables()}</style>
<link rel="stylesheet" href="/static/app.css">
<link rel="stylesheet" href="/static/state.css"></head>
<body data-page="{page or ""}">
<header><span class="logo">&#12336; {safe_title}</span><nav>{nav}</nav></header>
{filters}
<div id="error" class="error" role="alert" hidden></div>
<div id="loading" class="loading-note" role="status" hidden>&#9203; Loading&hellip;</div>
<div id="collection-note" class="notice collection" role="status" hidden></div>
<div id="models-note" class="notice" role="status" hidden></div>
<div id="audit-note" class="notice audit" role="status" hidden></div>
<div id="announce" class="sr-only" role="status" aria-live="polite"></div>
<main>{main}</main>
{scripts}
</body></html>"""
