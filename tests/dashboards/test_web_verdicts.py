"""A verdict on an incident through the dashboard (POST /api/alerts/verdict and its undo): only from the same
origin, every bad body a 400 that says what to fix with nothing stored, the verdict shown on the incident's
card data with who gave it, and the sign-in proxy's user recorded. Demo data, real SQLite."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_support import app_client, demo_alerts, demo_app, demo_mentions, forget_verdicts, load_demo

from groundswell.alert_verdicts import MAX_NOTE_CHARS, verdict_history, verdicts
from indexing.sqlite import SqliteStore

JSON = {"Content-Type": "application/json"}
PERIOD = {"brand": "Lumora", "since": "2026-11-01", "until": "2026-11-15"}
CRISIS, WARNING = (a.id for a in demo_alerts(demo_mentions()))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("verdicts") / "g.db")
    load_demo(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(store):
    yield from app_client(store)


@pytest.fixture(autouse=True)
def no_verdicts(store):
    yield from forget_verdicts(store)


def _cards(client, path="/api/alerts"):
    return {i["id"]: i for i in client.get(path, params=PERIOD).json()["incidents"]}


@pytest.mark.parametrize(("body", "param", "says"), [
    ("not json", None, "not valid JSON"),
    ("[1, 2]", "incident", "send a JSON object"),
    ("{}", "incident", "send a JSON object"),
    ('{"incident": "nope", "verdict": "real"}', "incident", "no incident 'nope'"),
    ('{"incident": 7, "verdict": "real"}', "incident", "incident must be an incident id"),
    (f'{{"incident": "{CRISIS}", "verdict": "crisis"}}', "verdict", "verdict must be one of real, false_alarm, ack"),
    (f'{{"incident": "{CRISIS}"}}', "verdict", "verdict must be one of"),
    (f'{{"incident": "{CRISIS}", "verdict": "real", "note": "{"x" * (MAX_NOTE_CHARS + 1)}"}}', "note",
     f"at most {MAX_NOTE_CHARS}"),
    (f'{{"incident": "{CRISIS}", "verdict": "real", "note": ["a"]}}', "note", "note must be text"),
    (f'{{"incident": "{CRISIS}", "verdict": "real", "note": "\\ud800"}}', "note", "not valid Unicode"),
    (f'{{"incident": "{CRISIS}", "verdict": "real", "by": "mallory"}}', "by", "unknown field 'by'"),
])
def test_a_bad_verdict_is_a_400_that_says_why_and_stores_nothing(client, store, body, param, says):
    response = client.post("/api/alerts/verdict", content=body, headers=JSON)
    assert response.status_code == 400, response.text
    assert response.json().get("param") == param and says in response.json()["error"]
    assert store.state_items("alert-verdict") == {}


@pytest.mark.parametrize(("path", "body"), [
    ("/api/alerts/verdict", '{"incident": "\\ud800", "verdict": "real"}'),
    ("/api/alerts/verdict/undo", '{"incident": "\\ud800"}'),
])
def test_an_incident_id_that_is_no_valid_unicode_is_a_400_for_a_verdict_and_its_undo(client, store, path, body):
    """A lone surrogate (JSON's "\\ud800") can be no stored id: one check (alert_verdicts.check_incident_id) refuses
    it before the store is asked, for setting and undoing alike (the undo was a 500)."""
    response = client.post(path, content=body, headers=JSON)
    assert response.status_code == 400, response.text
    assert response.json().get("param") == "incident" and "not valid Unicode" in response.json()["error"]
    assert store.state_items("alert-verdict") == {}


@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {**JSON, "Origin": "http://evil.invalid"},
                                     {**JSON, "Sec-Fetch-Site": "cross-site"}])
def test_another_site_cannot_judge_an_incident(client, store, headers):
    response = client.post("/api/alerts/verdict", content=f'{{"incident": "{CRISIS}", "verdict": "false_alarm"}}',
                           headers=headers)
    assert response.status_code == 403 and response.json()["error"]
    undo = client.post("/api/alerts/verdict/undo", content=f'{{"incident": "{CRISIS}"}}', headers=headers)
    assert undo.status_code == 403
    assert verdicts(store) == {}


def test_a_verdict_shows_on_its_card_on_both_pages_and_an_undo_takes_it_back(client, store):
    assert all(card["verdict"] is None for card in _cards(client).values())
    given = client.post("/api/alerts/verdict", json={"incident": CRISIS, "verdict": "real", "note": "on the news"},
                        headers=JSON)
    assert given.status_code == 200, given.text
    answer = given.json()
    assert answer["incident"] == CRISIS and answer["changed"] is True
    assert (answer["verdict"]["verdict"], answer["verdict"]["by"], answer["verdict"]["note"]) == (
        "real", "dashboard", "on the news")
    for path in ("/api/alerts", "/api/overview"):
        cards = _cards(client, path)
        assert cards[CRISIS]["verdict"] == answer["verdict"] and cards[WARNING]["verdict"] is None
    # replaced by a false alarm, then undone: "real" is back, both changes in the history
    assert client.post("/api/alerts/verdict", json={"incident": CRISIS, "verdict": "false_alarm"},
                       headers=JSON).json()["verdict"]["verdict"] == "false_alarm"
    back = client.post("/api/alerts/verdict/undo", json={"incident": CRISIS}, headers=JSON).json()
    assert back["verdict"] == answer["verdict"] and _cards(client)[CRISIS]["verdict"] == answer["verdict"]
    assert [e["verdict"] for e in verdict_history(store)[CRISIS]] == ["real", "false_alarm"]
    assert client.post("/api/alerts/verdict/undo", json={"incident": CRISIS}, headers=JSON).json()["verdict"] is None
    nothing = client.post("/api/alerts/verdict/undo", json={"incident": WARNING}, headers=JSON)
    assert nothing.status_code == 200 and nothing.json() == {"incident": WARNING, "verdict": None, "changed": False}
    unknown = client.post("/api/alerts/verdict/undo", json={"incident": "nope"}, headers=JSON)
    assert unknown.status_code == 400 and unknown.json()["param"] == "incident"


def test_behind_a_sign_in_proxy_the_verdict_names_its_user(store):
    with TestClient(demo_app(store, user_header="X-Forwarded-User"), base_url="http://127.0.0.1") as proxied:
        refused = proxied.post("/api/alerts/verdict", json={"incident": WARNING, "verdict": "ack"}, headers=JSON)
        assert refused.status_code == 403 and "X-Forwarded-User" in refused.json()["error"]
        assert verdicts(store) == {}
        done = proxied.post("/api/alerts/verdict", json={"incident": WARNING, "verdict": "ack"},
                            headers={**JSON, "X-Forwarded-User": "alice@example.org"})
        assert done.status_code == 200
    assert verdicts(store)[WARNING]["by"] == "alice@example.org"
