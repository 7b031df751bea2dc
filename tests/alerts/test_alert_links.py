"""An alert's explanation and its Explore link show exactly the posts its detector counted.

Real detection and explanation over the embedded store, saved to the alert history, then read through
the dashboard's API: the Alerts page's link (`explore`) is fed to /api/search as the Explore page does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlparse

import pytest
from fastapi.testclient import TestClient

from alerts.config import AlertsConfig, KeywordRule
from alerts.detect import detect_alerts
from alerts.explain import explore_query
from alerts.history import save_alerts
from core.mention import Author, Engagement, Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

START = datetime(2026, 6, 1, tzinfo=UTC)
BURST_AT = 7 * 24 + 15  # day 7, 15:00
# The crisis term in the news: mostly neutral or positive reports, two angry posts, two languages.
BURST = [
    ("neutral", "en", "x", "Acme announces a recall of the K2 kettle"),
    ("neutral", "en", "reddit", "Acme recall: K2 kettles can overheat, check your serial"),
    ("positive", "en", "x", "Good on Acme for the quick recall"),
    ("neutral", "es", "x", "Acme anuncia un recall de la tetera K2"),
    ("neutral", "es", "reddit", "recall de Acme: revisa tu tetera"),
    ("negative", "en", "x", "Acme recall again?! my kettle burned my counter"),
    ("neutral", "en", "x", "Acme recall details posted on their site"),
    ("positive", "es", "x", "Bien por Acme y su recall rápido"),
    ("negative", "es", "reddit", "Otro recall de Acme, qué vergüenza"),
    ("neutral", "en", "reddit", "Acme recall FAQ: refunds or replacement"),
]


def _mention(key: str, hour: int, label: str, text: str, lang: str = "en", source: str = "x", likes: int = 1):
    return Mention(
        source=source,
        native_id=key,
        text=text,
        created_at=START + timedelta(hours=hour, minutes=len(key) % 50),
        author=Author(handle=f"u{key}", followers=100),
        engagement=Engagement(likes=likes),
        brand="Acme",
        lang=lang,
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    )


def corpus() -> list[Mention]:
    out = []
    for hour in range(8 * 24):
        out += [_mention(f"c{hour}-{i}", hour, "neutral", "acme looks nice today") for i in range(3)]
        out.append(_mention(f"n{hour}", hour, "negative", "acme support is slow"))
    out += [
        _mention(f"b{i}", BURST_AT, label, text, lang, source, likes=10 + i)
        for i, (label, lang, source, text) in enumerate(BURST)
    ]
    return out


@pytest.fixture(scope="module")
def explained():
    store = SqliteStore(":memory:")
    assert all(r.ok for r in store.upsert(corpus()))
    config = AlertsConfig(keyword=KeywordRule(negative_only=False))
    alerts = detect_alerts(store, BrandConfig(name="Acme", query="acme", crisis_terms=["recall"]), config,
                           dashboard_url="http://dash.local/")  # fmt: skip
    save_alerts(store, alerts)
    yield store, alerts
    store.close()


def _keyword(alerts):
    found = [a for a in alerts if a.kind == "keyword"]
    assert len(found) == 1, [(a.kind, a.subject) for a in alerts]
    return found[0]


def test_keyword_alert_explains_the_posts_it_counted(explained):
    _, alerts = explained
    alert = _keyword(alerts)
    assert alert.observed == len(BURST) and alert.counted_sentiment is None
    assert alert.top_posts and all("recall" in p.text.lower() for p in alert.top_posts)
    labels = {label for label, *_ in BURST}
    assert {p.sentiment for p in alert.top_posts} <= labels and "neutral" in {p.sentiment for p in alert.top_posts}
    assert alert.top_terms[0] == "recall"
    assert alert.lang_mix == {"en": 6, "es": 4} and sum(alert.source_mix.values()) == len(BURST)
    link = dict(parse_qsl(explore_query(alert)))  # the Alerts page's Explore link (alert.link opens Alerts)
    assert "sentiment" not in link and link["q"] == '"recall"'


def test_alerts_page_link_leads_to_the_alerts_posts(explained):
    store, _ = explained
    with TestClient(create_app(store, [BrandConfig(name="Acme", query="acme")]), base_url="http://127.0.0.1") as client:
        body = client.get("/api/alerts").json()
        by_kind = {a["kind"]: a for a in body["alerts"]}
        keyword = by_kind["keyword"]
        # What the Explore page does with the Alerts page's link: its query string is the search.
        params = dict(parse_qsl(keyword["explore"]))
        # The message's link opens that alert on the Alerts page, whose Explore link is this one.
        assert dict(parse_qsl(urlparse(keyword["link"]).query)) == {"alert": keyword["id"], "brand": "Acme"}
        found = client.get("/api/search", params={**params, "size": 100}).json()
        assert found["total"] == keyword["observed"] == len(BURST)
        assert sorted(h["text"] for h in found["hits"]) == sorted(text for *_, text in BURST)
        # Driving posts carry their sentiment, so the page's badge shows it.
        assert all(p["sentiment"] in ("negative", "neutral", "positive") for p in keyword["top_posts"])
