"""Alert wording a manager reads without a statistician: what an influencer alert measured, what a
slow drift's expected count is for, and the brand's own names never offered as key phrases.

Real detectors (`detect_influencers`, `detect_spikes`), a real SQLite store for explanations, and every
channel's rendering (`alerts.render`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from alert_series import add_negative, rhythm_series, series

from alerts.config import AlertsConfig, InfluencerRule, SpikeRule
from alerts.detect import detect_alerts
from alerts.explain import explain, summarize
from alerts.influencer import detect_influencers
from alerts.render import as_slack, as_teams, as_text, facts
from alerts.spike import detect_spikes
from core.alert import Alert
from core.mention import Author, Engagement, Mention, Sentiment
from indexing.sqlite import SqliteStore

CRISIS_AT = 16 * 24 + 15  # day 16, 15:00 (as in test_alerts_spike.py)
WORDS = ["awful", "dangerous", "smoke", "hot", "scary", "fire", "refund", "help", "broken", "worried"]


def _negative_post(followers: int) -> Mention:
    return Mention(
        source="x", native_id="p1", text="Lumora Halo broke after a week, support is awful", brand="Lumora",
        created_at=datetime(2026, 11, 4, 1, 20, tzinfo=UTC), author=Author(handle="big", followers=followers),
        engagement=Engagement(likes=40), sentiment=Sentiment(label="negative", probs={"negative": 0.9}, model="t"),
    )  # fmt: skip


def _rendered(a: Alert) -> list[str]:
    slack = as_slack(a)
    return [as_text(a), str(slack["blocks"]), str(as_teams(a)), " ".join(f"{k}: {v}" for k, v in facts(a))]


def test_an_influencer_alert_says_its_reach_in_words():
    """It rendered "Observed / expected 672,611 / 50,000" and "Test followers, score 13.5": a test that
    never ran, a score that is only the ratio. The row now says what was measured."""
    (found,) = detect_influencers([_negative_post(672_611)], "Lumora", InfluencerRule(min_followers=50_000))
    alert = found.alert
    assert dict(facts(alert))["Reach"] == "672,611 followers, over the 50,000 threshold"
    for shown in _rendered(alert):
        assert "Observed / expected" not in shown and "score 13.5" not in shown and "followers, score" not in shown
        assert "672,611 followers, over the 50,000 threshold" in shown
    # A counted alert keeps its rows: a count against the expected one, judged by a test.
    negative, total = rhythm_series()
    add_negative(negative, total, CRISIS_AT, [25, 30])
    spike = next(d.alert for d in detect_spikes(series(negative, total), "acme") if d.alert.detector == "count")
    rows = dict(facts(spike))
    assert "Reach" not in rows and rows["Test"].startswith("negative_binomial, score")
    assert rows["Observed / expected"] == f"{spike.observed:,.0f} / {spike.expected:.3g}"


def test_an_influencer_at_the_threshold_is_at_it():
    (found,) = detect_influencers([_negative_post(50_000)], "Lumora", InfluencerRule(min_followers=50_000))
    assert dict(facts(found.alert))["Reach"] == "50,000 followers, at the 50,000 threshold"


def test_a_slow_drift_says_what_its_expected_count_is_for():
    """The demo's CUSUM alert over 00:00–02:00 said "5.9× the 1.0 expected for this hour and weekday":
    its expected count is the run's, over every hour of it."""
    negative, total = rhythm_series(level=80)
    add_negative(negative, total, CRISIS_AT - 8, [2, 4, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10])
    found = detect_spikes(series(negative, total), "acme", SpikeRule(slow="cusum"))
    drift = next(d.alert for d in found if d.alert.detector == "cusum" and d.bucket >= CRISIS_AT - 8)
    hours = (drift.window_end - drift.window_start) / timedelta(hours=1)
    assert hours >= 2
    text = summarize(drift)
    assert f"expected for these {hours:g} hours at this time of day and weekday (a CUSUM drift test" in text, text
    assert "for this hour" not in text


def test_one_bucket_keeps_its_hour_and_a_day_bucket_its_weekday():
    negative, total = rhythm_series()
    add_negative(negative, total, CRISIS_AT, [25, 30])
    spike = next(d.alert for d in detect_spikes(series(negative, total), "acme") if d.alert.detector == "count")
    assert "expected for this hour and weekday (negative binomial test" in summarize(spike)
    day = spike.model_copy(update={"window_end": spike.window_start + timedelta(days=1)})
    assert "expected for this weekday (" in summarize(day)


def _mention(key: str, at: datetime, text: str, label: str, matched: str) -> Mention:
    return Mention(source="x", native_id=key, text=text, created_at=at, brands=["Lumora"], matches={"Lumora": matched},
                   lang="en", sentiment=Sentiment(label=label, probs={label: 0.9}, model="t"))  # fmt: skip


def _crisis_store(matched: str) -> SqliteStore:
    """Two weeks of everyday talk about the Halo, then an hour of complaints about the Pulse (its alias)."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rng = np.random.default_rng(5)
    posts = []
    for h in range(14 * 24):
        for i in range(int(rng.poisson(3))):
            label = "negative" if i == 0 and h % 3 == 0 else "positive"
            text = "Lumora Halo support was slow today" if label == "negative" else "Lumora Halo sounds lovely"
            posts.append(_mention(f"b{h}-{i}", start + timedelta(hours=h, minutes=10 * i), text, label, "Lumora"))
    crisis = start + timedelta(days=14, hours=12)
    for i in range(20):
        text = f"Pulse overheating! {WORDS[i % len(WORDS)]} {i}"
        posts.append(_mention(f"c{i}", crisis + timedelta(minutes=2 * i), text, "negative", matched))
    store = SqliteStore(":memory:")
    assert all(r.ok for r in store.upsert(posts))
    return store


def _crisis_alert() -> Alert:
    at = datetime(2026, 11, 15, 12, tzinfo=UTC)
    return Alert(kind="spike", brand="Lumora", window_start=at, window_end=at + timedelta(hours=1), observed=20,
                 expected=1.0, statistic="negative_binomial", score=8.0, p_value=1e-8)  # fmt: skip


def test_an_alias_that_found_the_posts_is_no_key_phrase():
    """Posts matched only by the alias "Pulse" store "alias: Pulse" as what matched: not a query, so its
    words used to stay in and "pulse" led the key phrases. It is the brand's own name."""
    store = _crisis_store("alias: Pulse")
    try:
        alert = explain(_crisis_alert(), store)
    finally:
        store.close()
    assert alert.key_phrases == ["overheating"]  # was ["pulse overheating"]
    assert "pulse" not in alert.top_terms


class _Brand:
    name = "Lumora"
    crisis_terms: list[str] = []
    aliases = ["Pulse"]


def test_a_configured_alias_is_no_key_phrase_in_detected_alerts():
    """Posts that the query matched too carry the query as what matched, not the alias: the brand's
    configured aliases (`BrandConfig.aliases`) are its own names all the same."""
    store = _crisis_store("Lumora")
    try:
        config = AlertsConfig(keyword={"enabled": False}, influencer={"enabled": False})
        spikes = [a for a in detect_alerts(store, _Brand(), config) if a.kind == "spike"]
    finally:
        store.close()
    assert spikes
    for a in spikes:
        assert a.key_phrases == ["overheating"] and "pulse" not in a.top_terms

