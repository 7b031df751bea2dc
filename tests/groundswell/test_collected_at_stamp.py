"""`collected_at` is stamped when a post is written, not when its run started: what an incremental load's
`collected_since` reads (docs/dashboard.md, "Loading a warehouse"). Stamped at the run's start (the selector's
clock), a post a long run or another Airflow task stored after a load carried a time older than that load's newest,
and so did a parked post replayed hours later: a load bounded by the newest `collected_at` it got skipped them for
good (diff review repro). Real SQLite store, the real collection functions and dead-letter file."""

from __future__ import annotations

from datetime import UTC, datetime

from core.mention import Author, Mention
from extractors.base import Batch
from groundswell import pipeline
from groundswell.config import parse_config
from groundswell.pipeline import CollectReport
from indexing.base import Filters
from indexing.sqlite import SqliteStore

RUN_START = datetime(2026, 11, 11, 9, tzinfo=UTC)  # the selector's clock, long before the write


def _config(tmp_path):
    return parse_config({"brands": [{"name": "Lumora", "query": "lumora"}],
                         "store": {"path": str(tmp_path / "g.db")},
                         "report": {"path": str(tmp_path / "out" / "report.html")}})  # fmt: skip


def _post(n: int) -> Mention:
    return Mention(source="forum", native_id=str(n), text=f"Lumora post {n}", brands=["Lumora"],
                   author=Author(handle=f"u{n}"), created_at=datetime(2026, 11, 1, tzinfo=UTC),
                   collected_at=RUN_START)


def test_a_stored_batch_carries_the_moment_it_was_written(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    before = datetime.now(UTC)
    assert pipeline._store_batch(_config(tmp_path), store, Batch([_post(1), _post(2)]), CollectReport(), {})
    stored = store.get(["forum:1", "forum:2"])
    assert len(stored) == 2 and all(m.collected_at >= before for m in stored)
    assert store.count(Filters(collected_since=before)) == 2
    store.close()


def test_a_replayed_parked_post_is_stamped_when_the_replay_stores_it(tmp_path):
    config = _config(tmp_path)
    pipeline.dead_letter(config).park([_post(3)], "the store refused it")
    store = SqliteStore(tmp_path / "g.db")
    before = datetime.now(UTC)
    replay = pipeline.replay_deadletter(config, store)
    assert replay.replayed == 1
    [stored] = store.get(["forum:3"])
    assert stored.collected_at >= before  # not the parking run's RUN_START
    store.close()
