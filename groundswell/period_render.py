"""The weekly/monthly report as Markdown (file, console), HTML (email) and Slack/Teams summaries.

Email clients run no scripts and many drop SVG and images, so the HTML chart is a table of
inline-styled bars: it renders the same in Outlook, Gmail and a terminal mail reader. Every text
from posts, themes, alerts or the config is escaped for its format here (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import urlencode

from alerts.render import slack_text
from alerts.theme_tree import themes_text
from core.escaping import markdown_text as md
from core.escaping import safe_url
from groundswell.audit_results import audit_line
from groundswell.period_report import coverage_text

_NAMES = {
    "mentions": "Mentions",
    "negative_share": "Negative share",
    "share_of_voice": "Share of voice",
    "median_response_minutes": "Median response (min)",
}
_STATUS = {"met": "✅ met", "missed": "❌ missed", "no data": "– no data"}


def _value(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    if key in ("negative_share", "share_of_voice"):
        return f"{value:.1%}"
    return f"{value:,.0f}" if key == "mentions" else f"{value:,.1f}"


def _delta(key: str, change: float | None) -> str:
    if change is None:
        return "–"
    return f"{change:+.1f} pp" if key in ("negative_share", "share_of_voice") else f"{change:+.1f}%"


def market_text(brand: dict[str, Any]) -> str | None:
    """"among Solbit, Dalbit": the brands a brand's share of voice divides by, when the config has several markets
    (`brands[].market`); None with one, where it is every brand of the report, as ever."""
    market = brand.get("market")
    return f"among {', '.join(market['brands'])}" if market else None


def _now(brand: dict[str, Any], key: str) -> str:
    """This period's figure; a share too small to state (period_report.MIN_SHARE_POSTS) as '– (n = 4)'."""
    n = (brand.get("shares_of") or {}).get(key)
    if brand["current"][key] is None and n:
        return f"– (n = {n:,})"
    return _value(key, brand["current"][key])


def _rows(brand: dict[str, Any], text: Callable[[str], str] = str) -> list[tuple[str, str, str, str, str, str]]:
    """(name, now, previous, baseline, Δ previous, Δ baseline) per figure the report has; `text` escapes the brand
    names a share of voice row names (`market_text`) for the format the caller writes."""
    among = market_text(brand)
    return [
        (
            f"{_NAMES[key]} ({text(among)})" if key == "share_of_voice" and among else _NAMES[key],
            _now(brand, key),
            _value(key, brand["previous"][key]),
            _value(key, brand["baseline"][key]),
            _delta(key, brand["change"][key]["vs_previous"]),
            _delta(key, brand["change"][key]["vs_baseline"]),
        )
        for key in brand["current"]
    ]


def _goal_text(goal: dict[str, Any]) -> str:
    sign = "≤" if goal["direction"] == "max" else "≥"
    key = {"negative share": "negative_share", "share of voice": "share_of_voice"}.get(goal["goal"], "")
    return (
        f"{goal['goal']} {sign} {_value(key, goal['target'])}: {_STATUS[goal['status']]}"
        f" ({goal.get('reason') or _value(key, goal['figure'])})"
    )


def title(report: dict[str, Any]) -> str:
    kind = {"week": "Weekly", "quarter": "Quarterly"}.get(report["kind"], "Monthly")
    return f"Groundswell {kind.lower()} report — {report['label']}"


def link(report: dict[str, Any]) -> str | None:
    """The dashboard's Explore page over the period (all brands of the report, or its one brand).

    Its window is the report's own UTC bounds (`since`/`until`, local midnights of the report's timezone):
    the local dates read as UTC midnights would show another window than the one counted."""
    base = safe_url(report.get("dashboard_url"))
    if not base:
        return None
    params = {"since": report["since"], "until": report["until"]}
    if len(report["brands"]) == 1:
        params["brand"] = report["brands"][0]["brand"]
    return f"{base.rstrip('/')}/explore?{urlencode(params)}"


