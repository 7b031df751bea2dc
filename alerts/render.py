"""Alerts as text, Slack blocks, a Teams Adaptive Card and a generic JSON document.

The one rendering layer for alert messages, so each format's escaping happens here: post
text, terms, themes and summaries are untrusted (docs/security.md#what-is-escaped-where). Slack mrkdwn
gets Slack's &, <, > escaping; Teams Markdown gets `markdown_text`; plain text loses control
characters; links are http(s) only (`safe_url`).

Times are on the wall clock of the function's `tz` (the team's `digest.timezone`; UTC by default), each one
naming its zone: a message stands alone. The stored alert keeps UTC; its summary's headline is rendered again
in `tz` (`alerts.explain.summary_in`).

Each function takes the channel's `thread`: the first alert of the incident that channel got
(`alerts.deliver.DeliveryLedger.thread`). A follow-up is an "Update" of that one; the first alert of an
incident a channel takes (its route or min_severity left the opener out) is a new message. Left out,
it is the incident's opener.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from alerts.evidence import left_out_text
from alerts.explain import summary_in
from alerts.kinds import detector_for
from alerts.wording import learning, number, shifts_text, zone_name
from core.alert import Alert
from core.escaping import markdown_text, one_line, printable, safe_url

_ICON = {"critical": "🔴", "warning": "🟠", "info": "🟢"}
# A competitor brand's alert (`brands[].competitor: true`), in words (a glyph may not render): its headline starts
# with this, and its first fact row says whose brand it is.
COMPETITOR = "Competitor · "
_RIVAL_ROW = "Competitor"


def _rival_text(brand: str) -> str:
    return f"{brand} is a competitor's brand, not yours"


def updates(a: Alert, thread: str | None = None) -> str | None:
    """The alert a message about `a` updates on its channel, or None when it is a new message. `thread`: the
    first alert of `a`'s incident the channel got (`a` itself when it is the first); by default the opener."""
    root = thread or a.incident_id
    return root if root and root != a.id else None


__all__ = [
    "COMPETITOR", "as_json", "as_slack", "as_teams", "as_text", "facts", "number", "slack_text", "title", "updates",
]


def title(a: Alert, thread: str | None = None, competitor: bool = False) -> str:
    """The message's headline; a competitor brand's alert says so first (`COMPETITOR`), so nobody reads it as a
    crisis of their own."""
    what = detector_for(a.kind).title(a)
    update = "Update · " if updates(a, thread) else ""
    rival = COMPETITOR if competitor else ""
    return f"{_ICON.get(a.severity, '')} [{a.severity.upper()}] {rival}{update}{what}: {a.brand}".strip()


