"""The daily digest for managers and marketers: what changed yesterday, in one page.

Per brand: volume and sentiment against the day before, top and rising themes, for a brand with own
accounts its replies (answered share, median/p90 time to first reply, negative posts still waiting:
`alerts.response`), the day's alerts grouped by incident, and the day's most engaging posts under their own
heading (any sentiment: they are not the alerts' evidence). Written as Markdown (and returned as a dict for
channels and the Airflow task's XCom).

An alert belongs to the day it was decided (`decided_at`), not the day its window starts: an all-clear's
window is its whole episode, so it goes in the digest of the day the crisis ended, after the escalations it
follows, where a run the next morning sees it.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alerts.explain import summary_in
from alerts.history import stored_alerts
from alerts.incidents import Incident, group_incidents, incident_key
from alerts.kinds import kind_info
from alerts.response import response_report
from alerts.theme_tree import themes_text, top_themes, window_themes
from alerts.wording import clock_zone, span, zone_name
from core.accounts import OwnAccounts
from core.alert import Alert, decided_at
from core.escaping import markdown_text as md
from core.escaping import safe_url
from core.file_write import write_file
from core.mention import Mention, is_repost
from core.time import as_utc, local_midnight
from groundswell.config import BrandConfig, Config
from groundswell.markets import peers
from groundswell.period_files import digest_folder
from groundswell.period_report import data_days, gap_text, labelled_count, negative_share, too_few_text
from groundswell.window_coverage import judged_themes, not_judged_text
from indexing.base import Filters, Store


def _day_bounds(day: date, tz: str = "UTC") -> tuple[datetime, datetime]:
    """The day from local midnight to local midnight in `tz` (23 or 25 hours across DST changes), in UTC."""
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def digest_day(timezone: str, at: datetime) -> date:
    """The day a digest made at `at` summarises: the day before `at`'s date in the digest's timezone (an
    Airflow run's data_interval_end, or now). Never a fixed 24 h back: across a clock change that lands on
    the same day twice and skips the next."""
    return as_utc(at).astimezone(ZoneInfo(timezone)).date() - timedelta(days=1)


def check_day_ended(day: date, timezone: str, now: datetime) -> None:
    """ValueError when `day` has not ended yet in `timezone` as of `now`: its digest would count part of a
    day, or none of one (all zeros), and read like a quiet day."""
    if as_utc(now) < _day_bounds(day, timezone)[1]:
        latest = digest_day(timezone, now)
        raise ValueError(
            f"{day.isoformat()} has not ended yet in {timezone} (digest.timezone): the latest day that has is "
            f"{latest.isoformat()}"
        )


def _pct_change(now: int, before: int) -> float | None:
    return None if before == 0 else round((now - before) / before * 100, 1)


def _timeline(alert: Alert) -> tuple[datetime, bool, str]:
    """An incident's alerts in the order they were decided; an all-clear after what was decided with it."""
    return decided_at(alert), kind_info(alert.kind).closes, alert.id


def local_when(alert: Alert, tz: str) -> str:
    """The alert's window as `alerts.wording.when` writes it (the end's date only when it ends on another day),
    on the wall clock of `tz` and naming its zone: '2026-11-11 13:00–2026-11-12 04:00 CET'."""
    return span(alert.window_start, alert.window_end, tz)


def local_time(moment: datetime, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`moment` on the wall clock of `tz`, naming the zone: '2026-11-11 13:00 CET'."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.strftime(fmt)} {local.tzname() or tz}"


def _day_incidents(alerts: list[Alert], brand: str, start: datetime, end: datetime, tz: str) -> list[dict[str, Any]]:
    """The brand's incidents that had an alert decided in (start, end], oldest first, each as it stood at the
    day's end (the alerts decided by then) with the day's alerts in the order they were decided."""
    known = [a for a in alerts if a.brand == brand and decided_at(a) <= end]
    out = []
    for incident in group_incidents(known):
        today = sorted((a for a in incident.alerts if start < decided_at(a)), key=_timeline)
        if today:
            out.append(_incident_json(incident, today, end, tz))
    return sorted(out, key=lambda i: (i["alerts"][0]["decided_at"], i["id"]))


def _clock(moment: datetime, day_end: datetime, tz: str) -> str:
    """The time of day of `moment` in `tz`; '24:00' at the day's very end (not the 00:00 that starts it). On a day
    with a clock change each time names its zone (`alerts.wording.clock_zone`): the repeated hour's two 02:00s
    read '02:00 CEST' and '02:00 CET'."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    text = "24:00" if moment == day_end else local.strftime("%H:%M")
    last = (day_end - timedelta(microseconds=1)).astimezone(zone)
    first = _day_bounds(last.date(), tz)[0].astimezone(zone)
    return text if first.utcoffset() == last.utcoffset() else f"{text} {clock_zone(local)}"


def incident_when(incident: Incident, tz: str) -> str:
    """The incident's span, from its first alert's window start to its last one's end, as `local_when` writes it."""
    return span(incident.start, incident.end, tz)


def zone_label(tz: str, start: datetime, end: datetime) -> str:
    """The zone as a heading names it once: 'UTC', or 'Asia/Seoul (KST)' ('Europe/Rome (CET/CEST)' on the day
    the clocks change), for the day from `start` to `end`."""
    zone = ZoneInfo(tz)
    short = zone_name([start.astimezone(zone), (end - timedelta(seconds=1)).astimezone(zone)], tz)
    return tz if short == tz else f"{tz} ({short})"


def _incident_json(incident: Incident, today: list[Alert], day_end: datetime, tz: str) -> dict[str, Any]:
    status = "open" if incident.open else "cleared" if incident.cleared else None
    return {
        "id": incident.id,
        "what": "crisis" if incident.crisis else incident.headline.kind,
        "severity": incident.severity,
        "status": status,  # as of the day's end: a spike episode still open, all cleared, or neither (None)
        "window": incident_when(incident, tz),
        "alerts_before": len(incident.alerts) - len(today),
        "alerts": [
            {
                "id": a.id,
                "incident": incident_key(a),
                "kind": a.kind,
                "severity": a.severity,
                "summary": summary_in(a, tz),  # for people: its times on the digest's clock, like the others
                "decided_at": decided_at(a).isoformat(),
                "time": _clock(decided_at(a), day_end, tz),  # of the digest's day, in its timezone
                "window": local_when(a, tz),
            }
            for a in today
        ],
    }


# Posts read, at most, to find the best originals past reposts, and per page. A retweet carries the original's
# counts, so on a reposts-heavy day the top of the engagement order is all reposts (the GOP debate stream: over a
# thousand before the first original); the cap bounds the read on a store where originals are rare.
BEST_POSTS_READ = 5000
BEST_POSTS_PAGE = 500


def best_posts(store: Store, filters: Filters, n: int) -> list[Mention]:
    """The `n` posts of most engagement they earned themselves: originals only. A repost's counts are the
    original's (X gives a retweet the original's `public_metrics`; `core.mention.own_engagement`), so it would
    credit the reposter and show one story twice; the digest and the static report list originals from here.
    Reads the engagement order page by page, skipping reposts, until `n` originals or `BEST_POSTS_READ` rows."""
    found: list[Mention] = []
    cursor: str | None = None
    read = 0
    while len(found) < n and read < BEST_POSTS_READ:
        size = min(BEST_POSTS_PAGE, BEST_POSTS_READ - read)
        page = store.search(filters, size=size, cursor=cursor, sort="engagement", page_on=False)
        found += [h.mention for h in page.hits if not is_repost(h.mention)]
        read += len(page.hits)
        cursor = page.next_cursor
        if cursor is None or not page.hits:
            break
    return found[:n]


def build_digest(config: Config, store: Store, day: date) -> dict[str, Any]:
    """Everything the digest says about `day` (in the digest's timezone), per brand."""
    start, end = _day_bounds(day, config.digest.timezone)
    prev_start = _day_bounds(day - timedelta(days=1), config.digest.timezone)[0]
    tz = config.digest.timezone
    alerts = stored_alerts(store)
    brands: list[dict[str, Any]] = []
    for brand in config.brands:
        today = Filters(brand=brand.name, since=start, until=end)
        before = Filters(brand=brand.name, since=prev_start, until=start)
        volume, volume_before = store.count(today), store.count(before)
        # A day no brand of the market has data on is a collection gap (period_report.data_days, the reports' rule):
        # 0 mentions after an outage read as -100%, so the change is left out and the gap said.
        with_data = data_days(store, peers(config.brands, brand.name), day - timedelta(days=1),
                              day + timedelta(days=1), tz)
        gap = gap_text([d for d in (day - timedelta(days=1), day) if d not in with_data])
        sentiment = store.facet(today, "sentiment")
        sentiment_before = store.facet(before, "sentiment")
        themes_today = top_themes(store, today, n=5)  # top-level themes, each with its aspects
        # Rising and new only against a week before with enough days of data (the Themes page's rule).
        found, rising_coverage = judged_themes(store, brand.name, window_themes(store, Filters(brand=brand.name),
                                                                                start, end, tz=tz), tz)
        rising = found.rising()
        notable = best_posts(store, today, 3)
        incidents = _day_incidents(alerts, brand.name, start, end, tz)
        brands.append(
            {
                "brand": brand.name,
                "mentions": volume,
                "mentions_change_pct": None if gap else _pct_change(volume, volume_before),
                "data_gap": gap,  # None when the day and the day before both have data
                "sentiment": sentiment,
                "negative_share": negative_share(sentiment, 3),  # None under MIN_SHARE_POSTS labelled
                "labelled": labelled_count(sentiment),  # what the share rests on: "– (too few mentions to judge (1))"
                "negative_share_before": negative_share(sentiment_before, 3),
                "top_themes": [t.json() for t in themes_today],
                "rising_themes": [
                    row.json() | {"growth": round(r.growth, 2), "new": r.new} for r, row in rising[:5]
                ],
                # None when rising was judged; else why not ('not judged (the week before has data on 0 of ...)')
                "rising_not_judged": None if found.trends.judged else not_judged_text(rising_coverage),
                "notable_posts": [
                    {
                        "text": m.text,
                        "url": safe_url(m.url),  # channels and XCom readers may link it
                        "author": m.author.handle,
                        "engagement": m.engagement.total,
                        "sentiment": m.sentiment.label if m.sentiment else None,
                    }
                    for m in notable
                ],
                # the alerts decided this day, by incident (oldest first), each incident's in the order decided
                "incidents": incidents,
                "alerts": [a for i in incidents for a in i["alerts"]],
                "responses": _responses(store, brand, start, end),
            }
        )
    return {"day": day.isoformat(), "timezone": tz, "zone": zone_label(tz, start, end), "brands": brands}


def _responses(store: Store, brand: BrandConfig, start: datetime, end: datetime) -> dict[str, Any] | None:
    """The day's own-reply figures as of its end (alerts.response); None for a brand without own accounts."""
    own = OwnAccounts.of(brand.own_accounts)
    if not own:
        return None
    report = response_report(store, brand.name, own, brand.response_goal_minutes, start, end, now=end, keep=3)
    overall = report.overall
    return {
        "goal_minutes": report.goal_minutes,
        "posts": overall.posts,
        "answered": overall.answered,
        "answered_share": round(overall.share, 3) if overall.share is not None else None,
        "median_minutes": _minutes(overall.median_minutes),
        "p90_minutes": _minutes(overall.p90_minutes),
        "within_goal": report.within_goal,
        "needs_reply": report.needs_reply_total,
        "longest_waiting": [
            {
                "text": w.mention.text,
                "url": safe_url(w.mention.url),
                "author": w.mention.author.handle,
                "waited_minutes": round(w.minutes),
            }
            for w in report.needs_reply[:3]
        ],
    }


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _response_lines(r: dict[str, Any]) -> list[str]:
    if not r["posts"]:
        return [f"- Replies: no customer posts (goal {r['goal_minutes']} min)"]
    timing = ""
    if r["median_minutes"] is not None:
        timing = f", first reply median {r['median_minutes']:g} min, p90 {r['p90_minutes']:g} min"
    lines = [
        f"- Replies: {r['answered']} of {r['posts']} posts answered ({r['answered_share']:.0%}){timing}; "
        f"{r['within_goal']} within the {r['goal_minutes']}-min goal"
    ]
    if r["needs_reply"]:
        lines.append(f"- Needs reply: **{r['needs_reply']}** negative posts unanswered > {r['goal_minutes']} min")
        for w in r["longest_waiting"]:
            lines.append(f"  - “{md(w['text'][:160])}” — @{md(w['author'] or '?')} (waiting {w['waited_minutes']} min)")
    return lines


def render_markdown(digest: dict[str, Any]) -> str:
    """The digest as Markdown. Every text from posts, themes, alerts or the config goes through
    `markdown_text` (`md`), so a post's HTML, links or emphasis show as typed and cannot break a line."""
    lines = [f"# Groundswell digest — {digest['day']}", ""]
    for b in digest["brands"]:
        change = b["mentions_change_pct"]
        change_text = "" if change is None else f" ({change:+.1f}% vs the day before)"
        lines += [f"## {md(b['brand'])}", "", f"- Mentions: **{b['mentions']}**{change_text}"]
        if b.get("data_gap"):
            lines.append(f"- Data: {md(b['data_gap'])}")
        if b["negative_share"] is not None:
            lines.append(
                f"- Negative share: {b['negative_share']:.0%}"
                + (f" (was {b['negative_share_before']:.0%})" if b["negative_share_before"] is not None else "")
            )
        elif b.get("labelled"):  # a share of 1-4 posts is not stated (period_report.MIN_SHARE_POSTS)
            lines.append(f"- Negative share: – ({too_few_text(b['labelled'])})")
        if b["top_themes"]:
            lines.append("- Top themes: " + themes_text(b["top_themes"], md))
        if b["rising_themes"]:
            lines.append(
                "- Rising: "
                + ", ".join(
                    f"{md(t['theme'])} ×{t['growth']}" + (" (new)" if t["new"] else "") for t in b["rising_themes"]
                )
            )
        elif b.get("rising_not_judged") and b["mentions"]:  # as the Themes page says it: no theme is "new"
            lines.append(f"- Rising: – {b['rising_not_judged']}")
        if b.get("responses"):
            lines += _response_lines(b["responses"])
        lines += _incident_lines(b, digest.get("zone") or digest.get("timezone", "UTC"))
        if b["notable_posts"]:
            lines += ["", "### Most engaging posts", ""]
            for post in b["notable_posts"]:
                author = md(post["author"] or "?")
                mood = f"{post['sentiment']}, " if post.get("sentiment") else ""
                lines.append(f"- “{md(post['text'][:160])}” — @{author} ({mood}{post['engagement']} interactions)")
        lines.append("")
    return "\n".join(lines)


def _incident_lines(brand: dict[str, Any], zone: str) -> list[str]:
    """The day's alerts under a heading naming the `zone` (`zone_label`), one item per incident (what, severity,
    status, its window) with its alerts of the day below it, each at the time it was decided."""
    incidents = brand.get("incidents")
    if incidents is None:  # a digest dict made without incidents: its alerts as one list
        incidents = [{"alerts": brand["alerts"]}] if brand["alerts"] else []
    if not incidents:
        return []
    lines = ["", f"### Alerts (times in {md(zone)})", ""]
    for incident in incidents:
        indent = "  " if "id" in incident else ""
        if indent:
            n = len(incident["alerts"])
            parts = [md(incident["what"]), incident["severity"]]
            parts += [{"open": "still open", "cleared": "cleared"}[incident["status"]]] if incident["status"] else []
            before = f", {incident['alerts_before']} before" if incident["alerts_before"] else ""
            lines.append(f"- Incident {incident['window']}: {' · '.join(parts)} — {n} alert{'' if n == 1 else 's'}"
                         f" this day{before}")
        for alert in incident["alerts"]:
            icon = "✅" if kind_info(alert["kind"]).closes else "⚠"
            at = f"{alert['time']} " if alert.get("time") else ""
            lines.append(f"{indent}- {at}{icon} {alert['severity']} {md(alert['kind'])}: {md(alert['summary'])}")
    return lines


def write_digest(config: Config, store: Store, day: date, directory: str | Path | None = None) -> dict[str, Any]:
    """Build the digest for `day`, write Markdown + JSON beside the report; return it with the paths."""
    digest = build_digest(config, store, day)
    folder = Path(directory or digest_folder(config))  # its names are those retention prunes (period_files)
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / f"{day.isoformat()}.md"
    # core/file_write.py: a symlink planted at either name is replaced, its target untouched.
    write_file(md, render_markdown(digest))
    write_file(folder / f"{day.isoformat()}.json", json.dumps(digest, ensure_ascii=False, indent=1))
    return {**digest, "markdown": str(md)}
