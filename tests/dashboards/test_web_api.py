"""The dashboard's JSON API over the real embedded SQLite store, on the demo corpus.

Expected numbers are recomputed independently from the fixture mentions (plain
Python over `web_support.demo_mentions()`), not read back from the store.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from datetime import datetime

import pytest
from click.testing import CliRunner
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)
from fastapi.testclient import TestClient
from web_support import BRANDS, demo_db, demo_mentions, load_demo

from alerts.history import INDEX_KEY, alert_key, load_alerts, save_alerts
from core.query import QuerySyntaxError, parse
from dashboards.web.app import create_app
from dashboards.web.auth import TokenRequired, check_bind
from dashboards.web.cli import serve
from dashboards.web.export import _cell
from dashboards.web.params import MAX_QUERY_TERMS, count_terms
from groundswell.config import BrandConfig
from indexing.base import Filters
from indexing.sqlite import SqliteStore

BRAND_CONFIGS = [BrandConfig(name=n, query=n, competitor=c) for n, c in BRANDS]
TOKEN = "s3cret-dashboard-token"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request):
    """The demo data in each store: the embedded SQLite file, and a real Elasticsearch node."""
    if request.param == "sqlite":
        store = SqliteStore(demo_db())
        yield store
        store.close()
        return
    url = request.getfixturevalue("es_url")
    from indexing.elasticsearch import ElasticsearchStore

    prefix = f"gs-dash-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(url, index_prefix=prefix)
    try:
        load_demo(store)
        yield store
    finally:
        delete_prefix(store.client, prefix)
        store.close()


@pytest.fixture(scope="module")
def client(store):
    # Without a token the app answers only loopback Host names (TestClient's default is 'testserver').
    with TestClient(create_app(store, BRAND_CONFIGS), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture(scope="module")
def mentions():
    return demo_mentions()


def _in(m, since: str, until: str) -> bool:
    return datetime.fromisoformat(since) <= m.created_at < datetime.fromisoformat(until)


def test_meta_lists_brands_and_what_the_data_holds(client, mentions):
    body = client.get("/api/meta").json()
    assert body["brands"] == [{"name": "Lumora", "competitor": False}, {"name": "Sonique", "competitor": True}]
    assert body["default_brand"] == "Lumora"
    assert body["sources"] == sorted({m.source for m in mentions})
    assert body["langs"] == sorted({m.lang for m in mentions})
    assert body["sentiment_models"] == {"test-fixture-template-labels": sum(1 for m in mentions if m.sentiment)}


def test_overview_numbers_match_the_data(client, mentions):
    body = client.get("/api/overview").json()
    since, until = body["period"]["since"], body["period"]["until"]
    # Default period: the 7 days up to the brand's newest mention.
    lumora = [m for m in mentions if "Lumora" in m.brands]
    assert datetime.fromisoformat(until) > max(m.created_at for m in lumora)
    mine = [m for m in lumora if _in(m, since, until)]
    labels = Counter(m.sentiment.label for m in mine)
    totals = body["totals"]
    assert totals["mentions"] == len(mine)
    assert (totals["negative"], totals["neutral"], totals["positive"]) == (
        labels["negative"],
        labels["neutral"],
        labels["positive"],
    )
    assert totals["net_sentiment"] == pytest.approx((labels["positive"] - labels["negative"]) / len(mine))
    assert totals["engagement"] == sum(m.engagement.total for m in mine)
    assert totals["reach"] == sum(m.reach for m in mine)
    assert body["interval"] == "day"
    assert sum(b["total"] for b in body["volume"]) == len(mine)
    assert body["by_source"] == dict(Counter(m.source for m in mine))
    assert sum(body["by_lang"].values()) == len(mine)
    sov = {r["brand"]: r["count"] for r in body["share_of_voice"]}
    assert sov == {b: sum(1 for m in mentions if b in m.brands and _in(m, since, until)) for b, _ in BRANDS}
    by_author = Counter()
    for m in mine:
        by_author[m.author.handle] += m.engagement.total
    assert body["top_authors"][0]["handle"] == by_author.most_common(1)[0][0]
    # Both alerts (2026-11-08 and the planted crisis on 2026-11-11) lie in this period, so both are marked.
    assert [a["severity"] for a in body["alerts"]] == ["critical", "warning"]
    narrower = client.get("/api/overview", params={"since": "2026-11-10", "until": "2026-11-13"}).json()
    assert [a["severity"] for a in narrower["alerts"]] == ["critical"]


def test_overview_hourly_for_a_short_period_and_for_the_competitor(client, mentions):
    body = client.get("/api/overview", params={"brand": "Sonique", "since": "2026-11-05", "until": "2026-11-06"}).json()
    assert body["interval"] == "hour"
    assert 20 <= len(body["volume"]) <= 24  # hours without a mention have no bucket
    assert all(b["start"].startswith("2026-11-05T") for b in body["volume"])
    launch_hour = max(body["volume"], key=lambda b: b["total"])
    # The competitor's positive launch burst starts 15:00 UTC.
    assert "T15:00" <= launch_hour["start"][10:16] <= "T20:00"
    assert launch_hour["net_sentiment"] > 0.5
    assert body["alerts"] == []


def test_search_applies_the_boolean_query_and_highlights(client, mentions):
    q = "battery AND (charging OR 충전) NOT smoke"
    body = client.get("/api/search", params={"q": q, "size": 100}).json()
    query = parse(q)
    expected = [m for m in mentions if query.matches(m.text, m.lang)]
    assert body["total"] == len(expected) > 0
    for hit in body["hits"]:
        assert query.matches(hit["text"], hit["lang"])
        marked = [s["text"].lower() for s in hit["highlight"] if s["hit"]]
        assert marked and all(t in ("battery", "charging", "충전") for t in marked)
        assert hit["url"].startswith("https://")


def test_search_pages_deep_with_cursor_without_gaps_or_repeats(client, mentions):
    params = {"brand": "Lumora", "sentiment": "negative", "size": 100, "sort": "engagement"}
    seen: list[str] = []
    cursor = None
    while True:
        body = client.get("/api/search", params={**params, **({"cursor": cursor} if cursor else {})}).json()
        seen += [h["id"] for h in body["hits"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    expected = {m.id for m in mentions if "Lumora" in m.brands and m.sentiment.label == "negative"}
    assert len(seen) == len(set(seen)) == body["total"] == len(expected)
    assert set(seen) == expected


def _all_pages(client, params: dict) -> list[str]:
    """Every hit's id of an Explore search, page after page, in the order the page lists them."""
    seen: list[str] = []
    cursor = None
    while True:
        body = client.get("/api/search", params={**params, "size": 100, **({"cursor": cursor} if cursor else {})})
        seen += [h["id"] for h in body.json()["hits"]]
        cursor = body.json()["next_cursor"]
        if not cursor:
            return seen


