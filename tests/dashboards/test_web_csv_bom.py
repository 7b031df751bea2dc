"""`bom=1` on the CSV downloads (`/api/export`, `/api/advocates`, `/api/alerts`, `/api/themes` with format=csv): the
body starts with the UTF-8 byte-order mark EF BB BF, once, and is otherwise the very file sent without it, so Excel
reads Korean, Chinese and Russian as UTF-8; without it (the API's default) no mark, which scripts expect. Any value
but 0 or 1 is a 400 naming `bom`, and so is bom=1 on JSON (JSON never carries a mark). The demo data (posts in ko,
zh, ru, it among others) in a real SQLite store, through the real app."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from web_support import demo_app, demo_db

from indexing.sqlite import SqliteStore

BOM = b"\xef\xbb\xbf"
PERIOD = "brand=Lumora&since=2026-11-01&until=2026-11-15"
CSV_URLS = [
    "/api/export?format=csv",
    "/api/export?brand=Lumora&sort=newest",  # format=csv is the export's default
    "/api/export?brand=Lumora&lang=ko&format=csv&limit=50",
    f"/api/advocates?{PERIOD}&format=csv",
    f"/api/advocates?{PERIOD}&kind=detractors&format=csv",
    "/api/alerts?format=csv",
    f"/api/themes?{PERIOD}&format=csv",
]


@pytest.fixture(scope="module")
def client():
    store = SqliteStore(demo_db())
    with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
        yield client
    store.close()


def _get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return response.content


@pytest.mark.parametrize("url", CSV_URLS)
def test_bom_1_puts_the_mark_once_before_the_same_file(client, url):
    plain = _get(client, url)
    marked = _get(client, url + "&bom=1")
    assert not plain.startswith(BOM) and BOM not in plain
    assert marked.startswith(BOM) and marked.count(BOM) == 1
    assert marked == BOM + plain
    assert _get(client, url + "&bom=0") == plain
    rows = list(csv.reader(io.StringIO(marked.decode("utf-8-sig"))))
    assert len(rows) >= 2  # a header and at least one row: the mark leads a real file
    assert rows == list(csv.reader(io.StringIO(plain.decode("utf-8"))))
    # A script reading the default file as plain UTF-8 sees its first header as it is.
    assert not rows[0][0].startswith("\ufeff") and plain.decode("utf-8").split(",", 1)[0] == rows[0][0]


def test_the_mark_is_sent_once_for_a_streamed_export_of_many_chunks(client):
    plain = _get(client, "/api/export?format=csv&spam=include")
    assert len(plain) > 200_000  # several of the stream's 64 kB chunks
    marked = _get(client, "/api/export?format=csv&spam=include&bom=1")
    assert marked == BOM + plain and marked.count(BOM) == 1
    text = marked.decode("utf-8-sig")
    # Korean, Chinese and Russian text read back intact from the marked file.
    assert any("\uac00" <= ch <= "\ud7a3" for ch in text)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert any("\u0400" <= ch <= "\u04ff" for ch in text)


@pytest.mark.parametrize(
    "url",
    [
        "/api/export?format=json",
        "/api/export?format=jsonl",
        f"/api/advocates?{PERIOD}",
        "/api/alerts?brand=Lumora",
        f"/api/themes?{PERIOD}&format=json",
    ],
)
def test_json_never_carries_the_mark(client, url):
    plain = client.get(url)
    assert plain.status_code == 200
    assert not plain.content.startswith(BOM)
    assert client.get(url + "&bom=0").content == plain.content
    refused = client.get(url + "&bom=1")
    assert refused.status_code == 400
    assert refused.json()["param"] == "bom" and "format=csv only" in refused.json()["error"]
    if not url.startswith("/api/export"):  # the export's JSON is JSON lines
        json.loads(plain.content)


@pytest.mark.parametrize("value", ["2", "true", "yes", "-1", "01", " 1"])
@pytest.mark.parametrize("url", ["/api/export?format=csv", "/api/advocates?format=csv", "/api/alerts?format=csv",
                                 "/api/themes?format=csv"])
def test_a_bad_bom_is_a_400_naming_it(client, url, value):
    response = client.get(url, params={"bom": value})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["param"] == "bom" and "bom=" in body["error"] and "not one of: 0, 1" in body["error"]
