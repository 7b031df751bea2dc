"""A retweeted story counts once (`groundswell/copies.py`, story heads): a retweet X cut short is a copy of its
stored original, retweets of an original never stored are stored once, and posts that only start alike stay
apart. Through the real collect path, on SQLite and (one test) on the real Elasticsearch node."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)

from alerts.shares import Shares
from groundswell import pipeline
from groundswell.config import Config, parse_config
from groundswell.copies import HEADS_INDEXED, PREFIX
from indexing.base import Filters, Store
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
NEGATIVE = {"label": "negative", "probs": {"negative": 0.9}, "model": "test"}
# 144 characters: with "RT @ann: " it is past X's 140, so a retweet of it is cut short, before "Sonique" ends.
LONG = ("Lumora Pulse caught fire on my desk this morning and their support line kept me on hold for an hour, "
        "stay away from it, and Sonique is no better")
# What X shows for a retweet of it: 140 characters, the last word cut, an ellipsis.
CUT = f"RT @ann: {LONG}"[:139] + "…"


def row(native_id: str, text: str, handle: str, minutes: int = 0) -> dict:
    return {"source": "x", "native_id": native_id, "text": text, "lang": "en", "sentiment": NEGATIVE,
            "created_at": (T0 + timedelta(minutes=minutes)).isoformat(), "author": {"handle": handle, "followers": 50}}


def config(tmp_path: Path, lines: list[dict], name: str = "in") -> Config:
    feed = tmp_path / f"{name}.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique"}],
        "sources": [{"type": "import", "name": "x-export", "options": {"path": str(feed)}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "report": {"path": str(tmp_path / "report.html")},
    })


def stored(store: Store) -> dict[str, list[str]]:
    return {m.id: m.brands for m in store.iter_mentions(Filters(include_spam=True))}


def shares(store: Store) -> dict[str, str]:
    return {s.repost: s.original for s in Shares(store).between(None, None)}


def test_the_cut_text_is_what_x_shows():
    assert len(CUT) == 140 and CUT.endswith(" Soniqu…") and LONG.startswith(CUT[len("RT @ann: "):-1])


def test_a_retweet_cut_short_is_a_copy_of_its_stored_original(tmp_path):
    store = SqliteStore(tmp_path / "gs.db")
    pipeline.collect(config(tmp_path, [row("1", LONG, "ann")], "day1"), store)  # yesterday: the original

    # Today: two retweets X cut short (an older client's '...' too), found by Lumora's search.
    dots = f"RT @ann: {LONG}"[:137] + "..."
    report = pipeline.collect(config(tmp_path, [row("rt1", CUT, "bob", 5), row("rt2", dots, "cy", 6)], "day2"),
                              store)

    assert stored(store) == {"x:1": ["Lumora", "Sonique"]}
    assert (report.duplicates, report.reposts_recorded) == (2, 2)
    assert shares(store) == {"x:rt1": "x:1", "x:rt2": "x:1"}


def test_retweets_of_an_original_never_stored_are_stored_once_and_go_viral(tmp_path):
    # @ann's post was never collected (older than the first run); 24 people retweet it within the hour, most
    # cut short by X (which names Lumora only), some whole (which name Sonique too).
    lines = [row(f"rt{n}", f"RT @ann: {LONG}" if n % 3 == 2 else CUT, f"fan{n}", 1 + n) for n in range(24)]
    cfg = config(tmp_path, lines)
    store = SqliteStore(tmp_path / "gs.db")

    pipeline.collect(cfg, store)

    # The first retweet stands for the story, with the brand only the whole ones name; the others are its shares.
    assert stored(store) == {"x:rt0": ["Lumora", "Sonique"]}
    assert shares(store) == {f"x:rt{n}": "x:rt0" for n in range(1, 24)}
    # So the viral detector sees one post reposted 23 times in its hour (the documented limit is gone).
    viral = [(a.subject, a.observed) for a in pipeline.detect(cfg, store, now=NOW) if a.kind == "viral"]
    assert viral == [("x:rt0", 23.0)]


def test_posts_that_only_start_alike_or_come_from_other_authors_are_kept(tmp_path):
    other_end = f"RT @ann: {LONG[:100]} and Sonique's too, it is a worse one with no fire at all"[:139] + "…"
    lines = [
        row("1", LONG, "ann"),
        row("2", f"{LONG[:100]} and a second post of mine that starts the same", "ann", 1),  # same author, differs
        row("rt1", other_end, "bob", 2),  # cut short, but @ann never wrote what it goes on to say
        row("rt2", f"RT @ann: {LONG[:100]}", "cy", 3),  # not cut short: a shorter text is another post
        row("3", LONG, "dee", 4),  # the same words by someone else, no repost: the crisis, never a copy
        row("4", LONG, "eve", 5),
        row("rt3", f"RT @dee: {LONG}"[:139] + "…", "fay", 6),  # dee's post, not ann's
    ]
    store = SqliteStore(tmp_path / "gs.db")
    pipeline.collect(config(tmp_path, lines), store)
    assert set(stored(store)) == {"x:1", "x:2", "x:rt1", "x:rt2", "x:3", "x:4"}
    assert shares(store) == {"x:rt3": "x:3"}


def test_a_rerun_stores_and_records_nothing_twice(tmp_path):
    lines = [row("1", LONG, "ann"), row("rt1", CUT, "bob", 1), *(row(f"u{n}", CUT.replace("@ann", "@zed"),
                                                                      f"fan{n}", 2 + n) for n in range(3))]
    cfg = config(tmp_path, lines)
    store = SqliteStore(tmp_path / "gs.db")
    pipeline.collect(cfg, store)
    first = (stored(store), shares(store), store.state_items(PREFIX))

    again = pipeline.collect(cfg, store, use_cursor=False)

    assert (stored(store), shares(store), store.state_items(PREFIX)) == first
    assert set(first[0]) == {"x:1", "x:u0"} and set(first[1]) == {"x:rt1", "x:u1", "x:u2"}
    assert (again.created, again.reposts_recorded) == (0, 0)


def test_a_store_written_before_story_heads_gets_them_before_a_cut_retweet_is_looked_up(tmp_path):
    store = SqliteStore(tmp_path / "gs.db")
    pipeline.collect(config(tmp_path, [row("1", LONG, "ann")], "old"), store)
    # As an older version left it: the post and its URL/text keys, no story heads, no mark.
    store.delete_state([k for k in store.state_items(PREFIX) if k.startswith(f"{PREFIX}head:")] + [HEADS_INDEXED])

    pipeline.collect(config(tmp_path, [row("rt1", CUT, "bob", 5)], "new"), store)

    assert set(stored(store)) == {"x:1"} and shares(store) == {"x:rt1": "x:1"}
    assert store.get_state(HEADS_INDEXED) == "2"  # its two keys (one per brand), written once


@pytest.mark.elasticsearch
def test_on_elasticsearch_a_story_counts_once_too(tmp_path, es_url):  # noqa: F811
    from indexing.elasticsearch import ElasticsearchStore  # lazy: only this test needs the client

    prefix = f"gs-test-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        lines = [row("1", LONG, "ann"), row("rt1", CUT, "bob", 1),
                 *(row(f"u{n}", CUT.replace("@ann", "@zed"), f"fan{n}", 2 + n) for n in range(3)),
                 row("2", LONG, "dee", 6)]
        cfg = config(tmp_path, lines)
        pipeline.collect(cfg, store)
        pipeline.collect(cfg, store, use_cursor=False)  # a re-run changes nothing
        assert set(stored(store)) == {"x:1", "x:u0", "x:2"}
        assert shares(store) == {"x:rt1": "x:1", "x:u1": "x:u0", "x:u2": "x:u0"}
    finally:
        delete_prefix(store.client, prefix)
        store.close()
