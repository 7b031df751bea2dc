"""A brand removed from the config leaves the dashboard's all-brands figures on both stores: Explore with no
brand, `/api/export` and the meta lists count posts of configured brands only (docs/brands.md "Counts"). The s63
review (/tmp/diffreview-web-s63/rmcheck.py, the demo store with Sonique removed): `/api/search` with no brand said
3093 and the CSV held 3093 rows where the reports and `brand=Lumora` said 2066; `q=Sonique` found Sonique's posts.
Real SQLite store and a real Elasticsearch node, the real app through TestClient."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from test_store_contract import STORES, _open_store

from core.mention import Mention
from groundswell.config import BrandConfig
from indexing.base import Store

T0 = datetime(2026, 11, 10, 9, tzinfo=UTC)
LUMORA = [("l1", "Lumora Pulse is fine", "en"), ("l2", "Lumora Pulse again", "en"), ("l3", "Lumora ok", "en")]
SONIQUE = [("s1", "Sonique Buds hiss", "de"), ("s2", "Sonique Buds crackle", "de")]
BOTH = ("b1", "Lumora Pulse beats Sonique Buds", "en")


def _posts() -> list[Mention]:
    def post(native_id: str, text: str, lang: str, brands: list[str], k: int) -> Mention:
        return Mention(source="x", native_id=native_id, text=text, lang=lang, brands=brands,
                       created_at=T0 + timedelta(hours=k))

    out = [post(i, t, lang, ["Lumora"], k) for k, (i, t, lang) in enumerate(LUMORA)]
    out += [post(i, t, lang, ["Sonique"], 10 + k) for k, (i, t, lang) in enumerate(SONIQUE)]
    return [*out, post(*BOTH, ["Lumora", "Sonique"], 20)]


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    for opened in _open_store(request.param, request, tmp_path):
        assert all(r.ok for r in opened.upsert(_posts()))
        yield opened


def test_a_removed_brands_posts_stay_out_of_search_export_and_meta(store):
    from fastapi.testclient import TestClient  # lazy: FastAPI loads only for the tests that build an app

    from dashboards.web.app import create_app  # lazy: as above

    app = create_app(store, [BrandConfig(name="Lumora", query="Lumora")])  # Sonique removed from the config
    configured = {p.id for p in _posts() if "Lumora" in p.brands}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        anyone = client.get("/api/search", params={"size": 100}).json()
        assert anyone["total"] == len(configured) == 4
        assert {h["id"] for h in anyone["hits"]} == configured
        assert client.get("/api/search", params={"brand": "Lumora", "size": 100}).json()["total"] == 4
        named = client.get("/api/search", params={"q": "Sonique", "size": 100}).json()
        assert [h["id"] for h in named["hits"]] == [f"x:{BOTH[0]}"]  # it names Lumora too
        rows = list(csv.DictReader(io.StringIO(client.get("/api/export", params={"format": "csv"}).text)))
        assert len(rows) == 4
        assert client.get("/api/meta").json()["langs"] == ["en"]  # no "de": only Sonique's posts are German
