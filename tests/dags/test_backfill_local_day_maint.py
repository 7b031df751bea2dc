"""groundswell_backfill in real Airflow (dag.test()): a date param is that day in digest.timezone, as
`groundswell ingest --since/--until` reads it; `param_time` once read it as UTC midnight (and refused "z")."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml

from .conftest import run_dag

pytestmark = pytest.mark.airflow


def _stored_ids(db) -> list[str]:
    from indexing.base import Filters  # lazy: tests import no Groundswell store before Airflow's home is set
    from indexing.sqlite import SqliteStore  # lazy: as above

    store = SqliteStore(db)
    try:
        return sorted(m.native_id for m in store.iter_mentions(Filters()))
    finally:
        store.close()


@pytest.fixture
def berlin_team(airflow_home, tmp_path, monkeypatch):
    """An import source of three posts around Berlin's midnights, digest.timezone Europe/Berlin, a SQLite store."""
    export = tmp_path / "export.jsonl"
    rows = [("1", "2026-11-09T23:30:00Z"), ("2", "2026-11-10T12:00:00Z"), ("3", "2026-11-10T23:30:00Z")]
    export.write_text("".join(json.dumps({"native_id": n, "text": "Lumora news", "created_at": at}) + "\n"
                              for n, at in rows), encoding="utf-8")
    config = {
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(export)}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "digest": {"timezone": "Europe/Berlin"},
    }
    path = tmp_path / "groundswell.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(path))
    return tmp_path / "gs.db"


def test_a_backfill_of_one_local_day_collects_that_day_in_digest_timezone(dagbag, berlin_team):
    conf = {"brand": None, "source": "import", "start": "2026-11-10", "end": "2026-11-11"}
    run, states = run_dag(dagbag, "groundswell_backfill", datetime(2026, 11, 12, tzinfo=UTC), conf=conf)
    assert run.state == "success", states
    # 00:30 on 11-10 in Berlin is in, 00:30 on 11-11 is out (UTC midnights gave ["2", "3"]).
    assert _stored_ids(berlin_team) == ["1", "2"]


def test_a_backfill_takes_a_lowercase_z(dagbag, berlin_team):
    conf = {"brand": None, "source": "import", "start": "2026-11-10T00:00:00z", "end": "2026-11-11T00:00:00z"}
    run, states = run_dag(dagbag, "groundswell_backfill", datetime(2026, 11, 12, 1, tzinfo=UTC), conf=conf)
    assert run.state == "success", states
    assert _stored_ids(berlin_team) == ["2", "3"]
