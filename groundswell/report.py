"""The static HTML report: what happened, at a glance, with no server.

Mentions over time by sentiment with alerts marked, net sentiment, share of
voice, language and source split, themes (with rising ones), top negative posts
and each alert's explanation. Charts are Plotly; plotly.js is copied next to the
report so it opens offline.

Everything from posts, the store and the config is untrusted text: `_h` escapes it for
HTML (text and attributes), `_label` for Plotly's own tag syntax in chart labels, links
go through `safe_url`, and a Content-Security-Policy lets only plotly.min.js and the
report's own chart scripts (by hash) run. docs/security.md#what-is-escaped-where has the details.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from alerts.explain import summary_in
from alerts.first_day import FIRST_DAY
from alerts.incidents import Incident, count_alerts, group_incidents, is_major, pinned, worst_alert
from alerts.kinds import kind_info
from alerts.theme_tree import aspects_text, top_themes, window_themes
from alerts.wording import clock_zone
from core.alert import Alert
from core.escaping import safe_url
from core.file_write import write_file
from groundswell import palette
from groundswell.audit_results import audit_line, audit_view
from groundswell.config import Config
from groundswell.digest import best_posts, incident_when, local_time, local_when
from groundswell.markets import market_label, markets
from groundswell.period_report import floored  # the reports' floor for a share
from groundswell.periods import local_midnight, volume_interval, weekly
from groundswell.window_coverage import judged_themes
from indexing.base import Filters, Store, day_start

SENTIMENT_COLORS = palette.SENTIMENT  # the dashboard's palette, defined once
HOUR_MS = 3_600_000
DAY_MS = 86_400_000

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<title>Groundswell report</title>
<script src="{plotly}"></script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; color: #222; }}
h1 {{ margin-bottom: .2rem; }} .sub {{ color: #666; margin-top: 0; }}
.kpis {{ display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }}
.kpi {{ background: #f5f5f7; border-radius: 8px; padding: .6rem 1rem; min-width: 8rem; }}
.kpi b {{ display: block; font-size: 1.5rem; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }}
.alert {{ border-left: 5px solid {critical}; background: #fff5f5; padding: .6rem 1rem; margin: .8rem 0; }}
.alert.warning {{ border-color: {warning}; background: #fff8ec; }}
.alert.info {{ border-color: {info}; background: #f2f6fd; }}
.incident {{ border: 1px solid #e4e7ec; border-left: 6px solid {critical}; border-radius: 8px; padding: .4rem 1rem;
  margin: .8rem 0; }}
.incident.warning {{ border-left-color: {warning}; }} .incident.info {{ border-left-color: {info}; }}
.incident.pinned {{ box-shadow: 0 0 0 2px {critical} inset; }}
.incident h4 {{ margin: .3rem 0; }} .incident .alert {{ margin: .4rem 0; }}
.post {{ border-bottom: 1px solid #eee; padding: .4rem 0; overflow-wrap: anywhere; }} .post small {{ color: #777; }}
.alert {{ overflow-wrap: anywhere; }}
</style></head><body>
<h1>Groundswell report</h1>
<p class="sub">{period} · generated {generated} · store: {store}</p>
<div class="kpis">{kpis}</div>
{audit}
{sections}
</body></html>
"""


# The policy is a <meta>, so frame-ancestors (ignored there) is left out. No 'unsafe-eval': the SVG
# charts used here run without it. 'unsafe-inline' for styles only: plotly.js sets style attributes
# and adds a <style> element; scripts are plotly.min.js beside the report ('self') and the inline
# Plotly.newPlot calls, allowed one by one by their sha256, never 'unsafe-inline'.
_CSP = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; base-uri 'none'; form-action 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script(?:\s+type=\"text/javascript\")?>(.*?)</script>", re.DOTALL)


def _h(value: object) -> str:
    """Any value as HTML text or a quoted attribute value."""
    return html.escape(str(value), quote=True)


