"""Reading incidents back: one card per incident, the crisis pinned, one count for every page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.incidents import count_alerts, group_incidents, pinned
from core.alert import Alert

T0 = datetime(2026, 11, 11, 12, tzinfo=UTC)


def _alert(kind: str, hour: int, incident: str | None, *, severity: str = "warning", episode: str | None = None,
           brand: str = "Lumora", hours: int = 1) -> Alert:  # fmt: skip
    return Alert(
        kind=kind,
        brand=brand,
        severity=severity,
        window_start=T0 + timedelta(hours=hour),
        window_end=T0 + timedelta(hours=hour + hours),
        observed=10,
        expected=1,
        statistic="poisson",
        score=5,
        subject=f"{kind}-{hour}",
        incident_id=incident,
        episode_id=episode,
    )


def _crisis(incident: str = "crisis", *, cleared: bool) -> list[Alert]:
    alerts = [
        _alert("keyword", 0, incident),
        _alert("spike", 1, incident, episode="ep"),
        _alert("spike", 2, incident, severity="critical", episode="ep"),
        _alert("influencer", 5, incident),
    ]
    if cleared:  # an all-clear's window is its whole episode
        alerts.append(_alert("all_clear", 1, incident, severity="info", episode="ep", hours=20))
    return alerts


def test_one_incident_per_thread_with_its_alerts_as_a_timeline_all_clear_last():
    alerts = _crisis(cleared=True) + [_alert("influencer", 48, None, severity="critical")]
    incidents = group_incidents(alerts)
    assert [len(i.alerts) for i in incidents] == [5, 1]
    crisis = incidents[0]
    assert [a.kind for a in crisis.alerts] == ["keyword", "spike", "spike", "influencer", "all_clear"]
    assert crisis.severity == "critical" and crisis.crisis and crisis.cleared and not crisis.open
    assert crisis.headline.kind == "spike" and crisis.headline.severity == "critical"
    assert (crisis.start, crisis.end) == (T0, T0 + timedelta(hours=21))


def test_the_most_severe_crisis_is_pinned_open_ones_first():
    older_open = _crisis("open", cleared=False)
    newer_cleared = [a.model_copy(update={"window_start": a.window_start + timedelta(days=3),
                                          "window_end": a.window_end + timedelta(days=3)})
                     for a in _crisis("done", cleared=True)]  # fmt: skip
    lone_influencer = [_alert("influencer", 200, None, severity="critical")]
    incidents = group_incidents(older_open + newer_cleared + lone_influencer)
    # Newest first below the pin; a critical influencer post alone is not a crisis and is never pinned.
    assert [i.id for i in incidents] == ["open", lone_influencer[0].id, "done"]
    assert pinned(incidents).id == "open"
    assert pinned(group_incidents(newer_cleared + lone_influencer)).id == "done"
    assert pinned(group_incidents(lone_influencer)) is None


def test_count_is_incidents_and_every_alert_in_them():
    alerts = _crisis(cleared=True) + [_alert("influencer", 48, None), _alert("spike", 1, "crisis", brand="Sonique")]
    count = count_alerts(alerts)
    # Same incident id, different brand: two incidents (ids are only unique per brand's thread).
    assert (count.incidents, count.alerts) == (3, 7)
    assert count.label() == "3 incidents · 7 alerts"
    assert count_alerts(alerts[:1]).label() == "1 incident · 1 alert"
    assert count_alerts([]).label() == "0 incidents · 0 alerts"
    assert len(group_incidents(alerts)) == count.incidents
