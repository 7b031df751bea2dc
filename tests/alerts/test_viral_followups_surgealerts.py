"""A crisis with many viral posts is one viral message, not one per post (surge review, finding 4): with
`followups: major` a channel gets the first viral alert of an incident in full; later viral warnings of it fold,
in the same run and in later runs (the ledger remembers the kinds a channel got of an incident); a critical one
still goes. A real SQLite ledger and the real console channel."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alerts.config import ConsoleChannel
from alerts.deliver import deliver, plan
from alerts.holds import Holds
from alerts.incidents import assign_incidents
from core.alert import Alert

T0 = datetime(2026, 3, 18, 12, tzinfo=UTC)
GAP = timedelta(hours=12)


@dataclass
class D:
    alert: Alert
    decided_at: datetime


def _alert(kind: str, hour: float, subject: str | None = None, severity: str = "warning") -> D:
    start = T0 + timedelta(hours=hour)
    a = Alert(kind=kind, brand="Acme", severity=severity, window_start=start, window_end=start + timedelta(hours=1),
              observed=40, expected=2, statistic="test", score=5.0, subject=subject)
    a.episode_id = a.id if kind == "spike" else None
    return D(a, start + timedelta(hours=1))


def test_later_viral_warnings_of_an_incident_fold_and_a_critical_one_goes(state):
    first_run = [_alert("spike", 0), *(_alert("viral", 1, subject=f"x:{i}") for i in range(5))]
    later = [_alert("viral", 2, subject="x:10"), _alert("viral", 2, subject="x:11", severity="critical")]
    found = first_run + later
    assign_incidents(found, GAP)
    channel = ConsoleChannel(type="console")  # followups: major, the default
    every = ConsoleChannel(type="console", name="all", followups="all")

    steps = [s.action for s in plan([d.alert for d in first_run], [channel], state, Holds())["console"]]
    assert steps == ["send", "send", "folded", "folded", "folded", "folded"]  # the spike, the first viral post

    one = deliver([d.alert for d in first_run], [channel, every], state, {}, stream=io.StringIO())
    assert (one.channels["console"].sent, one.channels["console"].folded) == (2, 4)
    assert one.channels["all"].sent == 6

    out = io.StringIO()
    two = deliver([d.alert for d in later], [channel], state, {}, stream=out)  # a later run: the ledger says
    assert (two.channels["console"].sent, two.channels["console"].folded) == (1, 1)
    assert "CRITICAL" in out.getvalue()  # what went is the critical one


def test_a_viral_post_that_opens_an_incident_goes_and_the_next_folds(state):
    found = [_alert("viral", 0, subject="x:1"), _alert("viral", 0, subject="x:2")]
    assign_incidents(found, GAP)
    report = deliver([d.alert for d in found], [ConsoleChannel(type="console")], state, {}, stream=io.StringIO())
    assert (report.sent, report.channels["console"].folded) == (1, 1)
