"""An alert's "usually" never counts its own crisis (alerts/explain.py, alerts/incidents.py `usual_ends`).

The demo's "Still growing" alert three hours into the battery crisis said "… 100% of the surge vs 30%
usually": the explanation's usual ended at the escalation's own window, so it held the crisis's first
hours, and each follow-up of the episode looked less unusual than the one before (15% → 18% → 30%).
The spike detector keeps an episode's buckets out of the baseline its follow-ups are judged against;
the explanation now does too: a follow-up's usual ends where its episode began.

Real `detect_alerts` on a real SQLite store: two weeks of everyday talk, then a crisis on X about an
overheating charger growing over three hours (the spike, then escalations; the crisis term's alert every
hour). Every "usually" figure (themes up, unusual mix) is checked against counts taken from the store
over the days before the crisis began.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pytest
from alert_series import START, rhythm_series

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from core.alert import Alert, Shift
from core.mention import Author, Mention, Sentiment
from indexing.base import Filters
from indexing.sqlite import SqliteStore

DAYS = 16
CRISIS_AT = 14 * 24 + 12  # day 14, 12:00
WAVES = [8, 20, 50, 120]  # negatives about the charger, hour by hour: each wave at least twice the last
SUPPORT, LOOKS, CHARGER = "support tickets", "looks", "charger overheating"


@dataclass
class Brand:
    name: str
    crisis_terms: list[str] = field(default_factory=list)


def _mention(key: str, hour: int, minute: int, label: str, text: str, theme: str, source: str) -> Mention:
    return Mention(
        source=source,
        native_id=key,
        text=text,
        created_at=START + timedelta(hours=hour, minutes=minute),
        author=Author(handle=f"user{hash(key) % 97}", followers=300),
        brand="Acme",
        lang="en",
        themes=[theme],
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    )


def _corpus() -> list[Mention]:
    """Everyday talk: support complaints (mostly on Reddit, some on X) and praise; then the crisis on X."""
    negative, total = rhythm_series(days=DAYS, level=8, share=0.2, seed=7)
    rng = np.random.default_rng(3)
    out: list[Mention] = []
    for hour in range(DAYS * 24):
        neg = int(negative[hour])
        for i in range(int(total[hour])):
            source = "x" if rng.random() < 0.2 else "reddit"
            if i < neg:
                text = f"acme support never answers my tickets {hour} {i}"
                out.append(_mention(f"n{hour}-{i}", hour, (i * 7) % 60, "negative", text, SUPPORT, source))
            else:
                text = f"acme looks nice today {hour} {i}"
                out.append(_mention(f"p{hour}-{i}", hour, (i * 7) % 60, "positive", text, LOOKS, source))
    for k, n in enumerate(WAVES):
        for i in range(n):
            text = f"acme charger overheating, it burned my desk {k} {i}"
            out.append(_mention(f"c{k}-{i}", CRISIS_AT + k, (i * 3) % 60, "negative", text, CHARGER, "x"))
    return out


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[list[Alert], dict[str, dict[str, float]]]]:
    """The explained alerts, and the usual shares counted in the store for each spike alert (by id)."""
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(_corpus()))
        # The crisis term alerts every hour of the crisis (no cooldown): follow-ups of the same incident.
        config = AlertsConfig(keyword={"cooldown_buckets": 0})
        found = detect_alerts(store, Brand("Acme", ["overheating"]), config)
        starts = {a.id: a.window_start for a in found if a.kind == "spike" and a.id == a.episode_id}
        yield found, {a.id: _counted_usual(store, starts[a.episode_id]) for a in found if a.kind == "spike"}
    finally:
        store.close()


@pytest.fixture(scope="module")
def alerts(run) -> list[Alert]:
    return run[0]


@pytest.fixture(scope="module")
def counted(run) -> dict[str, dict[str, float]]:
    return run[1]


def _counted_usual(store: SqliteStore, start: datetime) -> dict[str, float]:
    """Shares among the negatives before `start`: X's over the 14 baseline days (the mix), the charger
    theme's over the 7 days before (the rising-themes rule's span)."""
    mix = Filters(brand="Acme", sentiment="negative", since=start - timedelta(days=14), until=start)
    week = mix.replace(since=start - timedelta(days=7))
    return {
        "x": store.count(mix.replace(source="x")) / store.count(mix),
        CHARGER: store.count(week.replace(theme=CHARGER)) / store.count(week),
    }


def _spikes(alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if a.kind == "spike"]


def _shift(a: Alert, dimension: str, value: str) -> Shift:
    return next(s for s in a.shifts if s.dimension == dimension and s.value == value)


def _usual(a: Alert, dimension: str, value: str) -> float:
    return _shift(a, dimension, value).usual_share


def test_the_crisis_is_one_episode_opened_then_escalated(alerts):
    spikes = _spikes(alerts)
    assert [a.window_start for a in spikes] == [START + timedelta(hours=CRISIS_AT + k) for k in range(len(WAVES))]
    opener, *followups = spikes
    assert opener.episode_id == opener.id and followups
    assert all(a.episode_id == opener.id and a.subject.startswith("escalation") for a in followups)


def test_a_followup_is_compared_with_the_days_before_its_crisis_began(alerts, counted):
    """Each escalation's "usually" (the charger theme's share, X's share of the negatives) is what the
    store held before 12:00, the same for every update: not the crisis's own first hours (with them, the
    theme's usual share crept from none to 4%, 13% and 30% over the three updates, X's from 22% to 37%)."""
    opener, *followups = _spikes(alerts)
    for a in followups:
        assert _usual(a, "theme", CHARGER) == pytest.approx(counted[a.id][CHARGER], abs=1e-4) == 0.0
        assert _usual(a, "source", "x") == pytest.approx(counted[a.id]["x"], abs=1e-4)
        assert _usual(a, "source", "x") == _usual(opener, "source", "x")  # it does not creep
        theme, x = _shift(a, "theme", CHARGER), _shift(a, "source", "x")
        assert f"“{CHARGER}” {theme.share:.0%} of the surge vs none usually" in a.summary
        assert f"x {x.share:.0%} of the surge vs {counted[a.id]['x']:.0%} usually" in a.summary


def test_the_first_alert_of_an_episode_is_compared_with_the_days_before_its_window(alerts, counted):
    opener = _spikes(alerts)[0]
    assert _usual(opener, "source", "x") == pytest.approx(counted[opener.id]["x"], abs=1e-4)
    assert _usual(opener, "theme", CHARGER) == 0.0


def test_a_crisis_term_alert_during_the_episode_is_compared_with_the_days_before_it(alerts):
    """The keyword alerts of the crisis's later hours belong to its incident: their theme, told as counts
    (the term was hardly used before), is against the week before 12:00, and says so. Before, the 13:00
    alert's week held the 12:00 hour's 8 posts ("8 such mentions in the 7 days before, all of them in it")."""
    keywords = [a for a in alerts if a.kind == "keyword"]
    assert [a.window_start for a in keywords] == [START + timedelta(hours=CRISIS_AT + k) for k in range(len(WAVES))]
    first, *later = keywords
    for a in later:
        assert a.incident_id == first.incident_id
    # Told as counts, the theme was on no field of the alert: a summary names only themes `top_themes` holds
    # (docs/alerts.md, "Themes up"), so these name none.
    for a in keywords:
        assert f"in “{CHARGER}”" not in a.summary and "Theme:" not in a.summary and a.top_themes == [], a.summary
