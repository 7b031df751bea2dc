"""Diff review dsurge, finding 4: the report's incident card folds what delivery folds. Critical alerts and an
incident's first viral post are shown in full; only later warning-level viral posts (and other minor alerts) fold,
under a label that says what they are ("minor update(s)"), not "keyword / influencer alert(s)"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from alerts.incidents import Incident, assign_incidents
from core.alert import Alert
from groundswell.report import _incident_html

T0 = datetime(2026, 3, 18, 12, tzinfo=UTC)


def _alert(kind: str, hour: int, subject: str | None = None, severity: str = "warning") -> Alert:
    start = T0 + timedelta(hours=hour)
    alert = Alert(kind=kind, brand="Acme", severity=severity, window_start=start, window_end=start + timedelta(hours=1),
                  observed=40, expected=2, statistic="test", score=5.0, subject=subject)
    alert.episode_id = alert.id if kind == "spike" else None
    return alert


class _Decided:
    def __init__(self, alert: Alert) -> None:
        self.alert, self.decided_at = alert, alert.window_end


def _card(alerts: list[Alert]) -> tuple[str, str]:
    """(what is shown in full, what is folded), each alert as [subject or kind]."""
    assign_incidents([_Decided(a) for a in alerts], timedelta(hours=12))
    html = _incident_html(Incident(alerts[0].incident_id, "Acme", tuple(alerts)), is_pinned=False)
    shown, _, folded = html.partition("<details>")
    return shown, folded


def _count(html: str) -> int:
    return len(re.findall(r'<div class="alert', html))


def test_critical_viral_posts_and_the_first_viral_post_are_not_folded():
    alerts = [_alert("spike", 0, severity="critical"), _alert("viral", 1, "x:1", "critical"),
              _alert("viral", 2, "x:2", "critical"), _alert("viral", 3, "x:3")]
    shown, folded = _card(alerts)
    assert _count(shown) == 3 and _count(folded) == 1
    assert "1 minor update(s) in this incident" in folded and "keyword / influencer" not in shown + folded


def test_later_warning_viral_posts_fold_after_the_first():
    alerts = [_alert("spike", 0), _alert("viral", 1, "x:1"), _alert("viral", 2, "x:2"), _alert("viral", 3, "x:3")]
    shown, folded = _card(alerts)
    assert _count(shown) == 2 and _count(folded) == 2
