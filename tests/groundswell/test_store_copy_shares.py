"""`groundswell store copy` and the viral detector's shares (`alerts/shares.py`): a viral episode in progress, and
what a repost is, survive a move between stores, whole or partial, SQLite and a real Elasticsearch node either
way. Shares are made the real way: retweets collected through `pipeline.collect` (an import source)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from es_node import es_node, es_url  # noqa: F401  (session fixtures: one real node per session)
from store_copy_support import copy_target, import_config
from store_faults import FailingWrite

from alerts.shares import PREFIX as SHARES
from core.mention import load_mention
from groundswell import pipeline
from groundswell.config import Config
from groundswell.sentiment_corrections import correct_sentiment, corrections
from groundswell.store_copy import copy_store
from indexing.base import Filters, Store
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
NEGATIVE = {"label": "negative", "probs": {"negative": 0.9}, "model": "test"}
POSITIVE = {"label": "positive", "probs": {"positive": 0.9}, "model": "test"}
LUMORA = "Lumora Pulse caught fire on my desk, stay away from it"
SONIQUE = "Sonique buds died after a week, avoid"


def post(native_id: str, text: str, handle: str, sentiment: dict = NEGATIVE, at: datetime = T0) -> dict:
    return {"source": "x", "native_id": native_id, "text": text, "created_at": at.isoformat(), "lang": "en",
            "author": {"handle": handle, "followers": 900}, "sentiment": sentiment}


def retweets(count: int, handle: str, text: str, tag: str) -> list[dict]:
    """`count` retweets by different people within the hour after T0."""
    return [{"source": "x", "native_id": f"rt{tag}{n}", "text": f"RT @{handle}: {text}", "lang": "en",
             "created_at": (T0 + timedelta(minutes=1 + n)).isoformat(),
             "author": {"handle": f"fan{tag}{n}", "followers": 100}} for n in range(count)]


def collected(tmp_path: Path, lines: list[dict], name: str) -> tuple[Config, SqliteStore]:
    """A store filled by the real collect path (its reposts dropped as copies and recorded as shares)."""
    config = import_config(tmp_path, lines, name)
    store = SqliteStore(config.store.path)
    pipeline.collect(config, store)
    return config, store


def viral(config: Config, store: Store) -> list[tuple[str, str, float]]:
    return sorted((a.brand, a.subject, a.observed) for a in pipeline.detect(config, store, now=NOW)
                  if a.kind == "viral")


def copy(source: Store, target: Store, **kw):
    return copy_store(source, target, source_name="from", target_name="to", **kw)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def target(request, tmp_path) -> Iterator[Store]:
    """The store copied into: a SQLite file, or a fresh index prefix on the real Elasticsearch node."""
    yield from copy_target(request, tmp_path)


def test_a_viral_episode_in_progress_moves_with_a_whole_copy_and_back(tmp_path, target):
    config, source = collected(tmp_path, [post("1", LUMORA, "ann"), *retweets(25, "ann", LUMORA, "a")], "old")
    before = viral(config, source)
    assert before == [("Lumora", "x:1", 25.0)]

    there = copy(source, target)
    assert there.complete and len(target.state_items(SHARES)) == 25
    assert viral(config, target) == before  # same post, same 25 reposts in its hour, same alert id below
    back = SqliteStore(tmp_path / "back.db")
    home = copy(target, back)
    assert home.complete and back.state_items(SHARES) == source.state_items(SHARES)
    assert [a.id for a in pipeline.detect(config, back, now=NOW) if a.kind == "viral"] == \
           [a.id for a in pipeline.detect(config, source, now=NOW) if a.kind == "viral"]
    back.close()


def test_reposts_of_a_post_the_target_holds_are_recorded_as_its_shares_once(tmp_path, target):
    # The old store never saw @ann's post, so it stored her retweets as posts of their own; the new store
    # collected the post itself. Copied over, the retweets are copies of it: shares, as collection makes them.
    # (Written as a version before story heads stored them: collection now keeps the first and shares the rest.)
    config = import_config(tmp_path, [], "old")
    source = SqliteStore(config.store.path)
    assert all(r.ok for r in source.upsert([load_mention(json.dumps({**r, "brands": ["Lumora"]}))
                                            for r in retweets(25, "ann", LUMORA, "a")]))
    assert source.count(Filters()) == 25 and source.state_items(SHARES) == {}
    _, holder = collected(tmp_path, [post("1", LUMORA, "ann")], "holder")
    assert copy(holder, target).complete

    report = copy(source, target)

    assert report.complete and (report.copies, report.shares_recorded) == (25, 25)
    assert target.count(Filters()) == 1  # the story counts once
    assert viral(config, target) == [("Lumora", "x:1", 25.0)]
    again = copy(source, target)  # a rerun records nothing twice
    assert again.complete and (again.copies, again.shares_recorded) == (25, 0)
    assert len(target.state_items(SHARES)) == 25
    holder.close()


def test_a_partial_copy_carries_the_state_of_its_own_mentions_only(tmp_path, target):
    lines = [post("1", LUMORA, "ann"), *retweets(25, "ann", LUMORA, "a"),
             post("2", f"{LUMORA}, second unit", "cal", POSITIVE),
             post("3", SONIQUE, "bo"), *retweets(22, "bo", SONIQUE, "s")]
    config, source = collected(tmp_path, lines, "old")
    correct_sentiment(source, {"x:2": "negative", "x:3": "neutral"}, by="ana", now=NOW)
    assert len(source.state_items(SHARES)) == 47

    broken = copy(source, FailingWrite(target, failing_call=2), brand="Lumora", batch=1)
    assert not broken.complete and target.state_items(SHARES) == {}  # no state before every mention landed
    report = copy(source, target, brand="Lumora", batch=1)

    assert report.complete and report.resumed_from is not None
    assert {m.id for m in target.iter_mentions(Filters(include_spam=True))} == {"x:1", "x:2"}
    shares = [json.loads(v)["original"] for v in target.state_items(SHARES).values()]
    assert sorted(set(shares)) == ["x:1"] and len(shares) == 25  # the Sonique post's stayed behind with it
    assert set(corrections(target)) == {"x:2"}  # the analyst's correction travels with its post
    assert target.state_items("cursor:") == {} and "copies mentions only" in report.state_skipped_reason
    assert viral(config, target) == [("Lumora", "x:1", 25.0)]
    again = copy(source, target, brand="Lumora")
    assert again.complete and (again.state_copied, again.state_same) == (0, 26)
    back = SqliteStore(tmp_path / "back.db")  # and out again, from Elasticsearch in that case
    assert copy(target, back, brand="Lumora").complete
    assert back.state_items(SHARES) == target.state_items(SHARES) and set(corrections(back)) == {"x:2"}
    back.close()


def test_a_dry_run_of_a_partial_copy_counts_the_state_it_would_carry(tmp_path):
    _, source = collected(tmp_path, [post("1", LUMORA, "ann"), *retweets(25, "ann", LUMORA, "a"),
                                     post("3", SONIQUE, "bo"), *retweets(22, "bo", SONIQUE, "s")], "old")
    target = SqliteStore(tmp_path / "new.db")
    report = copy(source, target, brand="Sonique", dry_run=True)
    assert (report.copied, report.state_copied) == (1, 22) and target.state_items("") == {}
    target.close()
