"""A brand new to the store, judged by scheduled runs on a real SQLite store: its history starts at its first
post, not at two weeks of zeros before it (`alerts.history_start`), so a scheduled run says what a `--history`
run says: no spike from a few hours of data, "learning: N days" with the days it really has, and never the
share's prior as the brand's "usual" share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts, detections
from alerts.render import facts
from core.mention import Author, Mention, Sentiment
from indexing.sqlite import SqliteStore

FIRST = datetime(2026, 2, 2, 19, 30, tzinfo=UTC)  # the brand's first post: a Monday evening
HOURS = 3 * 24 + 4  # until Thursday 23:30
BURST = FIRST + timedelta(minutes=150)  # 22:00 on its first evening: 7 negative posts in the hour
CRISIS = datetime(2026, 2, 3, 21, 0, tzinfo=UTC)  # Tuesday: 25.5 hours in, before its second midnight
WAVE = datetime(2026, 2, 5, 20, 0, tzinfo=UTC)  # 3 days in


@dataclass
class Brand:
    name: str = "Newco"
    crisis_terms: list[str] = field(default_factory=list)


def _post(key: str, at: datetime, label: str, text: str = "newco thing") -> Mention:
    return Mention(
        source="x",
        native_id=key,
        text=text,
        created_at=at,
        author=Author(handle=f"u{key}", followers=100),
        brand="Newco",
        lang="en",
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    )


def corpus() -> list[Mention]:
    """About 8 posts an hour, 15% negative, from FIRST on; negative bursts at BURST, CRISIS and WAVE."""
    rng = np.random.default_rng(7)
    out: list[Mention] = []
    for h in range(HOURS):
        start = FIRST + timedelta(hours=h)
        n = int(rng.poisson(8))
        for i in range(n):
            label = "negative" if rng.random() < 0.15 else "neutral"
            out.append(_post(f"{h}-{i}", start + timedelta(minutes=(i * 53) % 60), label))
    for at, n in ((BURST, 7), (CRISIS, 30), (WAVE, 30)):
        out += [_post(f"burst-{at:%d%H}-{i}", at + timedelta(minutes=i), "negative", "newco burned") for i in range(n)]
    return out


@pytest.fixture(scope="module")
def store():
    s = SqliteStore(":memory:")
    assert all(r.ok for r in s.upsert(corpus()))
    yield s
    s.close()


def _spikes(alerts):
    return {a.id: a for a in alerts if a.kind == "spike"}


def test_first_evening_burst_is_not_judged_against_weeks_of_zeros(store):
    # 3.5 hours after its first post: the run used to fill the two weeks before it with zeros, fit "14.0 days of
    # history" on them and send "7 negative mentions, 46.7x the 0.1 expected, negative share 44% vs 10% usually".
    now = BURST.replace(minute=0) + timedelta(hours=1, minutes=5)
    assert _spikes(detect_alerts(store, Brand(), AlertsConfig(), now=now)) == {}


def test_scheduled_runs_say_what_the_history_run_says(store):
    """Each hourly run's spikes are the history run's, with the same ids and days of history, and none claims
    more days than the brand has had."""
    full = {d.alert.id: d for d in detections(store, Brand(), AlertsConfig(), explained=False)}
    seen: dict[str, float | None] = {}
    now = FIRST.replace(minute=0) + timedelta(hours=2, minutes=5)
    while now < FIRST + timedelta(hours=HOURS):
        for a in detect_alerts(store, Brand(), AlertsConfig(), now=now, explained=False):
            if a.kind != "spike":
                continue
            assert a.id in full, f"{now}: {a.summary}"
            assert a.baseline_days == full[a.id].alert.baseline_days
            assert a.baseline_days <= (a.window_start - FIRST) / timedelta(days=1)
            seen[a.id] = a.baseline_days
        now += timedelta(hours=1)
    assert seen, "the planted crises were never raised"
    assert set(seen) == {i for i, d in full.items() if d.alert.kind == "spike"}


def test_no_baseline_learnt_from_a_few_hours_is_kept_all_day(store):
    # Its data began at 19:30 on Monday: at Tuesday's midnight refit it has 4.5 hours of it, under the day a
    # baseline needs, so no hourly run judges Monday evening or Tuesday (Tuesday's refit used to count two weeks of
    # zeros as history and keep that baseline all day). Wednesday's midnight refit has 28.5 hours: from then on it
    # is judged, learning. (Until then only the first-day rule speaks, on counts and shares: alerts/first_day.py.)
    now = FIRST.replace(minute=0) + timedelta(hours=1, minutes=5)
    while now < datetime(2026, 2, 4, tzinfo=UTC):
        found = _spikes(detect_alerts(store, Brand(), AlertsConfig(), now=now, explained=False))
        assert all(a.detector == "first_day" for a in found.values()), now
        now += timedelta(hours=1)
    every = [a for a in detect_alerts(store, Brand(), AlertsConfig(), explained=False) if a.kind == "spike"]
    spikes = [a for a in every if a.detector != "first_day"]
    assert spikes and min(a.window_start for a in spikes) >= datetime(2026, 2, 4, tzinfo=UTC)
    assert all(1.0 <= a.baseline_days < 3.5 for a in spikes)


def test_a_learning_brand_says_so_and_never_calls_a_short_history_usual(store):
    now = WAVE + timedelta(hours=1, minutes=5)
    spike = next(a for a in detect_alerts(store, Brand(), AlertsConfig(), now=now) if a.kind == "spike")
    days = f"{spike.baseline_days:g} days of history"
    assert spike.baseline_days < 3.2
    # The days its baseline learnt from, to the UTC midnight it was refitted at, not to the alert's window.
    refit = spike.window_start.replace(hour=0, minute=0)
    assert f"learning: {days} before {refit.day} {refit:%b} 00:00 UTC)" in spike.summary
    assert "vs" in spike.summary and "in that history." in spike.summary and "usually" not in spike.summary
    share = dict(facts(spike))["Negative share"]
    assert share.endswith("so far, learning)") and "usually" not in share


def test_a_share_learnt_from_a_handful_of_posts_is_not_called_the_brands(tmp_path):
    # Five neutral posts over two days, then a burst of negatives: the usual share would be (0 + 1) / (5 + 10),
    # the prior's 10% barely moved, stated as the brand's own.
    s = SqliteStore(tmp_path / "tiny.db")
    posts = [_post(f"q{i}", FIRST + timedelta(hours=10 * i), "neutral") for i in range(5)]
    burst = FIRST + timedelta(days=2, hours=3)
    posts += [_post(f"b{i}", burst + timedelta(minutes=2 * i), "negative", "newco burned") for i in range(8)]
    assert all(r.ok for r in s.upsert(posts))
    spikes = [a for a in detect_alerts(s, Brand(), AlertsConfig(), now=burst + timedelta(hours=1, minutes=5))
              if a.kind == "spike"]
    assert spikes and spikes[0].expected_share is None
    assert "usual share is not known yet" in spikes[0].summary and "usually" not in spikes[0].summary
    assert "usually" not in dict(facts(spikes[0]))["Negative share"]
    s.close()
