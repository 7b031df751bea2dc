"""What people's verdicts on an incident change in delivery (`groundswell alerts verdict`, the dashboard's cards).

- `false_alarm`: nothing more of the incident is sent, on any channel: no escalation, no "still growing", no
  all-clear (no one wants to hear that a false alarm is over).
- `ack` (taken on): its "still growing" follow-ups stop, unless an alert is more severe than the incident was when
  it was taken on (a warning taken on that turns critical still goes); its all-clear still goes: the person on it
  wants to know it is over.
- `real`: changes nothing.

The verdicts themselves live with the application (`groundswell/alert_verdicts.py`); this layer only gets them,
as a `Verdicts` (alerts never import groundswell). A held alert is a refusal the delivery ledger keeps, like a
route's (`alerts.routing.RouteDecision`, facts `verdict=<severity>`): it is reported (`suppressed_by_verdict`),
never silently lost, and it stays held after the verdict is undone, which restores delivery for later alerts
only; an alert whose severity changes under its id is decided again (`alerts.routing.still_holds`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alerts.incidents import SEVERITY_RANK
from alerts.kinds import kind_info
from alerts.routing import RouteDecision, facts_for, is_verdict_refusal
from core.alert import Alert

__all__ = ["Verdicts", "is_verdict_refusal"]


@dataclass(frozen=True)
class Verdicts:
    """The judged incidents delivery acts on: those called false alarms, and those taken on with the highest
    severity of their alerts when they were (`groundswell.alert_verdicts.delivery_verdicts` builds it)."""

    false_alarm: frozenset[str] = frozenset()
    taken_on: Mapping[str, str] = field(default_factory=dict)  # incident id -> severity when it was taken on

    def hold(self, alert: Alert) -> RouteDecision | None:
        """The refusal a verdict on `alert`'s incident makes, or None when it goes as usual."""
        incident = alert.incident_id
        if not incident:
            return None
        if incident in self.false_alarm:
            return _refusal(alert, f"suppressed by verdict: incident {incident} was marked a false alarm")
        severity = self.taken_on.get(incident)
        if severity is None or alert.id == incident or kind_info(alert.kind).closes:
            return None  # not taken on; the opener; an all-clear (the person on it wants to know)
        if SEVERITY_RANK[alert.severity] > SEVERITY_RANK.get(severity, 0):
            return None  # worse than when it was taken on: that still goes
        return _refusal(
            alert, f"suppressed by verdict: incident {incident} was taken on (ack) at {severity}; "
            f"a {alert.severity} update is not news to them"
        )


def _refusal(alert: Alert, reason: str) -> RouteDecision:
    return RouteDecision(False, reason, facts_for(alert, "verdict"))
