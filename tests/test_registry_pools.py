"""Every source type of the registry has its Airflow pool in dags/groundswell_pools.json: the ingest and backfill
DAGs map one task per type into `groundswell_<type>`, and a task whose pool does not exist never runs. Plain JSON,
no Airflow: a new source finds out here in milliseconds (tests/dags/test_dagbag.py checks the DAGs themselves)."""

from __future__ import annotations

import json
from pathlib import Path

from extractors.registry import EXTRACTORS

POOLS_FILE = Path(__file__).resolve().parent.parent / "dags" / "groundswell_pools.json"


def missing_pools(pools: dict[str, object], types: list[str]) -> list[str]:
    """The line each type without a pool needs in the pools file."""
    return [
        f'  "groundswell_{kind}": {{"slots": 1, "description": "Groundswell: {kind} (say its rate limit)", '
        '"include_deferred": false},'
        for kind in types
        if f"groundswell_{kind}" not in pools
    ]


def test_every_registry_type_has_its_pool():
    pools = json.loads(POOLS_FILE.read_text(encoding="utf-8"))
    lines = missing_pools(pools, list(EXTRACTORS))
    assert not lines, (
        f"{POOLS_FILE.relative_to(POOLS_FILE.parents[1])} lacks the pool of source type(s) the registry "
        "(extractors/registry.py) has; add (slots: how many workers may call the API at once):\n" + "\n".join(lines)
    )


def test_a_type_without_a_pool_is_named_with_its_line():
    assert missing_pools({"groundswell_x": {}}, ["x", "forum"]) == [
        '  "groundswell_forum": {"slots": 1, "description": "Groundswell: forum (say its rate limit)", '
        '"include_deferred": false},'
    ]
