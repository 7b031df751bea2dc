"""A source failing for every brand is one health row, not one per brand: `groundswell health` (table and --json)
and the dashboard's `/api/health` group a source's rows that share a status and a problem
(`groundswell.health_rules.group_sources`), keep a problem only one brand has as its own "<source>/<brand>" row,
and say which brands a grouped row stands for (`brands`). Records written by real `groundswell ingest` runs against
a local fake API, and at 60 brands × 6 sources in a real SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from cli_config import write_config
from click.testing import CliRunner
from fastapi.testclient import TestClient
from health_fake import serving

from dashboards.web import app as web_app
from dashboards.web.app import create_app
from groundswell.cli import cli
from groundswell.config import load_config, parse_config
from groundswell.health import source_key
from indexing.sqlite import SqliteStore

BRANDS = ["Acme", "Globex", "Initech", "Umbrella"]


def _ingested(tmp_path: Path) -> Path:
    """Four brands, a source refused every pass (401) and one that brought a story once: four real ingest runs."""
    with serving() as server:
        base = f"http://127.0.0.1:{server.server_port}"
        config = write_config(tmp_path, brands=[{"name": b, "query": b.lower()} for b in BRANDS], sources=[
            {"type": "hackernews", "name": "hn-401", "options": {"base_url": f"{base}/hn-401"}},
            {"type": "hackernews", "name": "hn-news", "options": {"base_url": f"{base}/hn-news"}},
        ])
        for run in range(4):
            server.news = run == 0  # type: ignore[attr-defined]
            result = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"])
            assert result.exit_code == 3, result.output  # one source failed, the other collected
    return config


def test_a_source_refused_for_every_brand_is_one_row_naming_the_brands(tmp_path):
    config = _ingested(tmp_path)
    result = CliRunner().invoke(cli, ["health", "-c", str(config), "--json"])
    report = json.loads(result.stdout)
    sources = [r for r in report["rows"] if r["kind"] == "source"]
    refused = next(r for r in sources if r["name"] == "hn-401")
    assert refused["status"] == "failing" and refused["brands"] == BRANDS
    assert refused["detail"].startswith("hackernews: failing for 4 brands (Acme, Globex, Initech and 1 more); Acme: ")
    assert "401" in refused["detail"] and refused["action"].startswith("hn-401: check the credentials")
    assert sorted(refused["records"]) == sorted(BRANDS) and "record" not in refused
    assert all(rec["consecutive_failures"] == 4 for rec in refused["records"].values())
    assert not any(r["name"].startswith("hn-401/") for r in sources)  # 1 row, not 4
    # Rows of one source with different problems, or a problem one brand alone has, keep their own names.
    for r in sources:
        if r["name"] != "hn-401":
            assert r["name"].startswith("hn-news/") and "brands" not in r and "record" in r
    table = CliRunner().invoke(cli, ["health", "-c", str(config)]).stdout
    assert "failing for 4 brands" in table and "hn-401/Acme" not in table
    assert "- hn-401: check the credentials" in table and table.count("- hn-401") == 1

    loaded = load_config(config)
    store = SqliteStore(loaded.store.path)
    try:
        with TestClient(create_app(store, loaded), base_url="http://127.0.0.1") as client:
            api = client.get("/api/health").json()
    finally:
        store.close()
    row = next(r for r in api["rows"] if r["name"] == "hn-401")
    assert row["brands"] == BRANDS and "records" not in row and "record" not in row
    assert row["detail"] == refused["detail"]
    cli_rows = [r["name"] for r in report["rows"] if r["status"] != "ok" and r["kind"] not in ("store", "model")]
    assert [r["name"] for r in api["rows"]] == cli_rows


def _big(tmp_path: Path):
    """60 brands × 6 sources: one source refused (401) for every brand, one gone quiet for every brand but
    Brand07 (refused once: a problem of its own), the rest fine; every brand with a post an hour old."""
    names = [f"Brand{i:02d}" for i in range(1, 61)]
    sources = [f"src{i}" for i in range(1, 7)]
    config = parse_config({"brands": [{"name": n, "query": n} for n in names],
                           "sources": [{"type": "hackernews", "name": s} for s in sources],
                           "store": {"path": str(tmp_path / "g.db")}})
    store = SqliteStore(tmp_path / "g.db")
    now = datetime.now(UTC)
    hour, day = (now - timedelta(hours=1)).isoformat(), (now - timedelta(days=1)).isoformat()
    for s in sources:
        for n in names:
            record = {"source": s, "type": "hackernews", "brand": n, "last_attempt": hour, "last_success": hour,
                      "items_ever": True, "last_items": 2, "newest_post": hour}
            if s == "src1":
                record.update(last_success=None, consecutive_failures=5, last_error="HTTPError: 401 Unauthorized")
            elif s == "src2" and n == "Brand07":
                record.update(consecutive_failures=1, last_error="ReadTimeout: timed out")
            elif s == "src2":
                record.update(zero_item_runs=4, last_items=0, newest_post=day)
            store.set_state(source_key(s, n), json.dumps(record))
    return config, store, names


def test_sixty_brands_by_six_sources_is_a_few_rows_on_the_dashboard(tmp_path, monkeypatch):
    config, store, names = _big(tmp_path)
    try:
        with TestClient(create_app(store, config), base_url="http://127.0.0.1") as client:
            api = client.get("/api/health").json()
    finally:
        store.close()
    brand_rows = [r for r in api["rows"] if r["kind"] == "brand"]
    assert len(brand_rows) == 60  # nothing stored for any brand: each brand's own row (brand-specific)
    rows = [(r["name"], r["status"], len(r.get("brands", []))) for r in api["rows"] if r["kind"] == "source"]
    assert rows == [("src1", "failing", 60), ("src2", "warning", 59), ("src2/Brand07", "warning", 0)]
    src1 = api["rows"][0]
    assert src1["detail"].startswith("hackernews: failing for 60 brands (Brand01, Brand02, Brand03 and 57 more); ")
    assert src1["brands"] == names
    assert "gone quiet (empty passes in a row) for 59 brands" in api["rows"][1]["detail"]
    assert "Brand07" not in api["rows"][1]["brands"]
    assert api["status"] == "failing"


def test_the_answer_is_kept_for_a_while_then_read_again(tmp_path, monkeypatch):
    config, store, _ = _big(tmp_path)
    try:
        with TestClient(create_app(store, config), base_url="http://127.0.0.1") as client:
            first = client.get("/api/health").json()
            now = datetime.now(UTC).isoformat()
            store.set_state(source_key("src3", "Brand01"), json.dumps({  # a pass failed since
                "source": "src3", "type": "hackernews", "brand": "Brand01", "last_attempt": now, "last_success": now,
                "consecutive_failures": 1, "last_error": "ReadTimeout: timed out"}))
            assert client.get("/api/health").json() == first  # kept (HEALTH_TTL_S)
            monkeypatch.setattr(web_app, "HEALTH_TTL_S", 0.0)
            again = client.get("/api/health").json()
    finally:
        store.close()
    assert ("src3/Brand01", "warning") in [(r["name"], r["status"]) for r in again["rows"]]


@pytest.mark.parametrize("count, named", [(2, "(A, B)"), (3, "(A, B, C)"), (5, "(A, B, C and 2 more)")])
def test_a_grouped_row_names_three_brands_and_counts_the_rest(count, named):
    from groundswell.health_rules import group_sources, source_row

    now = datetime.now(UTC)
    rows = group_sources([source_row("s", b, "rss", None, now, None) for b in "ABCDE"[:count]])
    assert len(rows) == 1 and rows[0].name == "s" and rows[0].brands == list("ABCDE"[:count])
    assert f"no collection recorded yet for {count} brands {named}" in rows[0].detail


def _failing(tmp_path: Path, errors: dict[str, str], queries: dict[str, str] | None = None):
    """One hackernews source, each brand of `errors` failing 4 passes in a row with its error."""
    queries = queries or {n: n for n in errors}
    config = parse_config({"brands": [{"name": n, "query": queries[n]} for n in errors],
                           "sources": [{"type": "hackernews", "name": "hn"}],
                           "store": {"path": str(tmp_path / "g.db")}})
    store = SqliteStore(tmp_path / "g.db")
    hour = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for n, error in errors.items():
        store.set_state(source_key("hn", n), json.dumps({
            "source": "hn", "type": "hackernews", "brand": n, "last_attempt": hour, "last_success": None,
            "items_ever": True, "last_items": 0, "newest_post": hour, "consecutive_failures": 4,
            "last_error": error}))
    store.close()
    path = tmp_path / "groundswell.yaml"
    path.write_text(json.dumps(config.model_dump(mode="json", exclude_unset=True)))
    return path


def test_an_error_of_one_brands_own_keeps_its_row(tmp_path):
    """Two errors `_hint` does not know get the same catch-all hint; they are still two problems: Globex's bad query
    is its own row, with its own error in the table, not hidden behind "failing for 3 brands; Acme: ... 500"."""
    config = _failing(tmp_path, {"Acme": "HTTPError: 500 Internal Server Error",
                                 "Globex": "ValueError: query 'Globex OR (' has an unbalanced parenthesis",
                                 "Initech": "HTTPError: 500 Internal Server Error"})
    report = json.loads(CliRunner().invoke(cli, ["health", "-c", str(config), "--json"]).stdout)
    sources = [(r["name"], r.get("brands")) for r in report["rows"] if r["kind"] == "source"]
    assert sources == [("hn", ["Acme", "Initech"]), ("hn/Globex", None)]
    table = CliRunner().invoke(cli, ["health", "-c", str(config)]).stdout
    assert "failing for 2 brands (Acme, Initech)" in table
    assert "unbalanced parenthesis" in table


def test_the_same_error_naming_each_brands_query_is_one_problem(tmp_path):
    """A 401 whose URL carries each brand's own query (URL-encoded) is one error of the source: grouped."""
    queries = {"Acme": 'acme OR "Acme Corp"', "Globex": "globex", "Initech": "Initech"}
    errors = {n: f"HTTPError: 401 Client Error: Unauthorized for url: https://hn.example/search?query="
                 f"{quote_plus(q)}&tags=story" for n, q in queries.items()}
    config = _failing(tmp_path, errors, queries)
    report = json.loads(CliRunner().invoke(cli, ["health", "-c", str(config), "--json"]).stdout)
    sources = [(r["name"], r.get("brands")) for r in report["rows"] if r["kind"] == "source"]
    assert sources == [("hn", ["Acme", "Globex", "Initech"])]


@pytest.mark.parametrize("error, brand, query, same", [
    ("ValueError: query 'Globex OR (' is bad", "Globex", "Globex OR (", "ValueError: query '<brand>' is bad"),
    ("401 for url ?q=acme+OR+%22Acme+Corp%22&n=5", "Acme", 'acme OR "Acme Corp"', "401 for url ?q=<brand>&n=5"),
    ("HTTPError: 500 Internal Server Error", "In", "in", "HTTPError: 500 Internal Server Error"),  # whole words
])
def test_same_error_masks_the_brand(error, brand, query, same):
    from groundswell.health_rules import same_error

    assert same_error(error, brand, query) == same
