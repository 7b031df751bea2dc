"""The daily digest as a message for the channels: the Markdown (text), an HTML email and Slack/Teams summaries.

The digest's Markdown (`groundswell.digest.render_markdown`) is its text part; the HTML is built from the same
dict, escaping every text from posts, themes, alerts or the config for HTML (docs/security.md).
"""

from __future__ import annotations

from html import escape
from typing import Any

from alerts.channels import Report
from alerts.kinds import kind_info
from alerts.render import slack_text
from core.escaping import markdown_text as md
from groundswell.digest import render_markdown
from groundswell.period_report import too_few_text
from groundswell.report_message import Renderers, report_message


def title(digest: dict[str, Any]) -> str:
    return f"Groundswell digest — {digest['day']}"


def period_id(digest: dict[str, Any]) -> str:
    """The digest's id in the delivery records (`report_sent:<channel>:day:<day>`), beside 'week:…' / 'month:…'."""
    return f"day:{digest['day']}"


def _brand_line(b: dict[str, Any]) -> str:
    change = b["mentions_change_pct"]
    text = f"{b['brand']}: {b['mentions']:,} mentions"
    text += "" if change is None else f" ({change:+.1f}% vs the day before)"
    text += f" · {b['data_gap']}" if b.get("data_gap") else ""
    if b["negative_share"] is not None:
        text += f" · negative {b['negative_share']:.0%}"
    elif b.get("labelled"):  # too few for a share (period_report.MIN_SHARE_POSTS): its count, not 100%
        text += f" · negative share – ({too_few_text(b['labelled'])})"
    if b["alerts"]:
        text += f" · {len(b['alerts'])} alert(s)"
    return text


def render_html(digest: dict[str, Any]) -> str:
    """The digest as a simple HTML email: per brand its figures, themes and the day's alerts (times in its zone)."""
    zone = digest.get("zone") or digest.get("timezone", "UTC")
    parts = [f"<html><body><h1>{escape(title(digest))}</h1>"]
    for b in digest["brands"]:
        parts.append(f"<h2>{escape(b['brand'])}</h2><p>{escape(_brand_line(b))}</p>")
        if b["top_themes"]:
            parts.append("<p>Top themes: " + escape(", ".join(t["theme"] for t in b["top_themes"])) + "</p>")
        if b["alerts"]:
            items = "".join(
                f"<li>{escape(a.get('time') or '')} {'✅' if kind_info(a['kind']).closes else '⚠'} "
                f"{escape(a['severity'])} {escape(a['kind'])}: {escape(a['summary'] or '')}</li>"
                for a in b["alerts"]
            )
            parts.append(f"<h3>Alerts (times in {escape(zone)})</h3><ul>{items}</ul>")
        if b["notable_posts"]:
            posts = "".join(
                f"<li>“{escape(p['text'][:160])}” — @{escape(p['author'] or '?')} ({p['engagement']} interactions)</li>"
                for p in b["notable_posts"]
            )
            parts.append(f"<h3>Most engaging posts</h3><ul>{posts}</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render_slack(digest: dict[str, Any]) -> dict[str, Any]:
    """A Slack summary: one line per brand (the digest file and the email have the rest)."""
    lines = "\n".join(f"• {slack_text(_brand_line(b), 600)}" for b in digest["brands"])
    return {
        "text": slack_text(title(digest)),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title(digest)[:150], "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": lines or "No brands in this digest."}},
        ],
    }


def render_teams(digest: dict[str, Any]) -> dict[str, Any]:
    """A Teams (Workflows webhook) Adaptive Card with the same summary."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "text": md(title(digest)), "wrap": True}
    ]
    body += [{"type": "TextBlock", "text": f"- {md(_brand_line(b))}", "wrap": True} for b in digest["brands"]]
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body}
    return {"type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}


RENDERERS = Renderers(title=title, markdown=render_markdown, html=render_html, slack=render_slack, teams=render_teams)


def as_message(digest: dict[str, Any]) -> Report:
    """One rendering of `digest` for every channel format; its id covers the day and the brands in it
    (`groundswell.report_message`, as the weekly/monthly report's)."""
    data = {k: v for k, v in digest.items() if k != "markdown"}  # the file's path is this machine's business
    return report_message(digest, period_id(digest), RENDERERS, data)
