"""Stand-ins (`core.stories`, `groundswell/copies.py`): reposts marked as such (`extra.repost_of`, no `RT @`
prefix: an X retweet read through the API) of an original never collected are stored once, the rest are its
shares; an original collected after its stand-in takes its story over, the stand-in becoming its share; and
`groundswell store copy` re-points the shares of a stand-in it drops to the post the target kept
(`groundswell/store_copy.py`). Through the real collect path, on SQLite and a real Elasticsearch node."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from es_node import es_node, es_url  # noqa: F401  (session fixtures: one real node per session)
from store_copy_support import copy_target, import_config

from alerts.shares import Shares
from groundswell import pipeline
from groundswell.config import Config
from groundswell.copies import PREFIX
from groundswell.store_copy import copy_store
from indexing.base import Filters, Store, stored_ids
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
NEGATIVE = {"label": "negative", "probs": {"negative": 0.9}, "model": "test"}
TEXT = "Lumora Pulse caught fire on my desk this morning, stay away from it"
# 144 characters: a retweet of it is cut short by X (`tests/groundswell/test_copies_cut_retweets.py`).
LONG = ("Lumora Pulse caught fire on my desk this morning and their support line kept me on hold for an hour, "
        "stay away from it, and Sonique is no better")
CUT = f"RT @ann: {LONG}"[:139] + "…"


def row(native_id: str, text: str, handle: str, minutes: int = 0, **extra: str) -> dict:
    line = {"source": "x", "native_id": native_id, "text": text, "lang": "en", "sentiment": NEGATIVE,
            "created_at": (T0 + timedelta(minutes=minutes)).isoformat(), "author": {"handle": handle, "followers": 50}}
    return line | ({"extra": extra} if extra else {})


def marked(count: int, start: int = 1, tag: str = "b", text: str = TEXT) -> list[dict]:
    """`count` API retweets of @ann's post x:1: its full text, marked, no `RT @` prefix."""
    return [row(f"{tag}{n}", text, f"fan{tag}{n}", start + n, repost_of="x:1") for n in range(count)]


def stored(store: Store) -> set[str]:
    return {m.id for m in store.iter_mentions(Filters(include_spam=True))}


def shares(store: Store) -> dict[str, str]:
    return {s.repost: s.original for s in Shares(store).between(None, None)}


def viral(cfg: Config, store: Store) -> list[tuple[str, float]]:
    return [(a.subject, a.observed) for a in pipeline.detect(cfg, store, now=NOW) if a.kind == "viral"]


def test_marked_reposts_of_an_original_never_collected_are_stored_once(tmp_path):
    cfg = import_config(tmp_path, marked(22), "in")
    store = SqliteStore(cfg.store.path)

    report = pipeline.collect(cfg, store)

    assert stored(store) == {"x:b0"}  # the first stands in for @ann's post
    assert shares(store) == {f"x:b{n}": "x:b0" for n in range(1, 22)}
    assert (report.duplicates, report.reposts_recorded) == (21, 21)
    assert f"{PREFIX}repost:Lumora:x:1" in store.state_items(PREFIX)
    assert viral(cfg, store) == [("x:b0", 21.0)]
    again = pipeline.collect(cfg, store, use_cursor=False)  # a rerun stores and records nothing twice
    assert stored(store) == {"x:b0"} and len(shares(store)) == 21 and again.reposts_recorded == 0


def test_an_original_collected_after_its_stand_in_takes_the_story_over(tmp_path):
    # Day 1: three API retweets of @ann's post and one retweet X cut short, her post not collected.
    store = SqliteStore(tmp_path / "day1.db")
    pipeline.collect(import_config(tmp_path, [*marked(3, text=LONG), row("c0", CUT, "cy", 1)], "day1"), store)
    assert stored(store) == {"x:b0", "x:c0"} and shares(store) == {"x:b1": "x:b0", "x:b2": "x:b0"}

    # Day 2: @ann's post itself (a long one, so her retweets are cut short), then more reposts of both kinds.
    day2 = [row("1", LONG, "ann", 30), *marked(2, 40, "d", LONG), row("c1", CUT, "dee", 45),
            row("c2", f"RT @ann: {LONG}", "eve", 46)]
    pipeline.collect(import_config(tmp_path, day2, "day2", db="day1"), store)

    # The stand-ins become shares of the original, and their shares move to it: kept beside it, they stored the
    # story twice, so the stored rows and brand counts depended on which was collected first (and the one-time pass,
    # `CopyIndex.index_heads`, and `store copy` already merged such a pair). Now collected in either order, the
    # store holds the same: the original, and every repost its share.
    assert stored(store) == {"x:1"}
    assert shares(store) == {f"x:{i}": "x:1" for i in ("b0", "b1", "b2", "c0", "d0", "d1", "c1", "c2")}
    in_order = SqliteStore(tmp_path / "in_order.db")
    pipeline.collect(import_config(tmp_path, [*day2[:1], *marked(3, text=LONG), row("c0", CUT, "cy", 1), *day2[1:]],
                                   "in_order"), in_order)
    assert stored(in_order) == stored(store) and shares(in_order) == shares(store)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def target(request, tmp_path) -> Iterator[Store]:
    """The store copied into: a SQLite file, or a fresh index prefix on the real Elasticsearch node."""
    yield from copy_target(request, tmp_path)


def test_store_copy_points_a_dropped_stand_ins_shares_at_the_post_the_target_kept(tmp_path, target):
    # The old store never saw @ann's post: her 24 retweets (cut short by X) are one stand-in and 23 shares of it.
    retweets = [row(f"rt{n}", CUT, f"fan{n}", 1 + n) for n in range(24)]
    cfg = import_config(tmp_path, retweets, "old")
    source = SqliteStore(cfg.store.path)
    pipeline.collect(cfg, source)
    assert stored(source) == {"x:rt0"} and set(shares(source).values()) == {"x:rt0"}
    # The new store collected her post itself.
    holder = SqliteStore(tmp_path / "holder.db")
    pipeline.collect(import_config(tmp_path, [row("1", LONG, "ann")], "holder"), holder)
    assert copy_store(holder, target, source_name="holder", target_name="to").complete

    report = copy_store(source, target, source_name="old", target_name="to")

    assert report.complete and report.copies == 1 and stored(target) == {"x:1"}
    held = shares(target)
    assert held == {f"x:rt{n}": "x:1" for n in range(24)}  # none names the stand-in the target does not hold
    assert stored_ids(target, set(held.values())) == {"x:1"}
    assert viral(cfg, target) == [("x:1", 24.0)]
    holder.close()
