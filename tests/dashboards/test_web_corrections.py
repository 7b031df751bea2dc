"""Correcting a sentiment in the dashboard (POST /api/sentiment/correct): only from the same origin, counted
at once, marked as a person's label, and never undone by the next model run. Demo mentions, real SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app, load_demo

from core.mention import Mention, Sentiment
from groundswell.audit_results import save_audit
from groundswell.sentiment_corrections import corrections, undone_corrections
from groundswell.spam import OVERRIDE_PREFIX
from indexing.base import Filters
from indexing.sqlite import SqliteStore

PERIOD = {"brand": "Lumora", "since": "2026-11-01", "until": "2026-11-15"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("corrections") / "g.db")
    load_demo(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(store):
    app = demo_app(store)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {**JSON, "Origin": "http://evil.invalid"},
     {**JSON, "Sec-Fetch-Site": "cross-site"}],
)
def test_another_site_cannot_correct(client, store, headers):
    target = next(store.iter_mentions(Filters(brand="Lumora", sentiment="positive")))
    response = client.post("/api/sentiment/correct", content=f'{{"ids": ["{target.id}"], "label": "negative"}}',
                           headers=headers)
    assert response.status_code == 403 and response.json()["error"]
    assert store.get([target.id])[0].sentiment.label == "positive"


@pytest.mark.parametrize(("body", "param"), [
    ("not json", None), ('{"ids": [], "label": "negative"}', "ids"), ('{"ids": [1], "label": "negative"}', "ids"),
    ('["x:1"]', "ids"), ('{"ids": ["x:1"], "label": "furious"}', "label"), ('{"ids": ["x:1"]}', "label"),
])
def test_a_bad_body_is_explained(client, body, param):
    response = client.post("/api/sentiment/correct", content=body, headers={**JSON, "Origin": "http://127.0.0.1"})
    assert response.status_code == 400
    assert response.json().get("param") == param and response.json()["error"]


def test_a_correction_counts_at_once_and_outlasts_the_model(client, store):
    target = next(store.iter_mentions(Filters(brand="Lumora", sentiment="positive")))
    before = client.get("/api/overview", params=PERIOD).json()["totals"]
    response = client.post("/api/sentiment/correct", json={"ids": [target.id, "x:missing"], "label": "negative"},
                           headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {"corrected": [target.id], "unknown": ["x:missing"], "not_enriched": [],
                               "label": "negative"}
    after = client.get("/api/overview", params=PERIOD).json()["totals"]
    assert (after["negative"], after["positive"]) == (before["negative"] + 1, before["positive"] - 1)
    at = {"since": target.created_at.isoformat(), "until": (target.created_at + timedelta(seconds=1)).isoformat()}
    hits = client.get("/api/search", params={"brand": "Lumora", **at, "size": 50}).json()["hits"]
    hit = next(h for h in hits if h["id"] == target.id)
    assert (hit["sentiment"], hit["corrected"]) == ("negative", True)
    assert corrections(store, [target.id])[target.id]["by"] == "dashboard"
    # the next model write (a re-enrich) leaves the person's label
    remodelled = target.model_copy(update={"sentiment": Sentiment(label="positive", probs={"positive": 1.0},
                                                                   model="test-fixture-template-labels")})
    assert all(r.ok for r in store.upsert([remodelled]))
    assert store.get([target.id])[0].sentiment.label == "negative"
    meta = client.get("/api/meta").json()
    assert "analyst" not in meta["sentiment_models"]  # a person is no model build: no "mixed models" note


def test_the_overview_meta_carries_the_latest_audit(client, store):
    assert client.get("/api/meta").json()["sentiment_audit"] is None
    figures = {"value": 81.0, "low": 76.0, "high": 85.0, "n": 300}
    save_audit(store, {"audit": {"created_at": "2026-11-16T00:00:00+00:00", "filters": {"brand": "Lumora"},
                                 "models": {"test-fixture-template-labels": 300}, "rows": 300},
                       "answers": {"labelled": 300, "unclear": 0}, "population": 2000, "covered_population": 2000,
                       "accuracy": figures, "languages": {"en": {"accuracy": figures}}},
               datetime(2026, 11, 16, tzinfo=UTC))
    # The same dashboard, its source and language lists still cached: the audit shows at once (it waited for
    # the cache to expire, up to META_TTL_S).
    audit = client.get("/api/meta").json()["sentiment_audit"]
    assert audit["accuracy"] == figures and audit["current"] is True and audit["labelled"] == 300


def test_an_undo_gives_the_models_label_back_and_counts_it_so(client, store):
    target = next(m for m in store.iter_mentions(Filters(brand="Lumora", sentiment="neutral"))
                  if not m.sentiment.by_analyst)
    model_said = target.sentiment
    assert client.post("/api/sentiment/correct", json={"ids": [target.id], "label": "negative"},
                       headers=JSON).status_code == 200
    before = client.get("/api/overview", params=PERIOD).json()["totals"]
    response = client.post("/api/sentiment/undo", json={"ids": [target.id, "x:missing"]}, headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {"restored": {target.id: "neutral"}, "unknown": ["x:missing"], "not_corrected": [],
                               "no_model_label": []}
    after = client.get("/api/overview", params=PERIOD).json()["totals"]
    assert (after["negative"], after["neutral"]) == (before["negative"] - 1, before["neutral"] + 1)
    assert store.get([target.id])[0].sentiment == model_said and corrections(store, [target.id]) == {}
    again = client.post("/api/sentiment/undo", json={"ids": [target.id]}, headers=JSON).json()
    assert again["restored"] == {} and again["not_corrected"] == [target.id]
    cross = client.post("/api/sentiment/undo", json={"ids": [target.id]},
                        headers={**JSON, "Origin": "http://evil.invalid"})
    assert cross.status_code == 403


def test_behind_a_sign_in_proxy_writes_are_recorded_with_the_user_it_names(store):
    app = demo_app(store, user_header="X-Forwarded-User")
    positive = [m for m in store.iter_mentions(Filters(brand="Lumora", sentiment="positive"))
                if not m.sentiment.by_analyst][:2]
    with TestClient(app, base_url="http://127.0.0.1") as proxied:
        for headers in ({}, {"X-Forwarded-User": "  "}, {"X-Forwarded-User": "eve\nadmin"},
                        {"X-Forwarded-User": "x" * 201}):
            refused = proxied.post("/api/sentiment/correct", json={"ids": [positive[0].id], "label": "negative"},
                                   headers={**JSON, **headers})
            assert refused.status_code == 403 and "X-Forwarded-User" in refused.json()["error"]
        assert store.get([positive[0].id])[0].sentiment.by_analyst is False
        done = proxied.post("/api/sentiment/correct", json={"ids": [positive[0].id], "label": "negative"},
                            headers={**JSON, "X-Forwarded-User": "alice@example.org"})
        assert done.status_code == 200
        assert corrections(store, [positive[0].id])[positive[0].id]["by"] == "alice@example.org"
        assert proxied.post("/api/spam/not-spam", json={"ids": [positive[1].id]}, headers=JSON).status_code == 403
        marked = proxied.post("/api/spam/not-spam", json={"ids": [positive[1].id]},
                              headers={**JSON, "X-Forwarded-User": "bob"})
        assert marked.status_code == 200
    assert json.loads(store.get_state(OVERRIDE_PREFIX + positive[1].id))["by"] == "bob"


def test_search_and_export_say_who_gave_each_label(client, store):
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    ruled = Sentiment(label="neutral", probs={"negative": 0.0, "neutral": 1.0, "positive": 0.0},
                      model="rule:block-trades#1a2b3c4d")
    model = Sentiment(label="positive", probs={"positive": 0.8}, model="test-fixture-template-labels")
    posts = [Mention(source="x", native_id=f"who{i}", text=f"Lumora block trade detected {i}", brand="Lumora",
                     created_at=at + timedelta(minutes=i), sentiment=s) for i, s in enumerate([ruled, model, model])]
    assert all(r.ok for r in store.upsert(posts))
    assert client.post("/api/sentiment/correct", json={"ids": ["x:who2"], "label": "negative"},
                       headers=JSON).status_code == 200
    window = {"brand": "Lumora", "since": "2026-12-01T09:00:00", "until": "2026-12-01T10:00:00"}
    hits = {h["id"]: h for h in client.get("/api/search", params=window).json()["hits"]}
    assert [(hits[f"x:who{i}"]["rule"], hits[f"x:who{i}"]["corrected"]) for i in range(3)] == [
        ("block-trades", False), (None, False), (None, True)]
    rows = client.get("/api/export", params={**window, "format": "csv"}).text.splitlines()
    by = {line.split(",")[0]: line.split(",")[7] for line in rows[1:]}
    assert rows[0].split(",")[6:8] == ["sentiment", "sentiment_by"]
    assert by == {"x:who0": "rule:block-trades", "x:who1": "model", "x:who2": "person"}


def test_the_overview_says_how_many_labels_people_and_rules_gave(client, store):
    target = next(m for m in store.iter_mentions(Filters(brand="Lumora", sentiment="positive", since=datetime(
        2026, 11, 1, tzinfo=UTC), until=datetime(2026, 11, 15, tzinfo=UTC))) if m.sentiment.by_model)
    assert client.post("/api/sentiment/correct", json={"ids": [target.id], "label": "neutral"},
                       headers=JSON).status_code == 200
    in_view = Filters(brand="Lumora", since=datetime(2026, 11, 1, tzinfo=UTC), until=datetime(2026, 11, 15, tzinfo=UTC))
    people = sum(m.sentiment is not None and m.sentiment.by_analyst for m in store.iter_mentions(in_view))
    labelled_by = client.get("/api/overview", params=PERIOD).json()["labelled_by"]
    assert labelled_by["people"] == people >= 1 and labelled_by["rules"] == 0


@pytest.mark.parametrize(("body", "status"), [
    ("[" * 100_000, 400),  # nested past what Python's JSON reader can follow
    ('{"ids": ["\\ud800"], "label": "negative"}', 400),  # a lone surrogate: no text encoding can store it
    ('{"ids": ["x:' + "9" * 600 + '"], "label": "negative"}', 400),  # no source has ids this long
    ('{"ids": ["x:1"], "label": "negative", "pad": "' + "a" * 1_100_000 + '"}', 413),  # over 1 MB
])
def test_an_odd_body_is_a_clear_4xx_never_a_500(client, body, status):
    for path in ("/api/sentiment/correct", "/api/sentiment/undo", "/api/spam/not-spam", "/api/spam/undo"):
        response = client.post(path, content=body.encode(), headers={**JSON, "Origin": "http://127.0.0.1"})
        assert response.status_code == status, (path, response.text[:200])
        assert response.json()["error"]


def test_who_undid_a_correction_is_stored_and_logged(store, caplog):
    app = demo_app(store, user_header="X-Forwarded-User")
    target = next(m for m in store.iter_mentions(Filters(brand="Lumora", sentiment="negative"))
                  if m.sentiment.by_model)
    signed = {**JSON, "X-Forwarded-User": "carol"}
    with TestClient(app, base_url="http://127.0.0.1") as proxied, caplog.at_level("WARNING"):
        assert proxied.post("/api/sentiment/correct", json={"ids": [target.id], "label": "positive"},
                            headers=signed).status_code == 200
        undo = {**signed, "X-Forwarded-User": "dave"}
        assert proxied.post("/api/sentiment/undo", json={"ids": [target.id]}, headers=undo).status_code == 200
    assert f"dave gave the model's label back to {target.id}" in caplog.text
    (withdrawn,) = undone_corrections(store, [target.id])[target.id]
    assert (withdrawn["by"], withdrawn["label"], withdrawn["undone_by"]) == ("carol", "positive", "dave")
