"""Spam in the dashboard (counts left out, the include toggle, the "not spam" write) and the advocates panel.

The demo mentions in a real SQLite store, flagged by the real spam step; expectations are recomputed
from the fixture mentions in plain Python.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app, load_demo

from core.accounts import OwnAccounts
from groundswell import demo_corpus as demo
from groundswell.spam import OWN_POST, flag_spam, withdrawn_overrides
from indexing.base import Filters
from indexing.sqlite import SqliteStore

PERIOD = {"brand": "Lumora", "since": "2026-11-01", "until": "2026-11-15"}
JSON = {"Content-Type": "application/json"}
OWN = OwnAccounts.of({"x": ["@" + demo.CARE_HANDLE]})


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("spam") / "g.db")
    load_demo(store)
    # As the pipeline runs it: the demo's care account is the brand's own (set aside, not spam).
    flag_spam(store, demo.START, demo.START + timedelta(days=demo.DAYS), own=OWN)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(store):
    app = demo_app(store)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def _flagged(store) -> list:
    """Lumora's mentions a spam rule flagged (not the care account's own posts, set aside as OWN_POST)."""
    return [m for m in store.iter_mentions(Filters(brand="Lumora", include_spam=True)) if m.spam and m.spam != OWN_POST]


def _own_in_period(store) -> int:
    until = demo.START + timedelta(days=14)  # PERIOD
    mentions = store.iter_mentions(Filters(brand="Lumora", since=demo.START, until=until, include_spam=True))
    return sum(1 for m in mentions if m.spam == OWN_POST)


def test_the_overview_leaves_spam_out_and_says_how_much(client, store):
    planted = [m for m in _flagged(store) if m.extra.get("planted") in ("planted-campaign", "planted-giveaway")]
    assert len(planted) == 65 == len(_flagged(store))  # the demo's bots, and nothing else
    left_out = client.get("/api/overview", params=PERIOD).json()
    shown = client.get("/api/overview", params={**PERIOD, "spam": "include"}).json()
    own = _own_in_period(store)
    assert own > 100  # the care account's replies: out of the counts, but not called spam
    assert left_out["spam"] == {"in_view": 65, "own_posts": own, "included": False}
    assert shown["spam"] == {"in_view": 65, "own_posts": own, "included": True}
    assert shown["totals"]["mentions"] - left_out["totals"]["mentions"] == 65 + own
    sov = {s["brand"]: s["count"] for s in left_out["share_of_voice"]}
    assert sov["Lumora"] == left_out["totals"]["mentions"]


def test_search_shows_reasons_only_when_spam_is_included(client):
    hidden = client.get("/api/search", params={**PERIOD, "q": "giveaway OR lumora-deals", "size": 100}).json()
    assert hidden["total"] == 0 and hidden["spam"]["included"] is False
    shown = client.get("/api/search", params={**PERIOD, "q": "lumora-deals", "size": 100, "spam": "include"}).json()
    assert shown["total"] == 40
    assert {h["spam"] for h in shown["hits"]} == {"copy-paste campaign: 40 authors, 12 min"}


@pytest.mark.parametrize(
    "headers, body",
    [
        ({"Content-Type": "text/plain"}, '{"ids": ["x:1"]}'),  # what a cross-site form can send
        ({**JSON, "Origin": "http://evil.invalid"}, '{"ids": ["x:1"]}'),
        ({**JSON, "Sec-Fetch-Site": "cross-site"}, '{"ids": ["x:1"]}'),
    ],
)
def test_not_spam_refuses_what_another_site_could_send(client, headers, body):
    response = client.post("/api/spam/not-spam", content=body, headers=headers)
    assert response.status_code == 403 and response.json()["error"]


@pytest.mark.parametrize("body", ["not json", '{"ids": []}', '{"ids": [1]}', '["x:1"]'])
def test_not_spam_explains_a_bad_body(client, body):
    response = client.post("/api/spam/not-spam", content=body, headers={**JSON, "Origin": "http://127.0.0.1"})
    assert response.status_code == 400 and "ids" in response.json()["error"]


def test_a_false_positive_marked_in_the_dashboard_is_counted_and_survives_a_rerun(client, store):
    target = sorted(m.id for m in _flagged(store))[0]
    before = client.get("/api/overview", params=PERIOD).json()
    response = client.post("/api/spam/not-spam", json={"ids": [target, "x:missing"]}, headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {"marked": [target], "unknown": ["x:missing"]}
    after = client.get("/api/overview", params=PERIOD).json()
    assert after["totals"]["mentions"] == before["totals"]["mentions"] + 1
    assert after["spam"]["in_view"] == before["spam"]["in_view"] - 1
    flag_spam(store, demo.START, demo.START + timedelta(days=demo.DAYS), own=OWN)  # the next pipeline run
    assert store.get([target])[0].spam is None


def test_a_not_spam_withdrawn_in_the_dashboard_leaves_the_counts_again(client, store):
    target = sorted(m.id for m in _flagged(store))[1]
    flag = store.get([target])[0].spam
    assert client.post("/api/spam/not-spam", json={"ids": [target]}, headers=JSON).status_code == 200
    before = client.get("/api/overview", params=PERIOD).json()
    response = client.post("/api/spam/undo", json={"ids": [target, "x:missing"]}, headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {"reflagged": {target: flag}, "unflagged": [], "not_overridden": [],
                               "unknown": ["x:missing"]}
    after = client.get("/api/overview", params=PERIOD).json()
    assert after["totals"]["mentions"] == before["totals"]["mentions"] - 1
    assert after["spam"]["in_view"] == before["spam"]["in_view"] + 1
    assert withdrawn_overrides(store)[target][0]["undone_by"] == "dashboard"  # no sign-in proxy: the app's name
    assert client.post("/api/spam/undo", json={"ids": [target]}, headers={**JSON, "Origin": "http://evil.invalid"}
                       ).status_code == 403


def test_advocates_panel_and_csv(client, store):
    positive = Counter(
        (m.source, m.author.handle)
        for m in store.iter_mentions(Filters(brand="Lumora", sentiment="positive"))
        if m.author.handle
    )
    expected = {handle for (_, handle), n in positive.items() if n >= 2}
    body = client.get("/api/advocates", params={**PERIOD, "n": 500}).json()
    assert {a["handle"] for a in body["authors"]} == expected
    assert {"demo_en_901", "demo_ko_902", "demo_it_903", "demo_ru_904"} <= expected  # the planted fans
    assert [a["score"] for a in body["authors"]] == sorted((a["score"] for a in body["authors"]), reverse=True)
    critics = client.get("/api/advocates", params={**PERIOD, "kind": "detractors"}).json()["authors"]
    assert critics[0]["handle"] == "demo_en_905" and critics[0]["mentions"] == 5
    exported = client.get("/api/advocates", params={**PERIOD, "format": "csv", "n": 500})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["handle"] for r in rows] == [a["handle"] for a in body["authors"]]
