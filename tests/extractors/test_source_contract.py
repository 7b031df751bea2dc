"""The contracts a new source meets that nothing typed enforces: a mention's `source` is its extractor's registry
type (checked where mentions enter collection, `extractors.base.checked_sources`), and a type whose native ids are
numbered per site is warned about by `config check` when two sources read two sites (`Extractor.ids_per_site`)."""

from __future__ import annotations

import json
from pathlib import Path

from forum_support import register

from extractors.base import Window
from groundswell.config import Config, config_warnings, parse_config
from groundswell.pipeline import collect_one
from indexing.sqlite import SqliteStore


def _config(tmp_path: Path, *sources: dict) -> Config:
    return parse_config({"brands": [{"name": "acme", "query": "acme"}], "sources": list(sources),
                         "store": {"path": str(tmp_path / "g.db")}})


def test_a_mention_under_another_source_fails_its_source_and_stores_nothing(tmp_path, monkeypatch):
    register(monkeypatch)
    config = _config(tmp_path, {"type": "forum", "name": "forum-eu", "options": {"source_from_key": True}})
    store = SqliteStore(tmp_path / "g.db")
    report = collect_one(config, store, config.sources[0], "acme", Window())
    error = report.errors["forum-eu/acme"]
    assert "forum_support.ForumExtractor (type 'forum')" in error
    assert "'forum-eu:1' with source 'forum-eu'" in error and "Selector(self.type" in error
    assert list(store.iter_mentions()) == []


def test_a_mention_under_its_type_is_stored_under_the_type(tmp_path, monkeypatch):
    register(monkeypatch)
    config = _config(tmp_path, {"type": "forum", "name": "forum-eu"})
    store = SqliteStore(tmp_path / "g.db")
    report = collect_one(config, store, config.sources[0], "acme", Window())
    assert report.errors == {}
    assert sorted(m.id for m in store.iter_mentions()) == ["forum:1", "forum:2"]


def test_the_import_source_keeps_each_rows_own_source(tmp_path):
    # The one type exempt from the check (`keeps_item_sources`): an export's rows keep the platform they came from.
    path = tmp_path / "export.jsonl"
    rows = [{"source": "x", "native_id": "7", "text": "acme on x", "created_at": "2026-01-01T00:00:00Z"},
            {"native_id": "8", "text": "acme, no source", "created_at": "2026-01-01T00:00:00Z"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = _config(tmp_path, {"type": "import", "options": {"path": str(path)}})
    store = SqliteStore(tmp_path / "g.db")
    report = collect_one(config, store, config.sources[0], "acme", Window())
    assert report.errors == {}
    assert sorted(m.id for m in store.iter_mentions()) == ["import:8", "x:7"]


def _site_warnings(tmp_path: Path, *sources: dict) -> list[str]:
    return [w for w in config_warnings(_config(tmp_path, *sources), env={}) if "numbered per site" in w]


def test_two_sites_of_a_type_with_per_site_ids_are_a_warning(tmp_path, monkeypatch):
    register(monkeypatch)
    [warning] = _site_warnings(
        tmp_path,
        {"type": "forum", "name": "eu", "options": {"base_url": "https://forum.example.eu/"}},
        {"type": "forum", "name": "us", "options": {"base_url": "https://Forum.example.com"}},
    )
    assert "sources.0 (eu): forum.example.eu" in warning and "sources.1 (us): forum.example.com" in warning
    assert "'forum' ids are numbered per site" in warning


def test_one_site_or_ids_unique_across_sites_is_no_warning(tmp_path, monkeypatch):
    register(monkeypatch)
    # Two sources on one forum (two brands' options, say): one numbering.
    assert _site_warnings(tmp_path, {"type": "forum", "name": "a", "options": {"base_url": "https://f.example/x"}},
                          {"type": "forum", "name": "b", "options": {"base_url": "https://f.example/y"}}) == []
    # Mastodon ids are snowflakes (`Extractor.ids_per_site` says why they do not count as per site).
    assert _site_warnings(tmp_path, {"type": "mastodon", "name": "a", "options": {"api_base_url": "https://a.social"}},
                          {"type": "mastodon", "name": "b", "options": {"api_base_url": "https://b.social"}}) == []