@pytest.mark.parametrize("sort", ["engagement", "newest", "oldest"])
def test_export_follows_explore_s_order(client, sort):
    # Explore's export links carry its Order (explore.js); an alert's link asks for sort=engagement.
    params = {"brand": "Lumora", "sentiment": "negative", "sort": sort}
    listed = _all_pages(client, params)
    response = client.get("/api/export", params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == listed and len(listed) > 100  # more than one search page
    if sort == "engagement":
        engagement = [int(r["engagement"]) for r in rows]
        assert engagement == sorted(engagement, reverse=True) and engagement[0] > engagement[-1]
    jsonl = client.get("/api/export", params={**params, "format": "json", "limit": 150}).text.splitlines()
    assert [json.loads(line)["id"] for line in jsonl] == listed[:150]


@pytest.mark.parametrize(
    "params",
    [
        {"lang": "ko"},
        {"source": "reddit", "sentiment": "positive"},
        {"min_followers": 5000},
        {"since": "2026-11-11T12:00:00Z", "until": "2026-11-11T18:00:00Z", "brand": "Lumora"},
        {"theme": "launch"},
        {"uncertain": "true"},
        {"uncertain": "false", "brand": "Lumora"},
    ],
)
def test_search_filters(client, mentions, params):
    body = client.get("/api/search", params={**params, "size": 100}).json()

    def keep(m) -> bool:
        return (
            m.lang == params.get("lang", m.lang)
            and m.source == params.get("source", m.source)
            and m.sentiment.label == params.get("sentiment", m.sentiment.label)
            and params.get("brand", m.brands[0]) in m.brands
            and (m.author.followers or 0) >= params.get("min_followers", 0)
            and ("since" not in params or _in(m, params["since"], params["until"]))
            and ("theme" not in params or params["theme"] in m.themes)
            and ("uncertain" not in params or m.sentiment.uncertain == (params["uncertain"] == "true"))
        )

    expected = {m.id for m in mentions if keep(m)}
    assert body["total"] == len(expected) > 0
    assert {h["id"] for h in body["hits"]} <= expected


def test_export_csv_and_json_hold_the_whole_result(client, mentions):
    params = {"q": "overheating OR 과열", "brand": "Lumora"}
    total = client.get("/api/search", params=params).json()["total"]
    response = client.get("/api/export", params={**params, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == total > 200  # more than one search page
    assert all("overheating" in r["text"].lower() or "과열" in r["text"] for r in rows)
    # JSON exports are the JSONL mention format (tests/dashboards/test_export_roundtrip.py feeds them back).
    exported = [
        json.loads(line) for line in client.get("/api/export", params={**params, "format": "jsonl"}).text.splitlines()
    ]
    assert [r["id"] for r in exported] == [r["id"] for r in rows]
    assert len(client.get("/api/export", params={**params, "format": "json", "limit": 5}).text.splitlines()) == 5


def test_export_neutralises_spreadsheet_formulas():
    assert _cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert _cell("@SUM(A1)") == "'@SUM(A1)"
    assert _cell("plain text") == "plain text"
    assert _cell(None) == ""
    # Behind the spaces an importer trims, and in fullwidth form, a formula still runs.
    for sneaky in (" =1+1", "\xa0=1+1", "\n=1+1", "＝1+1", " @SUM(A1)"):
        assert _cell(sneaky) == "'" + sneaky
    assert _cell("  plain, with spaces") == "  plain, with spaces"


def test_themes_recurring_and_rising(client, mentions):
    body = client.get("/api/themes", params={"brand": "Lumora"}).json()
    since, until = body["period"]["since"], body["period"]["until"]
    p_since, p_until = body["previous_period"]["since"], body["previous_period"]["until"]
    assert p_until == since
    now = Counter(t for m in mentions if "Lumora" in m.brands and _in(m, since, until) for t in m.themes)
    before = Counter(t for m in mentions if "Lumora" in m.brands and _in(m, p_since, p_until) for t in m.themes)
    recurring = {r["theme"]: r for r in body["recurring"]}
    assert list(recurring)[0] == now.most_common(1)[0][0]
    assert {t: r["count"] for t, r in recurring.items()} == {t: now[t] for t in recurring}
    overheating = recurring["battery overheating"]
    assert overheating["sentiment"] == {"negative": now["battery overheating"]}
    assert overheating["previous"] == before["battery overheating"] == 0
    rising = [r["theme"] for r in body["rising"]]
    assert rising[0] == "battery overheating"  # the planted crisis: from nothing to hundreds
    assert all(r["rise_score"] >= 2 and r["count"] > r["previous"] for r in body["rising"])
    assert all(
        r["rise_score"] == pytest.approx((now[t] - before[t]) / (before[t] + 1) ** 0.5)
        for t, r in ((r["theme"], r) for r in body["rising"])
    )
    assert overheating["samples"] and all("battery overheating" in s["themes"] for s in overheating["samples"])


def test_alerts_timeline_newest_first_with_explanations(client):
    body = client.get("/api/alerts").json()
    assert body["total"] == 2
    first, second = body["alerts"]
    assert first["window_start"] > second["window_start"]
    assert first["severity"] == "critical" and first["summary"] and first["top_posts"] and first["top_terms"]
    only = client.get("/api/alerts", params={"severity": "warning"}).json()
    assert [a["id"] for a in only["alerts"]] == [second["id"]]
    assert client.get("/api/alerts", params={"brand": "Sonique"}).json()["total"] == 0
    assert client.get("/api/alerts", params={"since": "2026-11-11T15:00:00Z"}).json()["total"] == 0


def test_alert_feed_is_idempotent_and_skips_broken_entries(tmp_path):
    store = SqliteStore(tmp_path / "alerts.db")
    from web_support import demo_alerts

    alerts = demo_alerts([])
    assert save_alerts(store, alerts) == 2
    assert save_alerts(store, alerts) == 0  # same ids: replaced, not duplicated
    store.set_state(alert_key("broken"), "{not json")
    store.set_state(INDEX_KEY, json.dumps([a.id for a in alerts] + ["broken", "missing"]))
    assert [a.id for a in load_alerts(store)] == [alerts[0].id, alerts[1].id]
    jsonl = tmp_path / "alerts.jsonl"
    extra = alerts[0].model_copy(update={"id": "from-jsonl", "brand": "Sonique"})
    jsonl.write_text(extra.model_dump_json() + "\n\nnot json\n", encoding="utf-8")
    assert {a.id for a in load_alerts(store, [jsonl])} == {alerts[0].id, alerts[1].id, "from-jsonl"}
    store.close()


@pytest.mark.parametrize(
    ("url", "status", "fragment"),
    [
        ("/api/search?since=2026-13-01", 400, "not a date"),
        ("/api/search?since=2026-11-10&until=2026-11-09", 400, "must be before"),
        ("/api/search?sentiment=angry", 400, "not one of: negative, neutral, positive"),
        ("/api/search?size=0", 400, "between 1 and 100"),
        ("/api/search?size=101", 400, "between 1 and 100"),
        ("/api/search?size=ten", 400, "not a whole number"),
        ("/api/search?min_followers=-1", 400, "at least 0"),
        ("/api/search?uncertain=maybe", 400, "not one of: true, false"),
        ("/api/search?q=(battery", 400, "query syntax error"),
        ("/api/search?q=" + "x" * 1001, 400, "too long"),
        ("/api/search?lang=en;drop", 400, "not a valid lang"),
        ("/api/search?sort=random", 400, "not one of"),
        ("/api/search?cursor=garbage", 400, "cursor is not valid"),
        ("/api/search?sentimnet=negative", 400, "unknown parameter"),
        ("/api/search?brand=Lumora&brand=Sonique", 400, "more than once"),
        ("/api/overview?brand=Nope", 404, "unknown brand"),
        ("/api/overview?interval=month", 400, "not one of"),
        ("/api/themes?n=500", 400, "between 1 and 50"),
        ("/api/alerts?severity=fatal", 400, "not one of"),
        ("/api/export?format=xml", 400, "not one of: csv, jsonl, json"),
        ("/api/export?limit=0", 400, "at least 1"),
        ("/api/nothing", 404, "Not Found"),
    ],
)
def test_bad_parameters_get_a_clear_4xx(client, url, status, fragment):
    response = client.get(url)
    assert response.status_code == status
    assert fragment in response.json()["error"]


@pytest.mark.parametrize("endpoint", ["overview", "themes", "replies", "faq", "advocates"])
def test_a_since_after_the_end_of_the_period_is_refused(client, endpoint):
    # since alone: the period ends at the hour after the newest matching mention (or now), before 2150.
    response = client.get(f"/api/{endpoint}", params={"since": "2150-01-01"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["param"] == "since" and "is not before the end of the period" in body["error"]
    assert client.get(f"/api/{endpoint}", params={"since": "2026-11-10"}).status_code == 200


def _words(n: int) -> list[str]:
    """n distinct three-letter words no demo post holds (aaa, aab, ...)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[i // 676] + letters[i // 26 % 26] + letters[i % 26] for i in range(n)]


def test_a_query_of_more_than_max_terms_is_refused_with_the_limit(client):
    # The SQLite store checks each post against every term in Python on the one store thread: ~200 ORed
    # terms (under the 1,000-character cap) held it for ~20 s.
    at_limit = " OR ".join(_words(MAX_QUERY_TERMS))
    assert client.get("/api/search", params={"q": at_limit}).status_code == 200
    for endpoint in ("/api/search", "/api/export"):
        response = client.get(endpoint, params={"q": at_limit + " OR battery"})
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["param"] == "q" and f"{MAX_QUERY_TERMS + 1} terms; at most {MAX_QUERY_TERMS}" in body["error"]


@pytest.mark.parametrize(
    ("q", "terms"),
    [("battery", 1), ('"battery fire" OR #recall OR @lumora', 3), ("NOT (a OR b) AND lang:ko", 3),
     ("(fire OR smoke) NEAR/3 battery", 3), ("a AND (b OR (c AND NOT d))", 4)],
)  # fmt: skip
def test_every_leaf_of_a_query_counts_as_a_term(q, terms):
    assert count_terms(parse(q).root) == terms


def test_query_syntax_error_reports_the_position(client):
    q = "battery AND (charging OR"
    body = client.get("/api/search", params={"q": q}).json()
    with pytest.raises(QuerySyntaxError) as parsed:
        parse(q)
    assert body["param"] == "q"
    assert body["position"] == parsed.value.position
    assert f"column {parsed.value.position}" in body["error"]


@pytest.mark.parametrize(
    "q", ["'; DROP TABLE mentions; --", 'battery" OR 1=1 --', "NEAR(battery charging)", "* OR text:*", "{{7*7}}"]
)
def test_query_box_cannot_reach_the_backend_unparsed(client, store, q):
    before = store.count()
    response = client.get("/api/search", params={"q": q})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        query = parse(q)
        assert all(query.matches(h["text"], h["lang"]) for h in response.json()["hits"])
    assert store.count() == before


def test_read_only(client):
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/api/search").status_code == 405


def test_pages_and_local_assets(client):
    for page in ("overview", "explore", "themes", "alerts"):
        response = client.get(f"/{page}")
        assert response.status_code == 200
        assert f'data-page="{page}"' in response.text
        assert "https://" not in response.text  # nothing from a CDN
        assert "script-src 'self'" in response.headers["content-security-policy"]
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and b"plotly.js" in plotly.content[:200]
    assert client.get("/static/common.js").status_code == 200
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "/overview"


def test_links_only_to_http_posts(store, tmp_path):
    from core.mention import Mention

    local = SqliteStore(tmp_path / "xss.db")
    evil = Mention(
        source="rss", native_id="1", url="javascript:alert(1)", text="<img src=x onerror=alert(1)> Lumora",
        created_at=datetime(2026, 11, 1), brand="Lumora",
    )  # fmt: skip
    list(local.upsert([evil]))
    with TestClient(create_app(local, BRAND_CONFIGS), base_url="http://127.0.0.1") as c:
        hit = c.get("/api/search", params={"q": "Lumora"}).json()["hits"][0]
    assert hit["url"] is None
    assert "".join(s["text"] for s in hit["highlight"]) == evil.text  # text, for the page to insert as text
    local.close()


def test_token_required_when_set(store):
    with TestClient(create_app(store, BRAND_CONFIGS, token=TOKEN)) as c:
        assert c.get("/api/meta").status_code == 401
        assert c.get("/overview").status_code == 401
        assert c.get("/api/meta", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/meta", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert c.get("/healthz").status_code == 200
        first = c.get(f"/explore?token={TOKEN}&q=battery", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/explore?q=battery"
        assert c.get("/api/meta").status_code == 200  # the cookie set by the redirect


def test_binding_beyond_loopback_needs_a_token():
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("localhost", None)
    check_bind("0.0.0.0", TOKEN)
    with pytest.raises(TokenRequired, match="without a token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(TokenRequired):
        check_bind("192.168.1.20", "")


def test_serve_refuses_public_bind_without_token(monkeypatch):
    monkeypatch.delenv("GROUNDSWELL_DASHBOARD_TOKEN", raising=False)
    result = CliRunner().invoke(serve, ["--host", "0.0.0.0", "--config", "does-not-matter.yaml"])
    assert result.exit_code == 2
    assert "without a token" in result.output


def test_serve_reports_a_bad_config(tmp_path):
    bad = tmp_path / "groundswell.yaml"
    bad.write_text("brands: [", encoding="utf-8")
    result = CliRunner().invoke(serve, ["--config", str(bad)])
    assert result.exit_code == 1
    assert "not valid YAML" in result.output


def test_totals_fall_back_to_streaming_when_the_store_has_no_aggregate(store, mentions):
    from dashboards.web.views import engagement_totals

    filters = Filters(brand="Sonique", lang="it")
    got = engagement_totals(store, filters)
    mine = [m for m in mentions if "Sonique" in m.brands and m.lang == "it"]
    assert got == {"engagement": sum(m.engagement.total for m in mine), "reach": sum(m.reach for m in mine)}


def test_an_alert_whose_index_update_was_lost_is_still_loaded_and_pruned(tmp_path):
    # Two processes saving at once (the alerts DAG and a CLI detect): each wrote the index it had read, so
    # the last write dropped the other's new id. The entries are the log: nothing is hidden.
    from datetime import timedelta

    from web_support import demo_alerts

    from alerts.history import AlertLog

    store = SqliteStore(tmp_path / "alerts.db")
    first, second = demo_alerts([])
    save_alerts(store, [first])
    store.set_state(alert_key(second.id), second.model_dump_json())  # saved, its index update lost
    assert {a.id for a in load_alerts(store)} == {first.id, second.id}
    assert AlertLog(store).prune(max(first.window_end, second.window_end) + timedelta(seconds=1)) == 2
    assert load_alerts(store) == [] and store.state_items("alert:") == {}
    store.close()
