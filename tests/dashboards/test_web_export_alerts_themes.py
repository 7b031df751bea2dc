"""The alert timeline and the themes as CSV (`/api/alerts?format=csv`, `/api/themes?format=csv`): an attachment
whose rows are the JSON endpoint's items under the same filters, with each incident's verdict, and no cell a
spreadsheet would run as a formula. The demo data in a real SQLite store, with a hostile alert (a post's words in
its summary, subject and key phrases), a follow-up alert, a hostile theme label and a verdict given through the
real app."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_support import app_client, demo_alerts, demo_app, demo_mentions, forget_verdicts, load_demo

from alerts.history import save_alerts
from core.alert import Alert
from groundswell.demo_corpus import CRISIS_START
from indexing.base import Filters
from indexing.sqlite import SqliteStore

JSON = {"Content-Type": "application/json"}
CRISIS, WARNING = (a.id for a in demo_alerts(demo_mentions()))
EVIL_THEME = '=HYPERLINK("http://evil.invalid","price")'
# What spreadsheets run as a formula (core.escaping.CSV_FORMULA_START), at a cell's start.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

HOSTILE = Alert(
    kind="keyword", brand="Sonique", severity="warning", subject="@SUM(A1)",
    window_start=CRISIS_START + timedelta(days=1), window_end=CRISIS_START + timedelta(days=1, hours=1),
    observed=12, expected=1.5, statistic="poisson", score=-3.5, key_phrases=["-2+3", "plain words"],
    summary='=HYPERLINK("http://evil.invalid","click me")', link="javascript:alert(1)",
)  # fmt: skip
FOLLOW_UP = Alert(
    kind="keyword", brand="Lumora", severity="critical", subject="overheating", incident_id=CRISIS,
    window_start=CRISIS_START + timedelta(hours=4), window_end=CRISIS_START + timedelta(hours=5),
    observed=20, expected=0.5, statistic="poisson", score=9.1, summary="Lumora: “overheating” 20 times",
)  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("export") / "g.db")
    load_demo(store)
    save_alerts(store, [HOSTILE, FOLLOW_UP])
    # A theme label is words of posts: relabel the demo's "price" theme as a formula.
    priced = list(store.iter_mentions(Filters(theme="price", include_spam=True)))
    assert priced
    relabelled = [m.model_copy(update={"themes": [EVIL_THEME if t == "price" else t for t in m.themes]})
                  for m in priced]
    assert all(r.ok for r in store.upsert(relabelled))
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(store):
    yield from app_client(store)


@pytest.fixture(autouse=True)
def no_verdicts(store):
    yield from forget_verdicts(store)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _no_formula(text: str) -> None:
    """Every cell a spreadsheet opens is safe: a formula character at its start only on a number we wrote."""
    risky = [c for c in _cells(text) if c.lstrip(" \n\xa0\u3000").startswith(FORMULA_START) and not _is_number(c)]
    assert risky == []


def test_alerts_csv_is_an_attachment_with_a_row_per_alert_of_the_timeline(client):
    response = client.get("/api/alerts", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="groundswell-alerts.csv"'
    rows = _csv(response)
    body = client.get("/api/alerts").json()
    assert body["total"] == len(body["alerts"]) == 4
    assert [r["alert"] for r in rows] == [a["id"] for a in body["alerts"]]  # newest first, as the JSON
    incident_of = {a["id"]: card["id"] for card in body["incidents"] for a in card["alerts"]}
    for row, alert in zip(rows, body["alerts"], strict=True):
        assert row["incident"] == incident_of[alert["id"]]
        for key in ("brand", "kind", "severity", "window_start", "window_end"):
            assert row[key] == alert[key], key
        assert row["decided_at"] == (alert["decided_at"] or alert["window_end"])  # core.alert.decided_at
        assert (float(row["observed"]), float(row["expected"])) == (alert["observed"], alert["expected"])
        assert float(row["score"]) == alert["score"]
        assert row["summary"].removeprefix("'") == alert["summary"]
        assert row["headline"] and row["verdict"] == ""
    by_id = {r["alert"]: r for r in rows}
    assert by_id[FOLLOW_UP.id]["incident"] == by_id[CRISIS]["incident"] == CRISIS  # an update of the crisis
    assert by_id[CRISIS]["headline"] == "Negative spike" and by_id[CRISIS]["negative_share"] == "0.92"
    assert by_id[CRISIS]["top_terms"] == "overheating|battery|charging"
    assert by_id[CRISIS]["window_start"].endswith("Z")  # UTC, as the JSON writes it


def test_alerts_csv_escapes_formulas_and_keeps_numbers_numbers(client):
    given = client.post("/api/alerts/verdict", json={"incident": HOSTILE.id, "verdict": "false_alarm",
                                                     "note": "+cmd|' /C calc'!A0"}, headers=JSON)
    assert given.status_code == 200, given.text
    response = client.get("/api/alerts", params={"brand": "Sonique", "format": "csv"})
    (row,) = _csv(response)
    assert row["summary"] == "'" + HOSTILE.summary
    assert row["subject"] == "'@SUM(A1)"
    assert row["key_phrases"] == "'-2+3|plain words"
    assert row["verdict"] == "false_alarm" and row["verdict_note"] == "'+cmd|' /C calc'!A0"
    assert row["score"] == "-3.5"  # a number the detector computed stays a number
    assert row["link"] == ""  # only http(s) links, as on the page
    _no_formula(response.text)


def test_alerts_csv_carries_the_verdict_of_each_alert_s_incident(client):
    given = client.post("/api/alerts/verdict", json={"incident": CRISIS, "verdict": "real", "note": "on the news"},
                        headers=JSON)
    assert given.status_code == 200, given.text
    rows = {r["alert"]: r for r in _csv(client.get("/api/alerts", params={"brand": "Lumora", "format": "csv"}))}
    card = given.json()["verdict"]
    for alert in (CRISIS, FOLLOW_UP.id):  # both alerts of the judged incident
        assert (rows[alert]["verdict"], rows[alert]["verdict_note"], rows[alert]["verdict_by"],
                rows[alert]["verdict_at"]) == ("real", "on the news", card["by"], card["at"])
    assert rows[WARNING]["verdict"] == ""


@pytest.mark.parametrize("params", [
    {"severity": "warning"},
    {"severity": "critical", "brand": "Lumora"},
    {"brand": "Sonique"},
    {"since": "2026-11-11T15:00:00Z"},
    {"until": "2026-11-10"},
    {"since": "2026-11-11", "until": "2026-11-12", "tz": "Asia/Seoul"},
    {"days": "1"},
    {"limit": "2"},
])  # fmt: skip
def test_alerts_csv_applies_the_same_filters_as_the_timeline(client, params):
    shown = client.get("/api/alerts", params=params).json()
    rows = _csv(client.get("/api/alerts", params={**params, "format": "csv"}))
    assert [r["alert"] for r in rows] == [a["id"] for a in shown["alerts"]]
    assert 0 < len(rows) < 4


def test_alerts_csv_holds_the_whole_selection_unless_a_limit_is_asked(tmp_path):
    store = SqliteStore(tmp_path / "many.db")
    many = [Alert(brand="Lumora", severity="info", kind="spike", observed=5, expected=1, statistic="poisson",
                  score=3.0, window_start=CRISIS_START + timedelta(hours=h),
                  window_end=CRISIS_START + timedelta(hours=h + 1)) for h in range(230)]
    save_alerts(store, many)
    try:
        with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
            assert len(client.get("/api/alerts").json()["alerts"]) == 200  # the JSON's default page
            assert len(_csv(client.get("/api/alerts", params={"format": "csv"}))) == 230
            assert len(_csv(client.get("/api/alerts", params={"format": "csv", "limit": "7"}))) == 7
    finally:
        store.close()


def _themes(body: dict) -> list[dict]:
    return list({r["theme"]: r for r in body["recurring"] + body["rising"]}.values())


def test_themes_csv_is_an_attachment_with_a_row_per_theme_of_the_view(client, store):
    body = client.get("/api/themes", params={"brand": "Lumora"}).json()
    response = client.get("/api/themes", params={"brand": "Lumora", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="groundswell-themes.csv"'
    rows = _csv(response)
    themes = _themes(body)
    assert [r["theme"].removeprefix("'") for r in rows] == [t["theme"] for t in themes]
    since, until = (datetime.fromisoformat(body["period"][k]) for k in ("since", "until"))
    mentions = store.count(Filters(brand="Lumora", since=since, until=until))  # spam left out, as the view
    rising = {t["theme"] for t in body["rising"]}
    for row, theme in zip(rows, themes, strict=True):
        assert int(row["count"]) == theme["count"]
        assert float(row["share"]) == round(theme["count"] / mentions, 4)
        for label in ("negative", "neutral", "positive"):
            assert int(row[label]) == theme["sentiment"].get(label, 0)
        assert row["rising"] == ("true" if theme["theme"] in rising else "false")
        assert float(row["change"]) == theme["change"] and float(row["previous"]) == theme["previous"]
        assert row["sample_ids"] == "|".join(s["id"] for s in theme["samples"]) != ""
        assert (row["brand"], row["since"], row["until"]) == ("Lumora", *body["period"].values())
    by_theme = {r["theme"]: r for r in rows}
    assert by_theme["battery overheating"]["rising"] == "true" and by_theme["battery overheating"]["new"] == "true"
    assert by_theme["'" + EVIL_THEME]["count"] != ""  # the hostile label, escaped
    assert any(float(r["change"]) < 0 for r in rows)  # a fallen theme's change stays a (negative) number
    _no_formula(response.text)


@pytest.mark.parametrize("params", [
    {"brand": "Lumora", "sentiment": "negative"},
    {"brand": "Lumora", "source": "x", "lang": "en"},
    {"brand": "Lumora", "since": "2026-11-11", "until": "2026-11-13"},
    {"brand": "Lumora", "days": "2", "n": "3", "samples": "1"},
    {"brand": "Sonique"},
])  # fmt: skip
def test_themes_csv_applies_the_same_filters_as_the_page(client, params):
    body = client.get("/api/themes", params=params).json()
    rows = _csv(client.get("/api/themes", params={**params, "format": "csv"}))
    assert [(r["theme"].removeprefix("'"), int(r["count"])) for r in rows] == [
        (t["theme"], t["count"]) for t in _themes(body)
    ]
    assert rows and all(len(r["sample_ids"].split("|")) <= int(params.get("samples", 3)) for r in rows)


@pytest.mark.parametrize("path", ["/api/alerts", "/api/themes"])
def test_an_unknown_format_is_a_400(client, path):
    response = client.get(path, params={"format": "xlsx"})
    assert response.status_code == 400 and response.json()["param"] == "format"
    assert client.get(path, params={"format": "json"}).json()  # json stays the default and can be named


@pytest.mark.parametrize(("page", "link"), [("alerts", "export-alerts"), ("themes", "export-themes")])
def test_the_pages_offer_the_download(client, page, link):
    html = client.get(f"/{page}").text
    assert f'id="{link}"' in html
    script = client.get(f"/static/{page}.js").text
    assert f'getElementById("{link}").href' in script and 'format: "csv"' in script
