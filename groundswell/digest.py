"""The daily digest for managers and marketers: what changed yesterday, in one page.

Per brand: volume and sentiment against the day before, top and rising themes,
notable posts, the day's alerts and, for a brand with own accounts, its replies (answered share,
median/p90 time to first reply, negative posts still waiting: `alerts.response`). Written as
Markdown (and returned as a dict for channels and the Airflow task's XCom).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alerts.history import stored_alerts
from alerts.response import response_report
from alerts.theme_tree import themes_text, top_themes, window_themes
from core.accounts import OwnAccounts
from core.escaping import markdown_text as md
from core.escaping import safe_url
from core.time import as_utc
from groundswell.config import BrandConfig, Config
from groundswell.period_report import negative_share
from indexing.base import Filters, Store


def _day_bounds(day: date, tz: str = "UTC") -> tuple[datetime, datetime]:
    """The day from local midnight to local midnight in `tz` (23 or 25 hours across DST changes), in UTC."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


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


def build_digest(config: Config, store: Store, day: date) -> dict[str, Any]:
    """Everything the digest says about `day` (in the digest's timezone), per brand."""
    start, end = _day_bounds(day, config.digest.timezone)
    prev_start = _day_bounds(day - timedelta(days=1), config.digest.timezone)[0]
    alerts = [a for a in stored_alerts(store) if start <= a.window_start < end]
    brands: list[dict[str, Any]] = []
    for brand in config.brands:
        today = Filters(brand=brand.name, since=start, until=end)
        before = Filters(brand=brand.name, since=prev_start, until=start)
        volume, volume_before = store.count(today), store.count(before)
        sentiment = store.facet(today, "sentiment")
        sentiment_before = store.facet(before, "sentiment")
        themes_today = top_themes(store, today, n=5)  # top-level themes, each with its aspects
        rising = window_themes(store, Filters(brand=brand.name), start, end).rising()
        notable = store.search(today, size=3, sort="engagement").hits
        brands.append(
            {
                "brand": brand.name,
                "mentions": volume,
                "mentions_change_pct": _pct_change(volume, volume_before),
                "sentiment": sentiment,
                "negative_share": negative_share(sentiment, 3),
                "negative_share_before": negative_share(sentiment_before, 3),
                "top_themes": [t.json() for t in themes_today],
                "rising_themes": [
                    row.json() | {"growth": round(r.growth, 2), "new": r.new} for r, row in rising[:5]
                ],
                "notable_posts": [
                    {
                        "text": h.mention.text,
                        "url": safe_url(h.mention.url),  # channels and XCom readers may link it
                        "author": h.mention.author.handle,
                        "engagement": h.mention.engagement.total,
                        "sentiment": h.mention.sentiment.label if h.mention.sentiment else None,
                    }
                    for h in notable
                ],
                "alerts": [
                    {"id": a.id, "kind": a.kind, "severity": a.severity, "summary": a.summary}
                    for a in alerts
                    if a.brand == brand.name
                ],
                "responses": _responses(store, brand, start, end),
            }
        )
    return {"day": day.isoformat(), "timezone": config.digest.timezone, "brands": brands}


def _responses(store: Store, brand: BrandConfig, start: datetime, end: datetime) -> dict[str, Any] | None:
    """The day's own-reply figures as of its end (alerts.response); None for a brand without own accounts."""
    own = OwnAccounts.of(brand.own_accounts)
    if not own:
        return None
    report = response_report(store, brand.name, own, brand.response_goal_minutes, start, end, now=end)
    overall = report.overall
    return {
        "goal_minutes": report.goal_minutes,
        "posts": overall.posts,
        "answered": overall.answered,
        "answered_share": round(overall.share, 3) if overall.share is not None else None,
        "median_minutes": _minutes(overall.median_minutes),
        "p90_minutes": _minutes(overall.p90_minutes),
        "within_goal": report.within_goal,
        "needs_reply": len(report.needs_reply),
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
        if b["negative_share"] is not None:
            lines.append(
                f"- Negative share: {b['negative_share']:.0%}"
                + (f" (was {b['negative_share_before']:.0%})" if b["negative_share_before"] is not None else "")
            )
        if b["top_themes"]:
            lines.append("- Top themes: " + themes_text(b["top_themes"], md))
        if b["rising_themes"]:
            lines.append(
                "- Rising: "
                + ", ".join(
                    f"{md(t['theme'])} ×{t['growth']}" + (" (new)" if t["new"] else "") for t in b["rising_themes"]
                )
            )
        if b.get("responses"):
            lines += _response_lines(b["responses"])
        for alert in b["alerts"]:
            lines.append(f"- ⚠ {alert['severity']} {alert['kind']} alert: {md(alert['summary'])}")
        for post in b["notable_posts"]:
            author = md(post["author"] or "?")
            lines.append(f"  - “{md(post['text'][:160])}” — @{author} ({post['engagement']} interactions)")
        lines.append("")
    return "\n".join(lines)


def write_digest(config: Config, store: Store, day: date, directory: str | Path | None = None) -> dict[str, Any]:
    """Build the digest for `day`, write Markdown + JSON beside the report; return it with the paths."""
    digest = build_digest(config, store, day)
    folder = Path(directory or Path(config.report.path).parent / "digests")
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / f"{day.isoformat()}.md"
    md.write_text(render_markdown(digest), encoding="utf-8")
    (folder / f"{day.isoformat()}.json").write_text(json.dumps(digest, ensure_ascii=False, indent=1), encoding="utf-8")
    return {**digest, "markdown": str(md)}
