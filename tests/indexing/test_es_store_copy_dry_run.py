"""`groundswell store copy --dry-run` with Elasticsearch on either side writes nothing there, on a real node.

Before, a dry run opened an Elasticsearch store as a run does, and opening runs `setup`: into a prefix that did
not exist yet, the "dry" run created its index template, state, alert and monthly indices. Now both stores are
opened read-only (`groundswell.dry_run_store`): a missing target is counted as the empty store it would be, and a
missing source is refused in one line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from store_copy_corpus import STATE, rich_mentions

from groundswell.cli import cli
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.elasticsearch

BRANDS = "brands:\n  - name: Lumora\n    query: lumora\nsources: []\n"


def _configs(tmp_path, es_url: str, prefix: str) -> tuple[str, str]:
    store = SqliteStore(tmp_path / "old.db")
    assert all(r.ok for r in store.upsert(rich_mentions(12)))
    for key, value in STATE.items():
        store.set_state(key, value)
    store.close()
    old, new = tmp_path / "old.yaml", tmp_path / "es.yaml"
    old.write_text(BRANDS + f"store:\n  type: sqlite\n  path: {tmp_path / 'old.db'}\n", encoding="utf-8")
    new.write_text(BRANDS + f"store:\n  type: elasticsearch\n  url: {es_url}\n  index_prefix: {prefix}\n",
                   encoding="utf-8")
    return str(old), str(new)


def _copy(source: str, target: str, *flags: str):
    return CliRunner().invoke(cli, ["store", "copy", "-c", source, "--to", target, "--no-progress", *flags])


def _indices(es_url: str, prefix: str) -> list[str]:
    from elasticsearch import Elasticsearch  # lazy: the client only for the Elasticsearch tests

    client = Elasticsearch(es_url)
    try:
        names = sorted(client.indices.get(index=f"{prefix}*", expand_wildcards="all"))
        templates = [t["name"] for t in client.indices.get_index_template().get("index_templates", [])
                     if t["name"].startswith(prefix)]
        return names + templates
    finally:
        client.close()


def test_a_dry_run_into_a_missing_prefix_counts_it_empty_and_creates_no_index(tmp_path, es_url, prefix):
    old, new = _configs(tmp_path, es_url, prefix)
    dry = _copy(old, new, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert _indices(es_url, prefix) == []  # no template, no state, alert or monthly index
    report = json.loads(dry.stdout.strip().splitlines()[-1])
    assert report["dry_run"] and report["target_mentions_before"] == 0
    assert report["copied"] == report["source_mentions"] == 12 and report["state_copied"] == len(STATE)
    real = _copy(old, new)
    assert real.exit_code == 0, real.output
    done = json.loads(real.stdout.strip().splitlines()[-1])
    assert (done["copied"], done["state_copied"]) == (report["copied"], report["state_copied"])  # as announced
    assert _indices(es_url, prefix) != []


def test_a_dry_run_from_a_missing_elasticsearch_source_is_refused_and_creates_nothing(tmp_path, es_url, prefix):
    old, new = _configs(tmp_path, es_url, prefix)
    back = tmp_path / "back.yaml"
    back.write_text(BRANDS + f"store:\n  type: sqlite\n  path: {tmp_path / 'back.db'}\n", encoding="utf-8")
    dry = _copy(new, str(back), "--dry-run")
    assert dry.exit_code == 1
    assert "store copy --dry-run" in dry.stderr and "no Elasticsearch store" in dry.stderr
    assert _indices(es_url, prefix) == [] and not (tmp_path / "back.db").exists()


def test_a_dry_run_out_of_elasticsearch_counts_what_a_copy_would_bring_back(tmp_path, es_url, prefix):
    old, new = _configs(tmp_path, es_url, prefix)
    assert _copy(old, new).exit_code == 0
    before = _indices(es_url, prefix)
    back = tmp_path / "back.yaml"
    back.write_text(BRANDS + f"store:\n  type: sqlite\n  path: {tmp_path / 'back.db'}\n", encoding="utf-8")
    dry = _copy(new, str(back), "--dry-run")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout.strip().splitlines()[-1])
    assert report["copied"] == report["source_mentions"] == 12
    assert _indices(es_url, prefix) == before and not (tmp_path / "back.db").exists()
