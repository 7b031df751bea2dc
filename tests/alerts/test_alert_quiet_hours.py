"""A channel's quiet hours (alerts/quiet_hours.py): during them only alerts at or above their min_severity go; the
others wait, unrecorded, and the first run after the period sends them with their own times, never as "too old"
because of the wait. Across midnight and on both DST nights. Before, `quiet_hours:` was refused as an unknown key.
Real embedded store, the real pipeline step and config loader, a real JSON Lines channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cli_config import write_config
from conftest import make_alert

from alerts.history import save_alerts
from alerts.quiet_hours import QuietHours
from core.alert import Alert
from core.errors import ConfigError
from groundswell import pipeline
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

ROME = ZoneInfo("Europe/Rome")
NIGHT = {"start": "22:00", "end": "07:00", "timezone": "Europe/Rome", "min_severity": "critical"}


def _rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(UTC)


def _decided(severity: str, at: datetime) -> Alert:
    alert = make_alert(severity=severity)
    start = at - timedelta(hours=1)
    return Alert(**{**alert.model_dump(exclude={"id"}), "window_start": start, "window_end": at, "decided_at": at})


def _setup(tmp_path: Path, quiet: dict):
    out = tmp_path / "sent.jsonl"
    channel = {"type": "jsonl", "name": "oncall", "path": str(out), "quiet_hours": quiet}
    return load_config(write_config(tmp_path, channels=[channel])), SqliteStore(tmp_path / "g.db"), out


def _run(config, store, alerts: list[Alert], now: datetime):
    save_alerts(store, alerts)
    return pipeline.notify(config, store, alerts, now=now)


def _sent(out: Path) -> list[str]:
    return [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []


def test_a_night_holds_warnings_sends_criticals_and_the_morning_run_sends_the_rest(tmp_path):
    config, store, out = _setup(tmp_path, NIGHT)
    warning, critical = _decided("warning", _rome(2026, 3, 18, 23)), _decided("critical", _rome(2026, 3, 18, 23, 30))
    night = _run(config, store, [warning, critical], now=_rome(2026, 3, 18, 23, 35))
    assert _sent(out) == [critical.id]
    assert night.held_quiet == 1 and night.failed == 0 and night.too_old == 0
    assert "waits until 2026-03-19 07:00 CET" in night.channels["oncall"].held[0]
    # After midnight, still quiet: held again, nothing recorded, nothing lost.
    assert _run(config, store, [], now=_rome(2026, 3, 19, 3, 5)).held_quiet == 1 and _sent(out) == [critical.id]
    morning = _run(config, store, [], now=_rome(2026, 3, 19, 7, 5))  # offered again by `with_pending`
    assert _sent(out) == [critical.id, warning.id] and morning.sent == 1 and morning.held_quiet == 0
    line = json.loads(out.read_text(encoding="utf-8").splitlines()[1])
    assert line["window_end"] == warning.window_end.isoformat().replace("+00:00", "Z")  # its own times
    store.close()


def test_a_long_quiet_period_does_not_make_what_it_held_too_old(tmp_path):
    # 23 h of quiet (08:00 to 07:00): a warning decided at 08:05 waits until 07:00 the next day. No run came in the
    # hour between; the run at 08:30, 24 h 25 min after its decision and in the next period, holds it again instead
    # of dropping it as "too old": its age counts from the end of the period that held it.
    config, store, out = _setup(tmp_path, {**NIGHT, "start": "08:00"})
    warning = _decided("warning", _rome(2026, 3, 18, 8, 5))
    assert _run(config, store, [warning], now=_rome(2026, 3, 18, 8, 10)).held_quiet == 1
    late = _run(config, store, [], now=_rome(2026, 3, 19, 8, 30))
    assert late.held_quiet == 1 and late.too_old == 0 and _sent(out) == []
    # A day after that period ended it is too old, as any alert a day old is.
    assert _run(config, store, [warning], now=_rome(2026, 3, 20, 7, 5)).too_old == 1
    assert _sent(out) == []
    store.close()


@pytest.mark.parametrize(
    ("quiet", "at", "expected"),
    [
        # Spring forward (Rome, 2026-03-29, 02:00 -> 03:00): an end in the skipped hour ends it at 03:00 CEST.
        ({"start": "22:00", "end": "02:30"}, _rome(2026, 3, 28, 23), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # Fall back (2026-10-25, 03:00 -> 02:00): an end in the repeated hour ends it at its first occurrence.
        ({"start": "22:00", "end": "02:30"}, _rome(2026, 10, 24, 23), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        # Across midnight on an ordinary night: 07:00 CET is 06:00 UTC.
        ({"start": "22:00", "end": "07:00"}, _rome(2026, 3, 19, 1), datetime(2026, 3, 19, 6, 0, tzinfo=UTC)),
        # Within one day (start before end).
        ({"start": "12:00", "end": "14:00"}, _rome(2026, 3, 19, 13), datetime(2026, 3, 19, 13, 0, tzinfo=UTC)),
    ],
)
def test_the_period_ends_on_the_wall_clock_whatever_dst_does(quiet, at, expected):
    hours = QuietHours(**quiet, timezone="Europe/Rome")
    assert hours.is_quiet(at) and hours.ends(at) == expected
    assert not hours.is_quiet(expected) and hours.is_quiet(expected - timedelta(minutes=1))


def test_a_start_in_the_skipped_hour_begins_at_the_first_instant_after_it():
    hours = QuietHours(start="02:30", end="05:00", timezone="Europe/Rome")
    assert not hours.is_quiet(datetime(2026, 3, 29, 0, 59, tzinfo=UTC))  # 01:59 CET
    assert hours.is_quiet(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))  # 03:00 CEST


def test_without_a_timezone_the_period_is_on_the_teams_clock(tmp_path):
    config, store, out = _setup(tmp_path, {"start": "22:00", "end": "07:00"})
    config.digest.timezone = "Asia/Seoul"
    seoul = ZoneInfo("Asia/Seoul")
    warning = _decided("warning", datetime(2026, 3, 18, 23, tzinfo=seoul))
    assert _run(config, store, [warning], now=datetime(2026, 3, 18, 23, 5, tzinfo=seoul)).held_quiet == 1
    assert _sent(out) == []
    store.close()


@pytest.mark.parametrize(
    ("quiet", "words"),
    [
        ("{start: 22:00, end: '07:00'}", ['write it in quotes: start: "22:00"']),
        ("{start: '25:00', end: '07:00'}", ["is not a time of day", "HH:MM"]),
        ("{start: '22:00', end: '07:00', timezone: Europe/Roma}", ["not an IANA time zone", "Europe/Rome"]),
        ("{start: '22:00', end: '22:00'}", ["both 22:00"]),
        ("{start: '22:00', end: '07:00', min_severity: loud}", ["min_severity"]),
        ("{start: '22:00'}", ["end", "required"]),
    ],
)
def test_bad_quiet_hours_are_a_config_error_naming_the_channel(tmp_path, quiet, words):
    path = tmp_path / "g.yaml"
    path.write_text(
        "brands: [{name: Acme, query: acme}]\nsources: []\nchannels:\n  - type: console\n    name: oncall\n"
        f"    quiet_hours: {quiet}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "oncall" in message and "quiet_hours" in message, message
    for word in words:
        assert word in message, message


def _of(alert: Alert, opener: Alert | None = None) -> Alert:
    """`alert` in `opener`'s incident (its own when None: it opens one)."""
    return alert.model_copy(update={"incident_id": opener.id if opener else alert.id})


def test_an_escalation_in_quiet_hours_takes_its_held_opener_and_updates_first(tmp_path):
    # The review's case: a warning opened the incident at 23:00, a warning update at 23:30, it turned critical at
    # 00:00. Before, the critical went alone at 00:05 (the channel heard of the crisis by an "Update") and the opener
    # went next morning, threaded under it. A warning update decided after the critical still waits for the morning.
    config, store, out = _setup(tmp_path, NIGHT)
    opener = _of(_decided("warning", _rome(2026, 3, 18, 23)))
    growing = _of(_decided("warning", _rome(2026, 3, 18, 23, 30)), opener)
    critical = _of(_decided("critical", _rome(2026, 3, 19, 0)), opener)
    later = _of(_decided("warning", _rome(2026, 3, 19, 0, 2)), opener)
    night = _run(config, store, [opener, growing, critical, later], now=_rome(2026, 3, 19, 0, 5))
    assert _sent(out) == [opener.id, growing.id, critical.id]
    assert night.sent == 3 and night.held_quiet == 1 and night.channels["oncall"].held[0].startswith(later.id)
    morning = _run(config, store, [], now=_rome(2026, 3, 19, 7, 5))
    assert _sent(out) == [opener.id, growing.id, critical.id, later.id] and morning.sent == 1
    store.close()


def test_an_opener_held_in_an_earlier_run_goes_before_the_escalation_of_a_later_one(tmp_path):
    config, store, out = _setup(tmp_path, NIGHT)
    opener = _of(_decided("warning", _rome(2026, 3, 18, 23)))
    assert _run(config, store, [opener], now=_rome(2026, 3, 18, 23, 5)).held_quiet == 1 and _sent(out) == []
    critical = _of(_decided("critical", _rome(2026, 3, 19, 1)), opener)
    assert _run(config, store, [critical], now=_rome(2026, 3, 19, 1, 5)).sent == 2
    assert _sent(out) == [opener.id, critical.id]
    assert _run(config, store, [], now=_rome(2026, 3, 19, 7, 5)).sent == 0  # nothing owed in the morning
    store.close()


def test_with_pending_reads_quiet_hours_only_for_alerts_near_the_day_limit(tmp_path, monkeypatch):
    # 1,200 stored night alerts over 300 days. Before, `with_pending` worked out the end of the quiet period of
    # every one of them (2.4 s); only one decided within a day and a period of the cutoff can be offered.
    from alerts.deliver import with_pending  # lazy: only this test calls it directly

    config, store, _ = _setup(tmp_path, NIGHT)
    stored = [
        _decided("warning", datetime(2025, 6, 1, hour, 30, tzinfo=UTC) + timedelta(days=day))
        for day in range(300) for hour in (21, 23, 2, 5)
    ]
    save_alerts(store, stored)
    now = max(a.window_end for a in stored) + timedelta(hours=12)
    recent = [a for a in stored if a.window_end >= now - timedelta(hours=24)]
    near = [a for a in stored if now - timedelta(hours=24 + 25) <= a.window_end < now - timedelta(hours=24)]
    calls = []
    ends = QuietHours.ends

    def counted(self, when, default_tz="UTC"):
        calls.append(when)
        return ends(self, when, default_tz)

    monkeypatch.setattr(QuietHours, "ends", counted)  # a spy on the real method: it counts, it changes nothing
    offered = with_pending([], stored, config.channels, store, now, config.digest.timezone)
    assert 0 < len(calls) <= len(near) < 10
    assert recent and {a.id for a in recent} <= {a.id for a in offered} <= {a.id for a in recent + near}
    store.close()


def _stepped_ends(hours: QuietHours, first: datetime, minutes: int) -> dict[datetime, datetime]:
    """The end of the period for every quiet whole minute from `first`, by walking the wall clock a minute at a
    time (how `ends` worked before it computed the end): the reference."""
    quiet = [hours.is_quiet(first + timedelta(minutes=i)) for i in range(minutes + 26 * 60)]
    out, next_free = {}, None
    for i in range(len(quiet) - 1, -1, -1):
        if quiet[i] and i < minutes and next_free is not None:
            out[first + timedelta(minutes=i)] = first + timedelta(minutes=next_free)
        if not quiet[i]:
            next_free = i
    return out


@pytest.mark.parametrize("quiet", [{"start": "22:00", "end": "02:30"}, {"start": "02:30", "end": "05:00"}])
def test_the_computed_end_is_the_minute_walks_over_a_year_in_a_dst_zone(quiet):
    # Both DST nights of 2026 in Rome, every minute; the rest of the year every 37th minute. An end (or a start) in
    # the hour skipped in March and repeated in October.
    hours = QuietHours(**quiet, timezone="Europe/Rome")
    first = datetime(2026, 1, 1, tzinfo=UTC)
    reference = _stepped_ends(hours, first, 365 * 24 * 60)
    dst = [(datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 29, 12, tzinfo=UTC)),
           (datetime(2026, 10, 24, 12, tzinfo=UTC), datetime(2026, 10, 25, 12, tzinfo=UTC))]
    checked = 0
    for when, end in reference.items():
        minute = int((when - first) / timedelta(minutes=1))
        if minute % 37 and not any(low <= when < high for low, high in dst):
            continue
        checked += 1
        assert hours.ends(when) == end, when
        assert hours.ends(when + timedelta(seconds=30)) == end, when  # within the minute: the same end
    assert checked > 1000
