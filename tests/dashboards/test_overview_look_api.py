"""The overview's API for the look fixes (browser review s63): long periods count by week, the net sentiment
floor is in the answer, and /api/advocates follows the view's language, source and spam filters."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)
from overview_look_support import MONTH, QUARTER, SPAM_FAN, load
from web_support import demo_app

from indexing.sqlite import SqliteStore


@pytest.fixture(scope="module", params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path_factory) -> Iterator:
    """The same mentions on both stores: weeks and advocates' filters must give the same answers."""
    if request.param == "sqlite":
        s = SqliteStore(tmp_path_factory.mktemp("overview-look") / "g.db")
        load(s)
        yield s
        s.close()
        return
    from indexing.elasticsearch import ElasticsearchStore  # lazy: only with a node (the elasticsearch param)

    prefix = f"gs-look-{uuid.uuid4().hex[:8]}"
    s = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=prefix)
    try:
        load(s)
        yield s
    finally:
        delete_prefix(s.client, prefix)
        s.close()


@pytest.fixture(scope="module")
def client(store) -> Iterator:
    from fastapi.testclient import TestClient  # lazy: FastAPI loads only for the tests that build an app

    with TestClient(demo_app(store), base_url="http://127.0.0.1") as c:
        yield c


def _get(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("tz", ["UTC", "Asia/Seoul"])
def test_a_long_period_counts_by_week_and_adds_up_to_its_days(client, tz):
    weeks = _get(client, "/api/overview", brand="Lumora", tz=tz, **QUARTER)
    days = _get(client, "/api/overview", brand="Lumora", tz=tz, interval="day", **QUARTER)
    assert weeks["interval"] == "week" and days["interval"] == "day"
    starts = [datetime.fromisoformat(b["start"]).astimezone(ZoneInfo(tz)) for b in weeks["volume"]]
    assert starts and all(s.weekday() == 0 and (s.hour, s.minute) == (0, 0) for s in starts)  # local Mondays
    assert len(weeks["volume"]) < len(days["volume"])
    for key in ("negative", "neutral", "positive", "unknown", "total"):
        assert sum(b[key] for b in weeks["volume"]) == sum(b[key] for b in days["volume"]) == (
            weeks["totals"]["mentions"] if key == "total" else weeks["totals"][key])
    # each week's count is its days' counts
    for week, start in zip(weeks["volume"], starts, strict=True):
        inside = [b["total"] for b in days["volume"]
                  if 0 <= (datetime.fromisoformat(b["start"]).astimezone(ZoneInfo(tz)) - start).days < 7]
        assert week["total"] == sum(inside)


def test_a_month_still_counts_by_day_and_weeks_can_be_asked_for(client):
    assert _get(client, "/api/overview", brand="Lumora", **MONTH)["interval"] == "day"
    assert _get(client, "/api/overview", brand="Lumora", interval="week", **MONTH)["interval"] == "week"


def test_the_answer_names_the_net_sentiment_floor_and_each_bucket_its_posts(client):
    body = _get(client, "/api/overview", brand="Lumora", **MONTH)
    floor = body["net_sentiment_min_posts"]
    assert isinstance(floor, int) and floor > 1
    lone = [b for b in body["volume"] if b["start"].startswith("2026-10-20")]
    assert len(lone) == 1 and lone[0]["total"] == 1 and lone[0]["net_sentiment"] == -1.0  # the point to draw apart


def test_advocates_follow_language_source_and_spam(client):
    scope = {"brand": "Lumora", "since": "2026-11-01", "until": "2026-11-15", "n": "100"}
    everyone = _get(client, "/api/advocates", **scope)["authors"]
    langs = {lang for a in everyone for lang in a["languages"]}
    assert len(langs) > 1, langs
    for lang in sorted(langs):
        only = _get(client, "/api/advocates", lang=lang, **scope)["authors"]
        assert only, lang
        assert all(set(a["languages"]) == {lang} for a in only), (lang, only[:2])
    sources = {a["source"] for a in everyone}
    source = sorted(sources)[0]
    assert all(a["source"] == source for a in _get(client, "/api/advocates", source=source, **scope)["authors"])
    # spam: left out as everywhere, included with spam=include (the overview's Spam filter)
    assert SPAM_FAN not in {a["handle"] for a in everyone}
    assert SPAM_FAN in {a["handle"] for a in _get(client, "/api/advocates", spam="include", **scope)["authors"]}
    # the card's CSV link carries the filters too
    lang = sorted(langs)[0]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/advocates", params={**scope, "lang": lang,
                                                                                 "format": "csv"}).text)))
    assert rows and {r["languages"] for r in rows} == {f"{lang}:{r['mentions']}" for r in rows}
