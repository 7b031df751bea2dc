"""A report for the channels (the weekly/monthly report, the daily digest): one rendering per channel format and
one id, built by one function whatever the report.

The id is `<period id, ':' as '-'>-<12 hex digits of SHA-1(period id|brands)>` (`week-2026-11-16-…`,
`day-2026-11-18-…`): the same report of the same brands always gets the same id, so a receiver can drop a repeat
(the email Message-ID, the webhook idempotency key), and a channel routed to other brands gets another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alerts.channels import Report

_Render = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Renderers:
    """How one kind of report is written in each channel format."""

    title: Callable[[dict[str, Any]], str]
    markdown: Callable[[dict[str, Any]], str]
    html: Callable[[dict[str, Any]], str]
    slack: _Render
    teams: _Render


def report_message(
    report: dict[str, Any], period_id: str, render: Renderers, data: dict[str, Any] | None = None
) -> Report:
    """`report` (of the period `period_id`) rendered for every channel format; `data` is what JSON channels
    get (default: the report itself)."""
    scope = ",".join(b["brand"] for b in report["brands"])
    key = hashlib.sha1(f"{period_id}|{scope}".encode()).hexdigest()[:12]
    return Report(
        id=f"{period_id.replace(':', '-')}-{key}",
        subject=render.title(report),
        text=render.markdown(report),
        html=render.html(report),
        slack=render.slack(report),
        teams=render.teams(report),
        data=report if data is None else data,
    )
