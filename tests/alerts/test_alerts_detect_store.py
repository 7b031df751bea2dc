"""detect_alerts through the real embedded store: explained alerts, stable ids, scheduled runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from alert_series import START, rhythm_series

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from alerts.explain import explore_query
from core.mention import Author, Engagement, Mention, Sentiment
from indexing.sqlite import SqliteStore

CRISIS_AT = 14 * 24 + 15  # day 14, 15:00
VIRAL_AT = 10 * 24 + 13
DAYS = 16


@dataclass
class Brand:
    name: str
    crisis_terms: list[str] = field(default_factory=list)


def _mention(
    i: int,
    hour: int,
    label: str,
    text: str,
    followers: int = 300,
    likes: int = 2,
    lang: str = "en",
    source: str = "reddit",
) -> Mention:
    return Mention(
        source=source,
        native_id=f"{hour}-{i}",
        text=text,
        created_at=START + timedelta(hours=hour, minutes=(i * 7) % 60),
        author=Author(handle=f"user{i % 97}", followers=followers),
        engagement=Engagement(likes=likes),
        brand="Acme",
        lang=lang,
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    )


def corpus() -> list[Mention]:
    negative, total = rhythm_series(days=DAYS, level=8, share=0.15, seed=11)
    rng = np.random.default_rng(2)
    out: list[Mention] = []
    for hour in range(DAYS * 24):
        neg = int(negative[hour])
        for i in range(int(total[hour])):
            if i < neg:
                out.append(_mention(i, hour, "negative", "acme support never answers my tickets"))
            else:
                out.append(_mention(i, hour, "positive" if rng.random() < 0.6 else "neutral", "acme looks nice today"))
    # The crisis: a burst of negative posts about overheating, mostly on X and in Italian.
    for k, n in enumerate([20, 30, 15]):
        for i in range(n):
            out.append(
                _mention(
                    1000 + i,
                    CRISIS_AT + k,
                    "negative",
                    "acme charger overheating, it burned my desk",
                    likes=50 + i,
                    lang="it" if i % 3 else "en",
                    source="x",
                )
            )
    # An influencer complains during the crisis.
    out.append(
        _mention(
            5000,
            CRISIS_AT,
            "negative",
            "acme overheating chargers are dangerous",
            followers=750_000,
            likes=4000,
            source="x",
        )
    )
    # A viral positive moment: volume x10, negatives at their usual share or below.
    for k, n in enumerate([150, 200]):
        for i in range(n):
            label = "negative" if i % 12 == 0 else "positive"
            out.append(_mention(2000 + i, VIRAL_AT + k, label, "acme ad is hilarious, love it"))
    return out


@pytest.fixture(scope="module")
def store():
    s = SqliteStore(":memory:")
    assert all(r.ok for r in s.upsert(corpus()))
    yield s
    s.close()


BRAND = Brand("Acme", ["overheating", "recall"])


def test_whole_history_finds_the_crisis_explained(store):
    alerts = detect_alerts(store, BRAND, AlertsConfig(), dashboard_url="http://dash.local/")
    spikes = [a for a in alerts if a.kind == "spike" and not a.subject]
    crisis = [a for a in spikes if a.window_start == START + timedelta(hours=CRISIS_AT)]
    assert len(crisis) == 1
    # Balanced spends about 0.8 false alerts per brand-week on noise (docs/alerts.md) to catch
    # slow crises early; 16 days of this small brand's noise may hold up to three, never a flood.
    assert len(spikes) - 1 <= 3 and all(a.detector != "count" for a in spikes if a not in crisis)
    spike = crisis[0]
    assert spike.observed >= 20 and spike.expected < 5
    assert spike.top_posts and spike.top_posts[0].followers == 750_000  # ranked by reach
    assert "overheating" in spike.top_terms
    assert set(spike.source_mix) >= {"x"} and set(spike.lang_mix) >= {"it", "en"}
    # The message's link opens the Alerts page on this alert; its Explore link there shows the posts.
    assert parse_qs(urlparse(spike.link).query) == {"alert": [spike.id], "brand": ["Acme"]}
    assert spike.link.startswith("http://dash.local/alerts?")
    query = parse_qs(explore_query(spike))
    assert query["brand"] == ["Acme"] and query["sentiment"] == ["negative"]
    assert query["since"] == [(START + timedelta(hours=CRISIS_AT)).strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert "Acme" in spike.summary and "expected" in spike.summary and "overheating" in spike.summary

    keyword = [a for a in alerts if a.kind == "keyword"]
    assert [a.subject for a in keyword] == ["overheating"]
    assert keyword[0].window_start == spike.window_start
    influencer = [a for a in alerts if a.kind == "influencer"]
    assert len(influencer) == 1 and influencer[0].observed == 750_000
    assert influencer[0].top_posts[0].text.startswith("acme overheating chargers")
    assert any(a.kind == "all_clear" for a in alerts)


def test_viral_positive_moment_does_not_alert(store):
    alerts = detect_alerts(store, BRAND, AlertsConfig(), explained=False)
    viral = START + timedelta(hours=VIRAL_AT)
    assert not [a for a in alerts if a.window_start <= viral + timedelta(hours=2) and a.window_end > viral]


def test_scheduled_run_sees_recent_alerts_with_the_same_ids(store):
    full = {a.id for a in detect_alerts(store, BRAND, AlertsConfig(), explained=False)}
    onset = START + timedelta(hours=CRISIS_AT)
    during = detect_alerts(store, BRAND, AlertsConfig(), now=onset + timedelta(hours=1, minutes=5), explained=False)
    kinds = {a.kind for a in during}
    assert {"spike", "keyword"} <= kinds
    assert {a.id for a in during if a.kind != "influencer"} <= full
    later = detect_alerts(store, BRAND, AlertsConfig(), now=onset + timedelta(hours=12), explained=False)
    assert not [a for a in later if a.kind in ("spike", "keyword")]  # old news is not re-raised
    before = detect_alerts(store, BRAND, AlertsConfig(), now=onset - timedelta(hours=1), explained=False)
    assert [a for a in before if a.kind == "spike"] == []


def test_partial_bucket_is_judged_on_what_has_arrived(store):
    # 20 minutes into the onset hour only part of the burst is stored; the expectation is scaled
    # to a third of an hour instead of comparing a few minutes against a full hour.
    onset = START + timedelta(hours=CRISIS_AT)
    early = detect_alerts(store, BRAND, AlertsConfig(), now=onset + timedelta(minutes=20), explained=False)
    assert [a.window_start for a in early if a.kind == "spike"] == [onset]


def test_disabled_config_returns_nothing(store):
    assert detect_alerts(store, BRAND, AlertsConfig(enabled=False)) == []


def test_split_by_language_finds_a_crisis_confined_to_one_community():
    rng = np.random.default_rng(8)
    mentions: list[Mention] = []
    for lang, level, seed in (("en", 60.0, 21), ("it", 6.0, 22)):
        negative, total = rhythm_series(days=DAYS, level=level, share=0.15, seed=seed)
        for hour in range(DAYS * 24):
            for i in range(int(total[hour])):
                label = "negative" if i < negative[hour] else ("positive" if rng.random() < 0.6 else "neutral")
                mentions.append(_mention(i, hour, label, f"{lang} acme post", lang=lang, source=f"src-{lang}"))
    for k in range(2):  # the Italian community is upset; in the brand's totals it is a ripple
        for i in range(6):
            mentions.append(_mention(700 + i, CRISIS_AT + k, "negative", "acme ci ha deluso", lang="it"))
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(mentions))
        whole = detect_alerts(store, BRAND, AlertsConfig(), explained=False)
        onset = START + timedelta(hours=CRISIS_AT)
        assert not [a for a in whole if a.kind == "spike" and abs(a.window_start - onset) < timedelta(hours=3)]

        split = detect_alerts(store, BRAND, AlertsConfig(split_by=["lang"]), dashboard_url="http://dash.local")
        sliced = [a for a in split if a.kind == "spike" and a.lang is not None]
        # Its window starts in the crisis's first hour (a drift test's run) or its second (the count test).
        assert [a.lang for a in sliced] == ["it"] and sliced[0].window_start in (onset, onset + timedelta(hours=1))
        assert "lang=it" in explore_query(sliced[0]) and "in language 'it' only" in sliced[0].summary
        assert sliced[0].lang_mix == {"it": sliced[0].lang_mix["it"]}  # explained from the slice only
        assert sliced[0].id not in {a.id for a in whole}
    finally:
        store.close()


def test_a_crisis_naming_two_brands_alerts_both():
    """Posts that name two brands count in both brands' series: each brand's detector sees the crisis."""
    out: list[Mention] = []
    for m in corpus():
        if "overheating" in m.text:  # the crisis posts name Globex too
            out.append(Mention.model_validate({**m.model_dump(), "brands": ["Acme", "Globex"]}))
        else:  # each brand has its own everyday posts
            out.append(m)
            other = {**m.model_dump(exclude={"id"}), "native_id": f"g-{m.native_id}", "brands": ["Globex"]}
            out.append(Mention.model_validate(other))
    s = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in s.upsert(out))
        for name in ("Acme", "Globex"):
            spikes = [a for a in detect_alerts(s, Brand(name), AlertsConfig(), explained=False) if a.kind == "spike"]
            assert [a.brand for a in spikes if a.window_start == START + timedelta(hours=CRISIS_AT)] == [name]
    finally:
        s.close()


def test_a_crisis_term_pasted_with_curly_quotes_is_counted_and_a_bad_one_stops_nothing(store):
    # "“overheating”" was read as a phrase ending at the curly quote: the query failed and took the brand's
    # whole detection (spikes, influencers, other terms) down with it. "!!!" is no phrase at all.
    plain = detect_alerts(store, BRAND, AlertsConfig())
    pasted = detect_alerts(store, Brand("Acme", ["“overheating”", "!!!", "recall"]), AlertsConfig())
    assert [a.id for a in pasted if a.kind != "keyword"] == [a.id for a in plain if a.kind != "keyword"]
    (keyword,) = [a for a in pasted if a.kind == "keyword"]
    (expected,) = [a for a in plain if a.kind == "keyword"]
    assert (keyword.subject, keyword.observed, keyword.window_start) == (
        "“overheating”", expected.observed, expected.window_start)
