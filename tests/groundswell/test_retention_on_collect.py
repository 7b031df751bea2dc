"""Collection never stores a post older than the retention cutoff, so retention is not undone by the next import.

Real SQLite store, real import file: `maintain` deletes the old posts; a re-export of the same file with one new
line on top is imported again; the old posts stay deleted, are counted in `older_than_retention`, and are never
parked. The dead-letter replay follows the same rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.mention import Mention
from groundswell import pipeline
from groundswell.config import load_config
from indexing.base import Filters

NOW = datetime.now(UTC).replace(microsecond=0)
RETENTION_DAYS = 30


def _post(n: int, when: datetime) -> dict:
    return {"native_id": f"p{n}", "text": f"Lumora post {n}", "created_at": when.isoformat(),
            "author": {"handle": f"user{n}"}}


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _config(tmp_path: Path, export: Path, retention: int | None):
    store = f"{{type: sqlite, path: {tmp_path / 'g.db'}" + (f", retention_days: {retention}}}" if retention else "}")
    path = tmp_path / "groundswell.yaml"
    path.write_text(f"brands:\n  - {{name: Lumora, query: Lumora}}\nsources:\n  - {{type: import, options: {{path: "
                    f"{export}}}}}\nstore: {store}\nreport: {{path: {tmp_path / 'report.html'}}}\n"
                    "nlp: {themes: false}\n", encoding="utf-8")
    return load_config(str(path))


def _export(old: int, recent: int) -> list[dict]:
    """`old` posts 40-45 days back (before a 30-day cutoff) and `recent` within the last 20 days, oldest first."""
    rows = [_post(i, NOW - timedelta(days=45) + timedelta(hours=i)) for i in range(old)]
    rows += [_post(old + i, NOW - timedelta(days=20) + timedelta(hours=i)) for i in range(recent)]
    return rows


def test_a_reimported_export_does_not_bring_back_what_retention_deleted(tmp_path):
    export = tmp_path / "export.jsonl"
    rows = _export(old=12, recent=8)
    _write(export, rows)
    # The history arrived before retention was configured: all of it is stored.
    config = _config(tmp_path, export, None)
    store = pipeline.open_store(config)
    try:
        assert pipeline.collect(config, store).created == len(rows)
        config = _config(tmp_path, export, RETENTION_DAYS)
        assert pipeline.maintain(config, store)["deleted"] == 12
        # The re-export: one new line on top, the rest as before.
        _write(export, [_post(99, NOW - timedelta(hours=1)), *rows])
        report = pipeline.collect(config, store)
        cutoff = NOW - timedelta(days=RETENTION_DAYS)
        assert report.created == 1
        assert report.older_than_retention == 12
        assert report.failed_writes == 0 and report.deadletter == 0 and not report.errors
        assert store.count(Filters(include_spam=True)) == 8 + 1
        assert all(m.created_at >= cutoff for m in store.iter_mentions(Filters(include_spam=True)))
        assert not pipeline.dead_letter(config).path.exists()
        # Nothing was held back: the import's cursor moved past the old lines, so a third run reads nothing new.
        again = pipeline.collect(config, store)
        assert (again.collected, again.created, again.older_than_retention) == (0, 0, 0)
    finally:
        store.close()


def test_a_cut_made_by_a_maintain_override_holds_for_collection_too(tmp_path):
    """`maintain --retention-days 30` with no retention in the config: a backfill of the same export must not
    store again what it deleted (collection reads where `maintain` last cut the store, not only the config)."""
    export = tmp_path / "export.jsonl"
    rows = _export(old=12, recent=8)
    _write(export, rows)
    config = _config(tmp_path, export, None)
    store = pipeline.open_store(config)
    try:
        assert pipeline.collect(config, store).created == len(rows)
        done = pipeline.maintain(config, store, retention_days=RETENTION_DAYS)
        assert done["deleted"] == 12
        assert done["vacuum"]["vacuumed"] is True and done["vacuum"]["bytes_after"] > 0  # SQLite said it ran
        _write(export, [_post(99, NOW - timedelta(hours=1)), *rows])  # the re-export, one new line on top
        report = pipeline.collect(config, store)
        assert (report.created, report.older_than_retention) == (1, 12)
        assert store.count(Filters(include_spam=True)) == 8 + 1
    finally:
        store.close()


def test_a_parked_post_older_than_retention_is_not_replayed(tmp_path):
    export = tmp_path / "export.jsonl"
    _write(export, [])
    config = _config(tmp_path, export, RETENTION_DAYS)
    old = Mention.model_validate({"source": "import", **_post(1, NOW - timedelta(days=45)), "brands": ["Lumora"]})
    fresh = Mention.model_validate({"source": "import", **_post(2, NOW - timedelta(days=2)), "brands": ["Lumora"]})
    pipeline.dead_letter(config).park([old, fresh], reason="disk I/O error")
    store = pipeline.open_store(config)
    try:
        report = pipeline.replay_deadletter(config, store)
        assert (report.replayed, report.older_than_retention, report.deadletter) == (1, 1, 0)
        assert [m.id for m in store.get([old.id, fresh.id])] == [fresh.id]
    finally:
        store.close()