def _bdi(value: object) -> str:
    """Untrusted inline text, escaped and bidi-isolated (a U+202E in it cannot reverse what follows)."""
    return f"<bdi>{_h(value)}</bdi>"


def _label(value: object) -> str:
    """Text for a Plotly label: plotly.js reads <b>, <a href>, <br> and entities in labels, so escape them."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fig_html(fig, script_hashes: list[str]) -> str:
    """The chart's HTML; the sha256 of its inline script goes to `script_hashes` for the CSP."""
    fig.update_layout(margin=dict(l=40, r=20, t=50, b=40), template="plotly_white")
    # Long theme and brand labels get the room they need instead of being clipped.
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    out = fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})
    for body in _INLINE_SCRIPT.findall(out):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        script_hashes.append(f"'sha256-{digest}'")
    return out


def _wall(moment: datetime, tz: str) -> datetime:
    """`moment` as a naive wall-clock time in the IANA zone `tz`: a chart axis reads the zone's clock, as the
    dashboard's charts do (`wall` in dashboards/web/static/common.js); Plotly would drop an offset anyway, leaving
    the UTC clock a UTC datetime carries."""
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _even_clock(first: datetime, tz: str) -> Callable[[datetime], datetime]:
    """Where a moment goes on an hourly chart's axis: the wall clock of `tz` as it reads at `first`, run on evenly
    from there (a naive datetime, as Plotly reads one). The wall clock itself draws the hour repeated when clocks
    go back twice at one x (Rome's 25 October: 00:00Z and 01:00Z both at 02:00) and leaves a gap where they go
    forward; without a clock change the two are the same. `_wall_ticks` labels the axis with the wall clock."""
    offset = first.astimezone(ZoneInfo(tz)).utcoffset() or timedelta()
    return lambda moment: (moment.astimezone(UTC) + offset).replace(tzinfo=None)


TICK_HOURS = (1, 2, 3, 6, 12)
MAX_TICKS = 12
EVEN_CLOCK_SPAN = timedelta(hours=TICK_HOURS[-1] * (MAX_TICKS - 1))  # what hourly ticks can label: 5.5 days


