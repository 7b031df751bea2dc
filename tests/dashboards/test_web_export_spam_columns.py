"""/api/export with spam=include tells spam and the brands' own posts apart: `spam` (the rule's reason, empty when
not spam) and `own` columns, at the end, so the columns people's spreadsheets read by position stay where they
were. JSONL is the mention format, whose `spam` field says both already."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from overview_compare_support import BRAND_CONFIGS, THIS_WEEK, compare_mentions

from dashboards.web.app import create_app
from dashboards.web.export import CSV_COLUMNS
from groundswell.spam import OWN_POST
from indexing.sqlite import SqliteStore

# The columns before this change, in their order: spreadsheets read them by position.
EARLIER = ["id", "source", "url", "created_at", "brands", "lang", "sentiment", "sentiment_by", "author_handle",
           "author_followers", "engagement", "reach", "themes", "text"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("export-spam") / "g.db")
    assert all(r.ok for r in store.upsert(compare_mentions()))  # one spam post and one own post of Lumora
    with TestClient(create_app(store, BRAND_CONFIGS), base_url="http://127.0.0.1") as client:
        yield client
    store.close()


def _export(client, **params) -> str:
    response = client.get("/api/export", params={"brand": "Lumora", **THIS_WEEK, **params})
    assert response.status_code == 200, response.text
    return response.text


def test_the_csv_says_which_rows_are_spam_and_which_are_own_posts(client):
    rows = list(csv.DictReader(io.StringIO(_export(client, format="csv", spam="include"))))
    assert CSV_COLUMNS[: len(EARLIER) + 2] == [*EARLIER, "spam", "own"] and list(rows[0]) == CSV_COLUMNS
    assert len(rows) == 12  # 10 counted, the spam post and the own post
    spam = [r for r in rows if r["spam"]]
    own = [r for r in rows if r["own"] == "true"]
    assert [r["spam"] for r in spam] == ["copy-paste campaign: 40 authors, 12 min"]
    assert len(own) == 1 and own[0]["spam"] == ""  # an own post is set aside, but it is not spam
    assert {r["own"] for r in rows} == {"true", "false"}
    assert sum(1 for r in rows if not r["spam"] and r["own"] == "false") == 10
    # the same rows as JSONL, the mention format: its `spam` field says both already
    lines = [json.loads(line) for line in _export(client, format="jsonl", spam="include").splitlines()]
    assert sorted(m["spam"] for m in lines if m.get("spam")) == sorted([spam[0]["spam"], OWN_POST])


def test_without_spam_the_columns_are_there_and_empty(client):
    rows = list(csv.DictReader(io.StringIO(_export(client, format="csv"))))
    assert len(rows) == 10 and {(r["spam"], r["own"]) for r in rows} == {("", "false")}
