"""One planning rule for source × brand: `groundswell collect` and the Airflow DAGs cover the same pairs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from groundswell.config import parse_config
from groundswell.pipeline import collect
from groundswell.targets import UnknownTarget, plan_targets
from indexing.sqlite import SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dags"))
import groundswell_common  # noqa: E402 - the DAGs' helpers live beside the DAG files, not in a package


@pytest.fixture
def config(tmp_path):
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        json.dumps({"id": "1", "text": "Lumora and Sonique", "created_at": "2026-11-10T10:00:00Z"}) + "\n"
    )
    source = {"type": "import", "options": {"path": str(posts)}}
    return parse_config(
        {
            "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique"}],
            "sources": [
                {**source, "name": "every-brand"},  # `brands` left out: all of them
                {**source, "name": "idle", "brands": []},  # lists none: collects for no brand
                {**source, "name": "only-sonique", "brands": ["Sonique"]},
            ],
            "report": {"path": str(tmp_path / "out" / "report.html")},
        }
    )


def _pairs_airflow(config, **narrow) -> list[tuple[str, str]]:
    grouped = groundswell_common.plan_targets(config, **narrow)
    return [(t["source"], t["brand"]) for targets in grouped.values() for t in targets]


def test_cli_and_airflow_plan_the_same_targets_even_for_an_empty_brand_list(config):
    planned = [(t.source.key, t.brand) for t in plan_targets(config)]
    assert planned == [("every-brand", "Lumora"), ("every-brand", "Sonique"), ("only-sonique", "Sonique")]
    assert _pairs_airflow(config) == planned  # Airflow once mapped 'idle' to a task per brand
    for narrow in ({"brand": "Sonique"}, {"source": "idle"}, {"source": "every-brand", "brand": "Lumora"}):
        assert _pairs_airflow(config, **narrow) == [(t.source.key, t.brand) for t in plan_targets(config, **narrow)]


def test_collect_runs_exactly_the_planned_targets(config, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        report = collect(config, store)
    finally:
        store.close()
    assert report.attempted == len(plan_targets(config)) == 3


def test_unknown_names_say_what_the_config_has(config):
    with pytest.raises(UnknownTarget, match="unknown brand 'Nobody'; the config has: Lumora, Sonique"):
        plan_targets(config, brand="Nobody")
    with pytest.raises(ValueError, match="unknown source 'x'; the config has: every-brand, idle, only-sonique"):
        groundswell_common.plan_targets(config, source="x")