def render_markdown(report: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    unit = report["kind"]
    lines = [
        f"# {title(report)}",
        "",
        f"Compared with the previous {unit} and the {report['baseline_weeks']}-week "
        f"baseline before it (timezone {report['timezone']}).",
        "",
    ]
    if report.get("sentiment_audit"):
        lines += [md(audit_line(report["sentiment_audit"])), ""]
    for b in report["brands"]:
        lines += [
            f"## {md(b['brand'])}",
            "",
            f"| | this {unit} | previous | baseline | vs previous | vs baseline |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in _rows(b, md)]
        lines.append("")
        peak = max((d["mentions"] for d in b["daily"]), default=0)
        lines.append("Daily mentions: " + _spark([d["mentions"] for d in b["daily"]], peak) + f" (peak {peak})")
        # a previous period or baseline with days before the brand's data began (a new install, a brand added later)
        lines += [f"- {md(text)}" for text in coverage_text(b, unit)] if "coverage" in b else []
        for goal in b["goals"]:
            lines.append(f"- Goal: {_goal_text(goal)}")
        if b["top_themes"]:
            lines.append("- Top themes: " + themes_text(b["top_themes"], md))
        if labels := labelled_by_text(b):
            lines.append(f"- {labels}")
        alerts = b["alerts"]
        if alerts["count"]:
            kinds = ", ".join(f"{n} {k}" for k, n in alerts["by_kind"].items())
            lines.append(f"- Alerts: {alerts['count']} ({kinds})")
            lines += [f"  - {a['severity']} {a['kind']}: {md(a['summary'])}" for a in alerts["top"]]
        lines.append("")
    url = link(report)
    if url:
        lines.append(f"Open in the dashboard: {url}")
    return "\n".join(lines).rstrip() + "\n"


def labelled_by_text(brand: dict[str, Any]) -> str | None:
    """"Labels: 1,234 by the model, 12 corrected by people, 62 by sentiment rules" when people or rules set
    any of the period's labels (the negative share above counts theirs); None when the model set them all."""
    by = brand.get("labelled_by") or {}
    if not (by.get("people") or by.get("rules")):
        return None
    parts = [f"{by.get('model', 0):,} by the model"]
    parts += [f"{by['people']:,} corrected by people"] if by.get("people") else []
    parts += [f"{by['rules']:,} by sentiment rules"] if by.get("rules") else []
    return "Labels: " + ", ".join(parts)


_BLOCKS = "▁▂▃▄▅▆▇█"


def _spark(values: list[int], peak: int) -> str:
    """A Unicode sparkline (Markdown, Slack): one block per day, scaled to `peak`."""
    if not peak:
        return _BLOCKS[0] * len(values)
    return "".join(_BLOCKS[min(len(_BLOCKS) - 1, round(v / peak * (len(_BLOCKS) - 1)))] for v in values)


def _html_bars(daily: list[dict[str, Any]]) -> str:
    """Daily volume as a row of bottom-aligned bars (negative part red): tables and inline styles only."""
    peak = max((d["mentions"] for d in daily), default=0) or 1
    cells = []
    for d in daily:
        total_px = round(d["mentions"] / peak * 48)
        negative_px = round(d["negative"] / peak * 48)
        tip = escape(f"{d['day']}: {d['mentions']} mentions, {d['negative']} negative")
        cells.append(
            f'<td title="{tip}" style="vertical-align:bottom;padding:0 1px">'
            f'<div style="height:{total_px - negative_px}px;width:8px;background:#8aa9d6"></div>'
            f'<div style="height:{negative_px}px;width:8px;background:#d9534f"></div></td>'
        )
    return (
        '<table role="presentation" cellspacing="0" cellpadding="0" style="height:52px"><tr>'
        + "".join(cells)
        + "</tr></table>"
        + f'<div style="font-size:11px;color:#666">Daily mentions ({escape(daily[0]["day"]) if daily else ""} – '
        f"{escape(daily[-1]['day']) if daily else ''}), negative in red; peak {peak}</div>"
    )


def render_html(report: dict[str, Any]) -> str:
    """The report as a self-contained HTML email: no scripts, no external images, inline styles."""
    unit = escape(report["kind"])
    cell = 'style="padding:3px 8px;border-bottom:1px solid #eee;text-align:right"'
    parts = [
        '<html><body style="font-family:Arial,sans-serif;color:#222;max-width:720px">',
        f'<h1 style="font-size:20px">{escape(title(report))}</h1>',
        f"<p>Compared with the previous {unit} and the {report['baseline_weeks']}-week baseline before it "
        f"(timezone {escape(report['timezone'])}).</p>",
    ]
    if report.get("sentiment_audit"):
        parts.append(f'<p style="color:#1d3f66">{escape(audit_line(report["sentiment_audit"]))}</p>')
    for b in report["brands"]:
        parts.append(f'<h2 style="font-size:17px">{escape(b["brand"])}</h2>')
        head = ["", f"this {unit}", "previous", "baseline", "vs previous", "vs baseline"]
        parts.append('<table style="border-collapse:collapse;font-size:13px"><tr>')
        parts += [f"<th {cell}>{escape(h)}</th>" for h in head]
        parts.append("</tr>")
        for row in _rows(b):
            parts.append(
                f'<tr><td style="padding:3px 8px;border-bottom:1px solid #eee">{escape(row[0])}</td>'
                + "".join(f"<td {cell}>{escape(v)}</td>" for v in row[1:])
                + "</tr>"
            )
        parts.append("</table>")
        parts.append(_html_bars(b["daily"]))
        items = [escape(text) for text in coverage_text(b, report["kind"])] if "coverage" in b else []
        items += [f"Goal: {escape(_goal_text(g))}" for g in b["goals"]]
        if b["top_themes"]:
            items.append("Top themes: " + themes_text(b["top_themes"], escape))
        if labels := labelled_by_text(b):
            items.append(escape(labels))
        if b["alerts"]["count"]:
            kinds = ", ".join(f"{n} {escape(k)}" for k, n in b["alerts"]["by_kind"].items())
            items.append(f"Alerts: {b['alerts']['count']} ({kinds})")
            items += [
                f"{escape(a['severity'])} {escape(a['kind'])}: {escape(a['summary'])}" for a in b["alerts"]["top"]
            ]
        if items:
            parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
    url = link(report)
    if url:
        parts.append(f'<p><a href="{escape(url)}">Open in the dashboard</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def _brand_line(b: dict[str, Any], unit: str) -> str:
    c, ch = b["current"], b["change"]
    negative_change = _delta("negative_share", ch["negative_share"]["vs_previous"])
    text = (
        f"{b['brand']}: {_value('mentions', c['mentions'])} mentions "
        f"({_delta('mentions', ch['mentions']['vs_previous'])} vs previous {unit}, "
        f"{_delta('mentions', ch['mentions']['vs_baseline'])} vs baseline) · negative "
        f"{_value('negative_share', c['negative_share'])} ({negative_change})"
        f" · share of voice {_value('share_of_voice', c['share_of_voice'])}"
    )
    if among := market_text(b):  # the market's brands: 66.7% of Solbit and Dalbit's mentions, not of every brand's
        text += f" ({among})"
    if c.get("median_response_minutes") is not None:
        text += f" · median response {c['median_response_minutes']:.0f} min"
    missed = [g["goal"] for g in b["goals"] if g["status"] == "missed"]
    if b["goals"]:
        text += f" · goals: {len(b['goals']) - len(missed)}/{len(b['goals'])} met" + (
            f" (missed: {', '.join(missed)})" if missed else ""
        )
    if b["alerts"]["count"]:
        text += f" · {b['alerts']['count']} alert(s)"
    return text


def render_slack(report: dict[str, Any]) -> dict[str, Any]:
    """A Slack summary: one line per brand, and a button to the dashboard when it is configured."""
    unit = report["kind"]
    lines = "\n".join(f"• {slack_text(_brand_line(b, unit), 600)}" for b in report["brands"])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title(report)[:150], "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": lines or "No brands in this report."}},
    ]
    url = link(report)
    if url:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Open in dashboard"}, "url": url}
                ],
            }
        )
    return {"text": slack_text(title(report)), "blocks": blocks}


def render_teams(report: dict[str, Any]) -> dict[str, Any]:
    """A Teams (Workflows webhook) Adaptive Card with the same summary."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "text": md(title(report)), "wrap": True}
    ]
    body += [
        {"type": "TextBlock", "text": f"- {md(_brand_line(b, report['kind']))}", "wrap": True} for b in report["brands"]
    ]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    url = link(report)
    if url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in dashboard", "url": url}]
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }
