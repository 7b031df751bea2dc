"""Silent sources (alerts/silence.py): a source that stops bringing a brand's mentions is reported, once, as
soon as the silence is improbable for those hours; a source quiet every night, a new source and a config
without the rule stay silent themselves. Real SQLite store, real detection pass (`pipeline.detect`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.detect import detect_alerts
from core.errors import ConfigError
from core.mention import Author, Mention, Sentiment
from groundswell import pipeline
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
STOP = DAY0 + timedelta(days=3, hours=9)  # x brings nothing from here on


def _post(source: str, when: datetime, n: int) -> Mention:
    return Mention(
        source=source,
        native_id=f"{when:%Y%m%d%H}-{n}",
        text=f"acme post {n}",
        created_at=when + timedelta(minutes=n),
        author=Author(handle=f"user{n}"),
        brand="acme",
        lang="en",
        sentiment=Sentiment(label="neutral", probs={"neutral": 0.9}, model="test"),
    )


def _stream(hours: int, stop: datetime | None = STOP) -> list[Mention]:
    """x: 6 posts an hour from 08:00 to 20:00 UTC, none at night; reddit: 2 an hour around the clock."""
    out = []
    for h in range(hours):
        when = DAY0 + timedelta(hours=h)
        if 8 <= when.hour < 20 and (stop is None or when < stop):
            out += [_post("x", when, n) for n in range(6)]
        out += [_post("reddit", when, n) for n in range(2)]
    return out


def _config(tmp_path: Path, rule: dict | None, sources: list[dict] | None = None) -> object:
    alerts = {"keyword": {"enabled": False}}
    if rule is not None:
        alerts["silence"] = rule
    return parse_config({
        "brands": [{"name": "acme", "query": "acme"}, {"name": "globex", "query": "globex"}],
        "sources": sources or [],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "alerts": alerts,
        "channels": [{"type": "jsonl", "path": str(tmp_path / "alerts.jsonl")}],
    })


@pytest.fixture
def store(tmp_path):
    opened = SqliteStore(tmp_path / "gs.db")
    yield opened
    opened.close()


def _silences(found) -> list:
    return [a for a in found if a.kind == "silence"]


def test_a_source_that_stops_is_reported_once_when_its_silence_is_improbable(tmp_path, store):
    assert all(r.ok for r in store.upsert(_stream(24 * 3 + 14)))
    config = _config(tmp_path, {"enabled": True})
    # 09:00-11:00 without x: 12 expected (6 an hour at those hours), p = e^-12; one hour alone (6) is not enough.
    assert _silences(pipeline.detect(config, store, now=STOP + timedelta(hours=1))) == []
    (alert,) = _silences(pipeline.detect(config, store, now=STOP + timedelta(hours=2)))
    assert (alert.source, alert.window_start, alert.window_end) == ("x", STOP, STOP + timedelta(hours=2))
    assert (alert.observed, alert.expected, alert.severity) == (0.0, 12.0, "warning")
    assert alert.p_value == pytest.approx(6.1e-6, rel=0.01)
    assert alert.summary.startswith("[acme on x only] acme: no mentions from x for 2 h (since 2026-03-05 09:00 UTC)")
    assert "where 12 were expected at those hours (Poisson p = 6.1e-06)" in alert.summary
    assert "groundswell collect --source x" in alert.summary
    everything = _silences(detect_alerts(store, config.brands[0], config.alerts))
    assert [(a.id, a.source) for a in everything] == [(alert.id, "x")]  # reddit, still arriving, is not silent
    assert pipeline.notify(config, store, [alert], now=STOP + timedelta(hours=2)).sent == 1  # the run's clock
    sent = json.loads((tmp_path / "alerts.jsonl").read_text().splitlines()[0])
    assert sent["kind"] == "silence" and sent["source"] == "x"
    # The silence goes on: later runs find the same one (same id), never a second alert, and send nothing.
    for hours in (3, 4, 5):
        later = _silences(pipeline.detect(config, store, now=STOP + timedelta(hours=hours)))
        assert {a.id for a in later} <= {alert.id}
        assert pipeline.notify(config, store, later, now=STOP + timedelta(hours=hours)).sent == 0


def test_the_hour_still_running_counts_only_for_its_part_already_past(tmp_path, store):
    """min_hours and the text measure the silence up to the run's time, not to the end of the running hour."""
    assert all(r.ok for r in store.upsert(_stream(24 * 3 + 14)))
    config = _config(tmp_path, {"enabled": True, "min_expected": 5})
    # 09:05, silent since 09:00 the hour before: 1 h 5 min < min_hours (2), though 6.5 posts were due.
    assert _silences(pipeline.detect(config, store, now=STOP + timedelta(hours=1, minutes=5))) == []
    longer = _config(tmp_path, {"enabled": True, "min_expected": 5, "min_hours": 2.5})
    (alert,) = _silences(pipeline.detect(longer, store, now=STOP + timedelta(hours=2, minutes=40)))
    assert (alert.window_start, alert.window_end) == (STOP, STOP + timedelta(hours=2, minutes=40))
    assert alert.expected == 16.0  # 6 + 6 + 4 (two thirds of 11:00-12:00)
    assert "no mentions from x for 2 h 40 min (since 2026-03-05 09:00 UTC)" in alert.summary
    (later,) = _silences(pipeline.detect(longer, store, now=STOP + timedelta(hours=3, minutes=5)))
    assert later.id == alert.id  # the same silence, the same alert


X = {"type": "x", "options": {"bearer_token_env": "X_BEARER_TOKEN"}}
REDDIT = {"type": "reddit", "options": {"subreddits": ["acme"]}}


@pytest.mark.parametrize(("sources", "silent"), [
    ([X, REDDIT], ["x"]),  # still collected: its silence is a broken collector
    ([REDDIT], []),  # x removed from the config: its silence is expected
    ([{**X, "brands": ["globex"]}, REDDIT], []),  # x narrowed to another brand
    ([X, REDDIT, {"type": "import", "options": {"path": "old.jsonl"}}], ["x"]),  # an import: cannot tell
])
def test_only_a_source_the_config_still_collects_can_be_silent(tmp_path, store, sources, silent):
    assert all(r.ok for r in store.upsert(_stream(24 * 3 + 14)))
    config = _config(tmp_path, {"enabled": True}, sources)
    found = _silences(pipeline.detect(config, store, now=STOP + timedelta(hours=2)))
    assert [a.source for a in found] == silent


def test_quiet_nights_new_sources_and_a_config_without_the_rule_raise_nothing(tmp_path, store):
    assert all(r.ok for r in store.upsert(_stream(24 * 3 + 8, stop=None)))  # x quiet every night, never stopped
    config = _config(tmp_path, {"enabled": True})
    assert _silences(detect_alerts(store, config.brands[0], config.alerts)) == []
    young = SqliteStore(tmp_path / "young.db")
    try:  # x stops on its first day: no whole day of history says what its usual is
        assert all(r.ok for r in young.upsert(_stream(14, stop=DAY0 + timedelta(hours=10))))
        assert _silences(detect_alerts(young, config.brands[0], config.alerts)) == []
    finally:
        young.close()
    assert all(r.ok for r in store.upsert(_stream(24 * 3 + 14)))
    off = _config(tmp_path, None)  # opt-in: without `alerts.silence.enabled` nothing runs
    assert _silences(detect_alerts(store, off.brands[0], off.alerts)) == []


def test_a_long_silence_is_critical_and_never_joins_a_crisis_incident(tmp_path, store):
    assert all(r.ok for r in store.upsert(_stream(24 * 4)))  # x stops at 09:00 on day 4, for good
    config = _config(tmp_path, {"enabled": True, "min_expected": 10, "min_hours": 6})
    (alert,) = _silences(detect_alerts(store, config.brands[0], config.alerts))
    assert alert.window_end - alert.window_start == timedelta(hours=6) and alert.expected == 36.0
    assert alert.severity == "warning"
    loud = _config(tmp_path, {"enabled": True, "min_expected": 5, "min_hours": 5})
    (early,) = _silences(detect_alerts(store, loud.brands[0], loud.alerts))
    assert early.severity == "critical" and early.expected == 30.0  # 6 x min_expected
    assert early.incident_id == early.id  # its own thread: it opens its own incident


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"min_expected": 0}, r"alerts\.silence\.min_expected: Input should be greater than 0"),
        ({"min_hours": -1}, r"alerts\.silence\.min_hours: Input should be greater than 0"),
        ({"baseline_days": 0}, r"alerts\.silence\.baseline_days: Input should be greater than or equal to 1"),
        ({"enable": True}, r"alerts\.silence\.enable"),
    ],
)
def test_a_bad_rule_names_the_field(tmp_path, rule, message):
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, rule)