def facts(a: Alert, thread: str | None = None, tz: str = "UTC", competitor: bool = False) -> list[tuple[str, str]]:
    """The message's fact rows: whose brand it is when a competitor's, the window (in `tz`), what was measured
    (its detector's words: `Detector.measured`), shares, the explanation's fields and the incident it updates."""
    start, end = a.window_start.astimezone(ZoneInfo(tz)), a.window_end.astimezone(ZoneInfo(tz))
    rows = [(_RIVAL_ROW, _rival_text(a.brand))] if competitor else []
    rows.append(("Window", f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} {zone_name([start, end], tz)}"))
    rows += detector_for(a.kind).measured(a)
    if a.negative_share is not None:
        usual = f" ({_usual(a)})" if a.expected_share is not None else ""
        # `negative_share` holds the share of what the detector counted (positives for opportunities).
        rows.append((f"{(a.counted_sentiment or 'negative').capitalize()} share", f"{a.negative_share:.0%}{usual}"))
    if a.key_phrases:
        rows.append(("Key phrases", ", ".join(a.key_phrases[:5])))
    if a.top_terms:
        rows.append(("Terms", ", ".join(a.top_terms[:8])))
    themes = shifts_text(a.shifts, "theme")
    if themes:
        rows.append(("Themes up", themes))
    elif a.top_themes and not a.shifts:  # an alert explained before shifts existed
        rows.append(("Themes", ", ".join(a.top_themes[:5])))
    mix = shifts_text(a.shifts)
    if mix:  # only what differs from the usual mix: the usual one is not news
        rows.append(("Unusual mix", mix))
    omitted = left_out_text(a.left_out)
    if omitted:  # what the counts above leave out: a crisis carried by reposts or shared links shrinks otherwise
        rows.append(("Left out", omitted))
    parent = updates(a, thread)
    if parent:
        rows.append(("Incident", f"update to alert {parent}"))
    return rows


def _usual(a: Alert) -> str:
    """The share row's comparison: 'usually 25%', or while the baseline is still learning the brand '25% so far,
    learning' (a share seen over a day or two is no "usually")."""
    if learning(a):
        return f"{a.expected_share:.0%} so far, learning"
    return f"usually {a.expected_share:.0%}"


def _post_line(p: Any) -> str:
    who = f"@{p.author}" if p.author else (p.source or "?")
    audience = f" · {p.followers:,} followers" if p.followers else ""
    text = " ".join(p.text.split())
    return f"{who}{audience} · {p.engagement} interactions: {text[:200]}"


def as_text(a: Alert, thread: str | None = None, tz: str = "UTC", competitor: bool = False) -> str:
    """Plain text for the console and email (no markup to escape; control characters removed)."""
    lines = [title(a, thread, competitor), "", summary_in(a, tz), ""]
    rows = facts(a, thread, tz, competitor)
    width = max(len(k) for k, _ in rows)
    lines += [f"  {k.ljust(width)}  {v}" for k, v in rows]
    if a.top_posts:
        lines += ["", "  Top posts:"] + [f"   - {_post_line(p)}" for p in a.top_posts]
    link = safe_url(a.link)
    if link:
        lines += ["", f"  Open: {link}"]
    lines += [f"  Alert id: {a.id}"]
    return printable("\n".join(lines).replace("\n\n\n", "\n\n"))


_PARTIAL_ENTITY = re.compile(r"&[a-z]*$")


def slack_text(text: str | None, limit: int = 3000) -> str:
    """Text for a Slack mrkdwn field: Slack's documented escaping of &, < and >, so `<!channel>` or
    `<https://evil|Open in dashboard>` in a post shows as typed; cut to `limit` without halving an entity."""
    escaped = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped if len(escaped) <= limit else _PARTIAL_ENTITY.sub("", escaped[:limit])


def as_slack(a: Alert, thread: str | None = None, tz: str = "UTC", competitor: bool = False) -> dict[str, Any]:
    """Slack incoming-webhook message: `text` as the notification fallback, plus Block Kit blocks."""
    head, summary = title(a, thread, competitor), summary_in(a, tz)
    blocks: list[dict[str, Any]] = [
        # plain_text: Slack parses no mentions or links in it, so it needs no escaping.
        {"type": "header", "text": {"type": "plain_text", "text": one_line(head)[:150], "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": slack_text(summary or head)}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{k}*\n" + slack_text(v, 1900)}
                for k, v in facts(a, thread, tz, competitor)[:10]
            ],
        },
    ]
    if a.top_posts:
        posts = "\n".join(f"• {slack_text(_post_line(p), 500)}" for p in a.top_posts[:5])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Top posts*\n{posts}"}})
    link = safe_url(a.link)
    if link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Open in dashboard"}, "url": link}
                ],
            }
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"alert id `{slack_text(a.id)}`"}]})
    # The fallback `text` is mrkdwn too (it is what notifications show).
    return {"text": slack_text(f"{head} — {summary}"), "blocks": blocks}


def as_teams(a: Alert, thread: str | None = None, tz: str = "UTC", competitor: bool = False) -> dict[str, Any]:
    """Microsoft Teams (Workflows webhook) message carrying an Adaptive Card."""
    rows, head = facts(a, thread, tz, competitor), title(a, thread, competitor)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "text": markdown_text(head), "wrap": True},
        {"type": "TextBlock", "text": markdown_text(summary_in(a, tz)), "wrap": True},
        # Teams renders Markdown in TextBlock and in both halves of a Fact.
        {"type": "FactSet", "facts": [{"title": markdown_text(k), "value": markdown_text(v)} for k, v in rows]},
    ]
    for p in a.top_posts[:5]:
        body.append({"type": "TextBlock", "text": f"- {markdown_text(_post_line(p))}", "wrap": True, "isSubtle": True})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    link = safe_url(a.link)
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in dashboard", "url": link}]
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


def as_json(a: Alert, thread: str | None = None, tz: str = "UTC", competitor: bool = False) -> dict[str, Any]:
    """Generic webhook body: the whole alert (its real `incident_id`; data, so UTC) plus a human `text` in `tz`,
    and `competitor`: whether the brand is a competitor's (`brands[].competitor`), for a receiver to route on."""
    return {
        "text": f"{title(a, thread, competitor)} — {summary_in(a, tz)}",
        "competitor": competitor,
        "alert": a.model_dump(mode="json"),
    }
