"""Reposts dropped at collection are recorded as shares (`groundswell.shares`, `alerts.shares`): once each, only
after their original is stored, URL copies never, and retention prunes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.shares import Share, Shares
from core.mention import load_mention
from groundswell import pipeline
from groundswell.config import Config, parse_config
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
TEXT = "Lumora Pulse caught fire on my desk, stay away from it"


def rows(reposts: int = 25, start: datetime = T0) -> list[dict]:
    """A post by @ann and `reposts` retweets of it by different people in the next minutes, as X exports them."""
    out = [{"source": "x", "native_id": "1", "text": TEXT, "created_at": start.isoformat(),
            "url": "https://x.example/ann/1", "author": {"handle": "ann", "followers": 900}}]
    for n in range(reposts):
        out.append({"source": "x", "native_id": f"rt{n}", "text": f"RT @ann: {TEXT}",
                    "created_at": (start + timedelta(minutes=1 + n)).isoformat(),
                    "author": {"handle": f"fan{n}", "followers": 100 + n}})
    return out


def write(path: Path, lines: list[dict]) -> None:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def config(tmp_path: Path, feed: Path) -> Config:
    return parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "name": "x-export", "options": {"path": str(feed)}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "report": {"path": str(tmp_path / "report.html")},
    })


def test_reposts_dropped_at_collection_are_recorded_once_each(tmp_path: Path) -> None:
    feed = tmp_path / "in.jsonl"
    # A retweet of a post never stored stays a mention (nothing to copy), and a link to the post is a URL copy,
    # the same post seen again, not a share of it.
    stray = {"source": "x", "native_id": "stray", "text": "RT @bob: Lumora never again",
             "created_at": T0.isoformat(), "author": {"handle": "cy"}}
    link = {"source": "rss", "native_id": "r1", "text": "Lumora Pulse fire", "url": "https://x.example/ann/1",
            "created_at": T0.isoformat()}
    write(feed, [*rows(25), stray, link])
    cfg = config(tmp_path, feed)
    store = SqliteStore(cfg.store.path)

    report = pipeline.collect(cfg, store)

    assert (report.collected, report.stored, report.duplicates, report.reposts_recorded) == (28, 2, 26, 25)
    assert {m.id for m in store.iter_mentions(Filters())} == {"x:1", "x:stray"}
    shares = Shares(store).between(T0, T0 + timedelta(hours=1))
    assert len(shares) == 25 and {s.original for s in shares} == {"x:1"}
    first = shares[0]
    assert (first.repost, first.at, first.by, first.followers, first.brands, first.of) == (
        "x:rt0", T0 + timedelta(minutes=1), "fan0", 100, ("Lumora",), "ann")

    # The same file read again (a re-run without cursors, or a retry after a crash): nothing counted twice.
    again = pipeline.collect(cfg, store, use_cursor=False)
    assert again.duplicates == 26 and again.reposts_recorded == 0
    assert len(store.state_items("share:")) == 25
    store.close()


def test_a_parked_repost_is_recorded_when_the_replay_drops_it(tmp_path: Path) -> None:
    feed = tmp_path / "in.jsonl"
    write(feed, rows(0))
    cfg = config(tmp_path, feed)
    store = SqliteStore(cfg.store.path)
    pipeline.collect(cfg, store)  # the original is stored
    # A retweet an earlier run parked (the store was down); the original is stored now, so the replay drops it.
    repost = rows(1)[1]
    parked = load_mention(repost).with_brands(["Lumora"], {"Lumora": "Lumora"})
    pipeline.dead_letter(cfg).park([parked], reason="store down")

    report = pipeline.collect(cfg, store)

    assert (report.duplicates, report.reposts_recorded, report.deadletter) == (1, 1, 0)
    assert [s.repost for s in Shares(store).between(T0, T0 + timedelta(hours=1))] == ["x:rt0"]
    store.close()


def test_retention_prunes_old_shares_and_shares_of_posts_no_longer_stored(tmp_path: Path) -> None:
    feed = tmp_path / "in.jsonl"
    old, fresh = T0 - timedelta(days=40), T0
    later = [{**line, "native_id": "2" if line["native_id"] == "1" else line["native_id"] + "b",
              "text": line["text"].replace("desk", "couch"), "url": None} for line in rows(3, fresh)]
    write(feed, [*rows(3, old), *later])
    cfg = config(tmp_path, feed)
    store = SqliteStore(cfg.store.path)
    assert pipeline.collect(cfg, store).reposts_recorded == 6
    # A share whose original is gone (deleted by hand or by an earlier retention pass) goes too, whatever its age.
    Shares(store).record([Share(repost="x:orphan", original="x:deleted", at=fresh, brands=("Lumora",))])

    result = pipeline.maintain(cfg, store, now=T0 + timedelta(days=1), retention_days=30)

    assert result["state_pruned"]["shares"] == 4  # three 40 days old, one of a post never stored
    assert {s.repost for s in Shares(store).between(None, None)} == {"x:rt0b", "x:rt1b", "x:rt2b"}
    assert pipeline.maintain(cfg, store, now=T0 + timedelta(days=1), retention_days=30)["state_pruned"]["shares"] == 0
    store.close()
