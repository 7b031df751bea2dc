"""Retention (`groundswell maintain`) racing collection and enrichment, on a real SQLite store; retention runs
in a real second process. Nothing it kept may be lost, nothing it deleted may come back.

- maintain deletes the mentions first and prunes the copy index afterwards (slow on a big store): a collect in
  between must store a post whose URL key still names a deleted post, not drop it as a copy of nothing.
- enrich (and every later step) writes its fields over a batch it read before: a mention retention deleted
  meanwhile must stay deleted, and the step must not fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_faults import FailingWrite

from core.mention import Mention, Sentiment
from groundswell import pipeline
from groundswell.config import load_config
from groundswell.copies import CopyIndex
from indexing.base import Filters
from indexing.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC).replace(microsecond=0)
OLD, FRESH = NOW - timedelta(days=20), NOW - timedelta(days=1)
RETENTION_DAYS = 10
URL = "https://news.example.com/lumora-recall"


def _config(tmp_path: Path, sources: dict[str, list[dict]]):
    feeds = []
    for name, rows in sources.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        feeds.append(f"  - {{type: import, name: {name}, options: {{path: {path}}}}}\n")
    path = tmp_path / "groundswell.yaml"
    path.write_text("brands:\n  - {name: Lumora, query: Lumora}\n  - {name: Sonique, query: Sonique}\n"
                    f"sources:\n{''.join(feeds)}store: {{type: sqlite, path: {tmp_path / 'g.db'}}}\n"
                    f"report: {{path: {tmp_path / 'report.html'}}}\nnlp: {{themes: false}}\n", encoding="utf-8")
    return path, load_config(str(path))


def _row(nid: str, source: str, when: datetime, text: str = "Lumora recalls the Pulse") -> dict:
    return {"native_id": nid, "source": source, "text": text, "url": URL, "created_at": when.isoformat(),
            "author": {"handle": f"{source}-{nid}"}}


def _delete_in_another_process(db: Path) -> None:
    """The first half of `maintain`: the mentions go, the copy index is pruned only later."""
    code = ("import sys; from datetime import datetime; from indexing.sqlite import SqliteStore; "
            "print(SqliteStore(sys.argv[1]).delete_older_than(datetime.fromisoformat(sys.argv[2])))")
    cutoff = (NOW - timedelta(days=RETENTION_DAYS)).isoformat()
    out = subprocess.run([sys.executable, "-c", code, str(db), cutoff], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120, check=True)
    assert out.stdout.strip() == "1"


def test_a_post_whose_url_key_names_a_post_retention_deleted_is_collected(tmp_path):
    _, config = _config(tmp_path, {"feed": [_row("1", "rss", OLD)],
                                   "late": [_row("9", "mastodon", FRESH, "Lumora recalls the Pulse, Sonique too")]})
    store = SqliteStore(tmp_path / "g.db")
    assert pipeline.collect(config, store, source="feed").stored == 1
    _delete_in_another_process(tmp_path / "g.db")  # the copy index still says rss:1 owns URL

    report = pipeline.collect(config, store, source="late")

    assert (report.duplicates, report.failed_writes, report.errors) == (0, 0, {}) and report.stored >= 1
    (late,) = store.iter_mentions()  # stored (once: one pass per brand)
    assert late.id == "mastodon:9" and late.brands == ["Lumora", "Sonique"]
    pipeline.maintain(config, store, retention_days=RETENTION_DAYS)  # the prune then keeps the new owner's key
    assert CopyIndex(store).split([Mention.model_validate(_row("5", "bluesky", NOW))])[1][0][1] == "mastodon:9"
    store.close()


def test_a_copy_whose_original_retention_deletes_while_its_batch_is_stored_is_stored(tmp_path, monkeypatch):
    """Retention deletes the original after the batch's `split` read the copy index, before its brands are
    given to the original: the copy is stored as an original instead (and its twin in the batch stays a copy)."""
    _, config = _config(tmp_path, {"feed": [_row("1", "rss", OLD)],
                                   "late": [_row("9", "mastodon", FRESH), _row("10", "bluesky", FRESH)]})
    store = SqliteStore(tmp_path / "g.db")
    assert pipeline.collect(config, store, source="feed").stored == 1
    remember = CopyIndex.remember

    def remember_then_retention(self, stored):
        remember(self, stored)
        if store.get(["rss:1"]):
            _delete_in_another_process(tmp_path / "g.db")

    monkeypatch.setattr(CopyIndex, "remember", remember_then_retention)
    report = pipeline.collect(config, store, source="late")

    assert (report.stored, report.duplicates, report.failed_writes, report.errors) == (1, 1, 0, {})
    assert [m.id for m in store.iter_mentions()] == ["mastodon:9"]
    store.close()


class _TaggerRunningRetention:
    """An enricher whose tagging takes as long as the real model's: `groundswell maintain`, a real process,
    runs retention while the batch is being tagged."""

    class model:  # noqa: N801 - the attribute the pipeline reads
        identity = "stub@1"

    def __init__(self, config_path: Path):
        self.config_path, self.ran = config_path, False

    def text(self, mention: Mention) -> str:
        return mention.text

    def enrich(self, mentions: list[Mention], texts: list[str]) -> list[Mention]:
        if not self.ran:
            self.ran = True
            out = subprocess.run(
                [str(REPO / ".venv/bin/groundswell"), "maintain", "-c", str(self.config_path),
                 "--retention-days", str(RETENTION_DAYS)], cwd=REPO, capture_output=True, text=True, timeout=300)
            assert out.returncode == 0, out.stderr[-2000:]
        sentiment = Sentiment(label="negative", probs={"negative": 0.9}, model=self.model.identity)
        return [m.model_copy(update={"sentiment": sentiment, "lang": "en"}) for m in mentions]


@pytest.mark.skipif(not (REPO / ".venv/bin/groundswell").exists(), reason="needs the installed CLI")
def test_enrich_never_brings_back_what_retention_deleted_meanwhile(tmp_path):
    rows = [_row(str(i), "rss", OLD + timedelta(minutes=i), f"Lumora post {i}") for i in range(30)]
    rows += [_row(str(100 + i), "rss", FRESH + timedelta(minutes=i), f"Lumora news {i}") for i in range(20)]
    for row in rows:
        row["url"] = f"{URL}/{row['native_id']}"
    path, config = _config(tmp_path, {"feed": rows})
    store = SqliteStore(tmp_path / "g.db")
    assert pipeline.collect(config, store).stored == 50

    report = pipeline.enrich(config, store, enricher=_TaggerRunningRetention(path))  # does not raise

    cutoff = NOW - timedelta(days=RETENTION_DAYS)
    assert store.count(Filters(until=cutoff, include_spam=True)) == 0  # none came back
    assert store.count(Filters(include_spam=True)) == 20
    assert all(m.sentiment is not None for m in store.iter_mentions(Filters(include_spam=True)))
    # The 30 deleted while they were tagged are counted apart, not as enriched (nor in the spam step's window).
    assert (report.enriched, report.no_longer_stored) == (20, 30)
    assert report.first is not None and report.first >= FRESH
    store.close()


def test_a_copy_of_a_post_that_failed_to_store_is_parked_with_it_not_stored_alone(tmp_path):
    # Found by a crash-test harness: the original's write failed and was parked; its copy in the same batch went
    # round again as an "orphan", was stored as an original, and the replay then stored the original too: one
    # story, two posts.
    rows = [_row("1", "x", FRESH), _row("2", "mastodon", FRESH + timedelta(minutes=1))]  # the same URL: a copy
    _, config = _config(tmp_path, {"feed": rows})
    store = SqliteStore(tmp_path / "g.db")
    first = pipeline.collect(config, FailingWrite(store, failing_call=1))  # the original's write fails
    assert first.stored == 0 and store.count(Filters(include_spam=True)) == 0
    again = pipeline.collect(config, store)  # replays the dead-letter file, then collects
    assert store.count(Filters(include_spam=True)) == 1, again
    (kept,) = store.iter_mentions(Filters(include_spam=True))
    assert kept.id == "x:1"
    store.close()