def _wall_ticks(first: datetime, last: datetime, tz: str, x: Callable[[datetime], datetime]) -> dict[str, list]:
    """Axis ticks from `first` to `last` (at most EVEN_CLOCK_SPAN apart) at round hours of the wall clock of `tz`,
    placed by `x` (`_even_clock`), labelled with that wall clock: at most MAX_TICKS, every 1-12 hours. A time read
    twice (the hour repeated when clocks go back) names its zone: '02:00 CEST', '02:00 CET'."""
    zone = ZoneInfo(tz)
    hours = (last - first) / timedelta(hours=1)
    step = next((h for h in TICK_HOURS if hours // h + 1 <= MAX_TICKS), TICK_HOURS[-1])
    ticks: list[tuple[datetime, str]] = []
    moment, day = first.replace(minute=0, second=0, microsecond=0), None
    while moment <= last:
        local = moment.astimezone(zone)
        if local.hour % step == 0:  # the stores' hours are UTC hours: 00:30 in a half-hour zone
            repeated = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
            label = f"{local:%H:%M}" + (f" {clock_zone(local)}" if repeated else "")
            ticks.append((moment, label + (f"<br>{local:%b %d}" if local.date() != day else "")))
            day = local.date()
        moment += timedelta(hours=1)
    return {"tickmode": "array", "tickvals": [x(t) for t, _ in ticks], "ticktext": [label for _, label in ticks]}


def _volume_chart(store: Store, brand: str, alerts: list[Alert], tz: str = "UTC"):
    """Mentions by sentiment, crises shaded, on the wall clock of `tz` (digest.timezone). Bars per hour, local day
    or week from local Monday by the span charted, the dashboard's rule (`groundswell.periods.volume_interval`):
    a quarter of hourly bars is hairlines. Hourly: one bar per hour, across a clock change too (`_even_clock`)."""
    import plotly.graph_objects as go

    buckets = store.histogram(Filters(brand=brand), "hour", tz=tz)  # hours: the same in every whole-hour zone
    interval = volume_interval(buckets[-1].start + timedelta(hours=1) - buckets[0].start) if buckets else "hour"
    if interval != "hour":
        buckets = store.histogram(Filters(brand=brand), "day", tz=tz)  # each start a local midnight
        buckets = weekly(buckets, tz) if interval == "week" else buckets
    fig = go.Figure()
    zone = ZoneInfo(tz)
    # A clock change inside a chart of a few days: one bar per hour on an even clock, the wall clock in the ticks
    # (`_wall_ticks`). A longer chart (a brand's whole history, through every March and October) keeps the wall
    # clock and Plotly's own ticks, which follow a zoom: there the repeated hour's two bars share one x, and the
    # hover names each one's zone.
    changes = len({b.start.astimezone(zone).utcoffset() for b in buckets}) > 1
    short = bool(buckets) and buckets[-1].start - buckets[0].start <= EVEN_CLOCK_SPAN
    even = changes and short and interval == "hour"
    x = _even_clock(buckets[0].start, tz) if even else (lambda moment: _wall(moment, tz))
    xs = [x(b.start) for b in buckets]
    hovers = [_bar_time(local, interval) for local in (b.start.astimezone(zone) for b in buckets)]
    # Plotly's periods are fixed lengths: a day or week across a clock change is an hour off, within its bar.
    period = {"hour": HOUR_MS, "day": 24 * HOUR_MS, "week": 7 * 24 * HOUR_MS}[interval]
    for label in ("negative", "neutral", "positive", "unknown"):
        ys = [getattr(b, label) for b in buckets]
        if any(ys):
            # Each bar spans its own hour (day, week) [start, start + 1 h), not half of the one before.
            fig.add_trace(
                go.Bar(
                    x=xs,
                    y=ys,
                    name=label,
                    marker_color=SENTIMENT_COLORS[label],
                    xperiod=period,
                    xperiodalignment="middle",
                    customdata=hovers,  # the hour on the wall clock, naming its zone; or the day, the week
                    hovertemplate="%{customdata}: %{y}",
                )
            )
    if even:  # the even clock no longer reads the wall clock after the change: the ticks say it
        fig.update_xaxes(**_wall_ticks(buckets[0].start, buckets[-1].start + timedelta(hours=1), tz, x))
    # One band and one label per crisis (an incident with a spike), however many alerts it holds.
    crises = sorted((i for i in group_incidents(a for a in alerts if a.brand == brand) if i.crisis), key=_start)
    for n, incident in enumerate(crises):
        fig.add_vrect(
            x0=x(incident.start),
            x1=x(incident.end),
            fillcolor=palette.SEVERITY[incident.severity],
            opacity=0.15,
            line_width=0,
            layer="below",
        )
        # Labels of neighbouring crises alternate between two rows so they cannot overlap.
        fig.add_annotation(
            x=x(incident.start),
            xref="x",
            y=1 - 0.08 * (n % 2),
            yref="paper",
            yanchor="top",
            xanchor="left",
            showarrow=False,
            text=f"crisis alert ({incident.severity}) · {len(incident.alerts)} alert(s)",
            bgcolor="rgba(255,255,255,0.8)",
        )
    fig.update_layout(
        barmode="stack",
        title=f"{_label(brand)}: mentions per {interval} by sentiment",
        xaxis_title=f"time ({_label(tz)})",
        bargap=0,
        height=380,
        legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
    )
    return fig


def _bar_time(local: datetime, interval: str) -> str:
    """A volume bar's hover: its hour with its zone, its local day, or the local Monday its week starts on."""
    if interval == "hour":
        return f"{local:%Y-%m-%d %H:%M} {clock_zone(local)}"
    return f"{local:%Y-%m-%d}" if interval == "day" else f"week of {local:%Y-%m-%d}"


def _start(incident: Incident) -> datetime:
    return incident.start


def _net_sentiment_chart(store: Store, brands: list[str], tz: str = "UTC"):
    """Net sentiment per local day of `tz` (digest.timezone), the digest's day: midnight to midnight there. A day
    with fewer labelled mentions than the reports' floor (period_report.MIN_SHARE_POSTS) and a day without any
    mention are gaps that break the line: one post read ±100%, and a line drawn across eight months without data
    read as a slide."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for brand in brands:
        days = store.histogram(Filters(brand=brand), "day", tz=tz)  # each start a local midnight; days with posts
        x, net = [], []
        for i, b in enumerate(days):
            if i and (_wall(b.start, tz) - _wall(days[i - 1].start, tz)).days > 1:
                x.append(_wall(days[i - 1].start, tz) + timedelta(days=1))  # an empty day between: break the line
                net.append(None)
            x.append(_wall(b.start, tz))
            value = floored(b.net_sentiment, b.negative + b.neutral + b.positive)
            net.append(None if value is None else value * 100)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=net,
                connectgaps=False,
                mode="lines+markers",
                name=_label(brand),
                xperiod=DAY_MS,
                xperiodalignment="middle",
            )
        )
    fig.update_layout(
        title="Net sentiment per day (% positive − % negative)", xaxis_title=f"day ({_label(tz)})", height=340,
        yaxis_ticksuffix="%",
    )
    return fig


def _share_chart(counts: dict[str, int], title: str, colors: dict[str, str] | None = None):
    import plotly.graph_objects as go

    marker = {"colors": [colors.get(k, "#cfcfcf") for k in counts]} if colors else None
    fig = go.Figure(
        go.Pie(labels=[_label(k) for k in counts], values=list(counts.values()), hole=0.45, sort=False, marker=marker)
    )
    fig.update_layout(title=title, height=320)
    return fig


def _themes_chart(store: Store, brand: str):
    import plotly.graph_objects as go

    themes = top_themes(store, Filters(brand=brand), n=10)  # top-level themes; aspects in the hover
    if not themes:
        return None
    themes = list(reversed(themes))
    fig = go.Figure()
    for label in ("negative", "neutral", "positive"):
        fig.add_trace(
            go.Bar(
                y=[_label(t.theme) for t in themes],
                x=[t.sentiment.get(label, 0) for t in themes],
                name=label,
                orientation="h",
                marker_color=SENTIMENT_COLORS[label],
                hovertext=[_label(aspects_text(t.aspects_json())) for t in themes],
            )
        )
    fig.update_layout(barmode="stack", title=f"{_label(brand)}: top themes by sentiment", height=60 + 32 * len(themes))
    return fig


def _rising_chart(store: Store, brand: str, start: datetime, why: str = "", tz: str = "UTC"):
    """Rising themes of one day (`nlp/trends.py`): growth ratio against the week before, new ones
    flagged; `why` says why this day (shown under the title). The day is the local day of `tz` that `start`
    (its midnight) begins: midnight to midnight there, as the digest's day."""
    import plotly.graph_objects as go

    local = start.astimezone(ZoneInfo(tz)).date()
    day = window_themes(store, Filters(brand=brand), start, local_midnight(local + timedelta(days=1), tz), tz=tz)
    day, _ = judged_themes(store, brand, day, tz)  # not against a week without data (the Themes page's rule)
    rows = [(r.theme, r.count, r.growth, r.new, aspects_text(row.aspects_json())) for r, row in day.rising()[:8]]
    rows.reverse()
    if not rows:
        return None
    fig = go.Figure(
        go.Bar(
            y=[_label(r[0]) + (" (new)" if r[3] else "") for r in rows],
            x=[r[2] for r in rows],
            orientation="h",
            marker_color=[palette.SENTIMENT["negative"] if r[3] or r[2] > 3 else palette.ACCENT for r in rows],
            text=[f"{r[1]} today" for r in rows],
            textposition="auto",
            hovertext=[_label(r[4]) for r in rows],  # the theme's aspects
        )
    )
    fig.update_layout(
        # Two lines: the chart is half the page wide.
        title=(
            f"{_label(brand)}: rising themes on {local:%Y-%m-%d}"
            f"<br><sup>{_label(why) + ' · ' if why else ''}× the daily average of the week before</sup>"
        ),
        height=80 + 34 * len(rows),
    )
    return fig


def _local_days(alerts: list[Alert], tz: str) -> list[date]:
    """The days in `tz` on which the alerts' windows began (all-clears left out, as in `worst_alert`): the local
    days of `alerts.incidents.incident_days`."""
    zone = ZoneInfo(tz)
    return sorted({a.window_start.astimezone(zone).date() for a in alerts if not kind_info(a.kind).closes})


def _incident_day_rising(store: Store, brand: str, alerts: list[Alert], tz: str = "UTC"):
    """The rising-themes chart of the brand's worst alert day (`alerts.incidents.worst_alert`: the
    crisis, not an earlier minor alert), naming the day and, when there were several, that it is the worst.
    Days are local days of `tz` (digest.timezone): an alert at 01:00 in Seoul is of that Seoul day."""
    worst = worst_alert(alerts)
    if worst is None:
        return None
    days = _local_days(alerts, tz)
    why = f"day of the {worst.severity} {worst.kind} alert"
    if len(days) > 1:
        why += f", the worst of {len(days)} alert days"
    return _rising_chart(store, brand, day_start(worst.window_start, tz), why, tz)


def _posts_html(store: Store, brand: str, tz: str = "UTC", n: int = 8) -> str:
    items = []
    for m in best_posts(store, Filters(brand=brand, sentiment="negative"), n):  # originals: reposts credit no one
        url = safe_url(m.url)
        link = f'<a href="{_h(url)}" rel="noopener noreferrer">open</a>' if url else ""
        items.append(
            f'<div class="post"><bdi dir="auto">{_h(m.text)}</bdi><br><small>@{_bdi(m.author.handle or "?")} · '
            f"{_bdi(m.source)} · {_bdi(m.lang or '?')} · {_h(local_time(m.created_at, tz))} · "
            f"engagement {m.engagement.total} {link}</small></div>"
        )
    return "".join(items) or "<p>No negative mentions.</p>"


def _alert_html(alert: Alert, tz: str = "UTC") -> str:
    posts = "".join(f'<li><bdi dir="auto">{_h(p.text[:200])}</bdi></li>' for p in alert.top_posts[:3])
    terms = ", ".join(_bdi(t) for t in alert.top_terms[:8])
    return (
        f'<div class="alert {_h(alert.severity)}"><b>{_bdi(alert.brand)} · {_h(alert.kind)} · {_h(alert.severity)}</b> '
        f"{_h(local_when(alert, tz))}<br>"  # a window across midnight names both dates
        f'<bdi dir="auto">{_h(summary_in(alert, tz))}</bdi><br>'
        # A first-day alert has no expected count (alerts/first_day.py): its `expected` 0 must not read as one.
        + (f"observed {alert.observed:g} vs expected {alert.expected:.1f} " if alert.detector != FIRST_DAY
           else f"observed {alert.observed:g} of {alert.total or 0} posts, no usual level yet ")
        + f"({_h(alert.statistic)} {alert.score:.2f}"
        + (f", p={alert.p_value:.2g}" if alert.p_value is not None else "")
        + f")<br>terms: {terms}<ul>{posts}</ul></div>"
    )


def _incident_html(incident: Incident, *, is_pinned: bool, tz: str = "UTC") -> str:
    """One card per incident: what it was, then its alerts as a timeline (the minor ones folded)."""
    n = len(incident.alerts)
    status = "open" if incident.open else "cleared" if incident.cleared else "ended"
    pin = "📌 pinned · " if is_pinned else ""
    head = (
        f"<h4>{pin}{_bdi(incident.brand)} · {'crisis' if incident.crisis else _h(incident.headline.kind)} · "
        f"{_h(incident.severity)} · {status} · {_h(incident_when(incident, tz))} · "
        f"{n} alert{'' if n == 1 else 's'}</h4>"
    )
    # Folded as delivery folds (`is_major`: critical ones never fold), and the first alert of each `first_major`
    # kind (viral posts) in full, as a `followups: major` channel gets it; later warnings of that kind fold.
    first_of_kind: set[str] = set()
    major = []
    for a in incident.alerts:  # oldest first
        first = kind_info(a.kind).first_major and a.kind not in first_of_kind
        if kind_info(a.kind).first_major:
            first_of_kind.add(a.kind)
        if is_major(a) or first or a is incident.headline:
            major.append(a)
    minor = [a for a in incident.alerts if a not in major]
    body = "".join(_alert_html(a, tz) for a in major)
    if minor:
        body += (
            f"<details><summary>{len(minor)} minor update(s) in this incident</summary>"
            + "".join(_alert_html(a, tz) for a in minor)
            + "</details>"
        )
    pinned_class = " pinned" if is_pinned else ""
    attrs = f'class="incident {_h(incident.severity)}{pinned_class}" data-incident="{_h(incident.id)}"'
    return f"<div {attrs}>{head}{body}</div>"


def write_report(config: Config, store: Store, alerts: list[Alert], path: str | Path | None = None) -> Path:
    """Render the report for every brand in the config; return its path."""
    import plotly

    path = Path(path or config.report.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    # Written as the page is (core/file_write.py): a link planted at either name is replaced, never written through.
    write_file(path.parent / "plotly.min.js", plotly_js.read_bytes())

    brands = [b.name for b in config.brands]
    tz = config.digest.timezone  # the times shown are on its wall clock, named
    # Configured brands only, as the dashboard: the stored posts and alerts of a brand removed from the config
    # (or of its old name after a rename) are not counted; a post that also names a configured brand still is.
    everything = Filters(brands=tuple(brands))
    alerts = [a for a in alerts if a.brand in brands]
    total = store.count(everything)
    sentiments = store.facet(everything, "sentiment")
    days = store.histogram(everything, "day", tz=tz)  # local days: each start is a local midnight
    zone = ZoneInfo(tz)
    first, last = (days[0].start.astimezone(zone), days[-1].start.astimezone(zone)) if days else (None, None)
    period = f"{first:%Y-%m-%d} – {last:%Y-%m-%d}" if days else "no data"
    count = count_alerts(alerts)
    kpis = [("mentions", total), ("languages", len(store.facet(everything, "lang")))]
    kpis += [(label, sentiments.get(label, 0)) for label in ("negative", "neutral", "positive")]
    kpi_html = (
        "".join(f'<div class="kpi"><b>{v:,}</b>{_h(k)}</div>' for k, v in kpis[:2])
        # The same count as the dashboard's (alerts.incidents.count_alerts): incidents, and the alerts in them.
        + f'<div class="kpi" id="kpi-alerts" data-incidents="{count.incidents}" data-alerts="{count.alerts}">'
        f"<b>{count.incidents:,}</b>incidents · {count.alerts:,} alert{'' if count.alerts == 1 else 's'}</div>"
        + "".join(f'<div class="kpi"><b>{v:,}</b>{_h(k)}</div>' for k, v in kpis[2:])
    )
    competitors = {b.name for b in config.brands if b.competitor}

    sections: list[str] = []
    hashes: list[str] = []  # of the chart scripts, for the CSP
    for brand in brands:
        sections.append(f"<h2>{_bdi(brand)}</h2>")
        sections.append(_fig_html(_volume_chart(store, brand, alerts, tz), hashes))
        themes = _themes_chart(store, brand)
        incidents = group_incidents(a for a in alerts if a.brand == brand)
        top = pinned(incidents)
        rising = _incident_day_rising(store, brand, [a for a in alerts if a.brand == brand], tz)
        charts = [c for c in (themes, rising) if c is not None]
        if charts:
            sections.append(
                '<div class="grid">' + "".join(f"<div>{_fig_html(c, hashes)}</div>" for c in charts) + "</div>"
            )
        if incidents:
            # One card per incident, the pinned crisis first; an incident's alerts are its timeline.
            sections.append(
                f"<h3>Incidents for {_bdi(brand)} "
                f"({count_alerts(a for i in incidents for a in i.alerts).label()})</h3>"
                + "".join(_incident_html(i, is_pinned=i is top, tz=tz) for i in incidents)
            )
        sections.append(f"<h3>Top negative posts about {_bdi(brand)}</h3>" + _posts_html(store, brand, tz))
    sections.append("<h2>Across brands</h2>")
    by_brand = store.facet(everything, "brand")  # a post of Lumora and a removed brand: only Lumora's count shown
    voices = _share_of_voice_charts(config, {b: n for b, n in by_brand.items() if b in brands}, competitors)

    sections.append(_fig_html(_net_sentiment_chart(store, brands, tz), hashes))
    sections.append(
        '<div class="grid">'
        + "".join(f"<div>{_fig_html(chart, hashes)}</div>" for chart in voices)
        + f"<div>{_fig_html(_share_chart(store.facet(everything, 'lang'), 'Languages'), hashes)}</div>"
        + f"<div>{_fig_html(_share_chart(store.facet(everything, 'source'), 'Sources'), hashes)}</div>"
        + f"<div>{_fig_html(_share_chart(sentiments, 'Sentiment', SENTIMENT_COLORS), hashes)}</div>"
        + "</div>"
    )
    page = _PAGE.format(
        csp=_h(_CSP.format(hashes=" ".join(dict.fromkeys(hashes)))),
        plotly="plotly.min.js",
        period=period,
        generated=_h(local_time(datetime.now(UTC), tz)),
        store=_h(store.name),
        kpis=kpi_html,
        # How accurate the sentiment above is on these mentions, by the latest audit (docs/sentiment-audit.md)
        audit=f'<p class="sub" id="audit">{_h(audit_line(audit))}</p>' if (audit := audit_view(store)) else "",
        **palette.SEVERITY,
        sections="\n".join(sections),
    )
    write_file(path, page)
    return path


def _share_of_voice_charts(config: Config, counts: dict[str, int], competitors: set[str]) -> list:
    """The share-of-voice pies: one over every brand of `counts` (the store's, once per brand a post names) when
    the config has one market, else one per market (`brands[].market`, groundswell/markets.py) over its brands'
    counts, in config order: a Korean skincare brand's share is not cut by an Italian pasta brand's mentions."""
    groups = markets(config.brands)
    if len(groups) < 2:
        return [_share_chart(_label_competitors(counts, competitors), "Share of voice")]
    return [
        _share_chart(_label_competitors({n: counts.get(n, 0) for n in names}, competitors),
                     f"Share of voice (market: {_label(market_label(config.brands, names[0]) or 'none')})"
                     f"<br><sup>{_label(', '.join(names))}</sup>")
        for names in groups.values()
    ]


def _label_competitors(counts: dict[str, int], competitors: set[str]) -> dict[str, int]:
    """Share-of-voice labels say 'competitor' in words (a glyph may not render in every font)."""
    return {(f"{k} (competitor)" if k in competitors else k): v for k, v in counts.items()}
