"""Collection's rule for a stand-in whose original comes later (`groundswell.copies.CopyIndex.remember` and
`merge_stand_ins`, the rule `merge_copies` follows for the one-time pass): the stand-in becomes a share of the
original, its shares move to it, a person's word on it goes to it, and its row is deleted. So the same posts give
the same stored ids, brand counts and shares whatever order they are collected in (windowed backfills run in
reverse, a late export), and `groundswell store copy` of either store gives the same too. A crash part-way
loses and doubles nothing: the next run finishes the merge. Real import files, through `pipeline.collect`, on
SQLite and a real Elasticsearch node (soak review s66, finding 2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from es_node import es_node, es_url  # noqa: F401  (session fixtures: one real node per session)
from store_copy_support import copy_target, import_config

from alerts.shares import Shares
from extractors.base import Window
from groundswell import pipeline
from groundswell.config import Config
from groundswell.copies import PREFIX
from groundswell.sentiment_corrections import correct_sentiment, corrections
from groundswell.spam import mark_not_spam, override_records
from groundswell.store_copy import copy_store
from indexing.base import SPAM, Filters, Store
from indexing.sqlite import SqliteStore

# Days ago, so no post is in the future of the extractor's clock.
T0 = (datetime.now(UTC) - timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
NEGATIVE = {"label": "negative", "probs": {"negative": 0.9}, "model": "test"}
# 144 characters, naming both brands: X cuts a retweet of it short, and the cut drops "Sonique".
LONG = ("Lumora Pulse caught fire on my desk this morning and their support line kept me on hold for an hour, "
        "stay away from it, and Sonique is no better")
CUT = f"RT @ann: {LONG}"[:139] + "…"
BOB = "Lumora support closed my ticket without an answer again, third time this month"
BRANDS = ("Lumora", "Sonique")


def row(native_id: str, text: str, handle: str, day: int, minutes: int = 0, **extra: str) -> dict:
    line = {"source": "x", "native_id": native_id, "text": text, "lang": "en", "sentiment": NEGATIVE,
            "created_at": (T0 + timedelta(days=day, minutes=minutes)).isoformat(),
            "author": {"handle": handle, "followers": 50}}
    return line | ({"extra": extra} if extra else {})


def feed() -> list[dict]:
    """Day 0: @ann's post (both brands), @bob's, and two others. Day 1: retweets of @ann's, cut short by X, and API
    retweets of @bob's (marked, no `RT @` prefix). Day 2: more of both, @ann's with her whole text."""
    return [
        row("1", LONG, "ann", 0), row("2", BOB, "bob", 0, 5),
        row("q1", "Lumora Pulse battery lasts two days, happy so far", "cat", 0, 10),
        row("q2", "Sonique earbuds arrived today", "dan", 0, 20),
        *(row(f"r{n}", CUT, f"fan{n}", 1, n) for n in range(3)),
        *(row(f"m{n}", BOB, f"pal{n}", 1, 10 + n, repost_of="x:2") for n in range(3)),
        *(row(f"w{n}", f"RT @ann: {LONG}", f"wit{n}", 2, n) for n in range(2)),
        *(row(f"p{n}", BOB, f"pop{n}", 2, 10 + n, repost_of="x:2") for n in range(2)),
    ]


def stored(store: Store) -> set[str]:
    return {m.id for m in store.iter_mentions(Filters(include_spam=True))}


def shares(store: Store) -> dict[str, str]:
    return {s.repost: s.original for s in Shares(store).between(None, None)}


def merged(store: Store) -> set[str]:
    """The shares marked `merged`: stand-ins stored, then merged into their original (no news of their hour)."""
    return {s.repost for s in Shares(store).between(None, None) if s.merged}


def brand_counts(store: Store) -> dict[str, int]:
    return {brand: store.count(Filters(brand=brand, include_spam=True)) for brand in BRANDS}


def backfill_in_reverse(cfg: Config, store: Store) -> None:
    """Three one-day backfills, newest day first (`ingest --since/--until`), then a scheduled collect."""
    for day in (2, 1, 0):
        start = T0.replace(hour=0) + timedelta(days=day)
        pipeline.collect(cfg, store, window=Window(start, start + timedelta(days=1)), use_cursor=False)
    pipeline.collect(cfg, store)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request, tmp_path) -> Iterator[Store]:
    """The store collected into out of order: a SQLite file, or a fresh index prefix on the real node."""
    yield from copy_target(request, tmp_path)


@pytest.fixture
def in_order(tmp_path) -> Iterator[SqliteStore]:
    """The same feed collected in one pass, oldest first: every repost a share of the post it repeats."""
    cfg = import_config(tmp_path, feed(), "in_order")
    reference = SqliteStore(cfg.store.path)
    pipeline.collect(cfg, reference)
    yield reference
    reference.close()


def test_backfills_in_reverse_store_what_collecting_in_order_stores(tmp_path, store, in_order):
    assert stored(in_order) == {"x:1", "x:2", "x:q1", "x:q2"}
    assert brand_counts(in_order) == {"Lumora": 3, "Sonique": 2}
    cfg = import_config(tmp_path, feed(), "reverse")

    backfill_in_reverse(cfg, store)

    # Day 2 stored a retweet of each post as its stand-in, day 1's reposts became its shares; day 0's originals
    # took the stories over, and the stand-ins became their shares, with theirs: nothing is stored twice.
    assert stored(store) == stored(in_order)
    assert brand_counts(store) == brand_counts(in_order)
    assert shares(store) == shares(in_order)
    assert merged(store) == {"x:w0", "x:p0"} and merged(in_order) == set()  # the stand-ins day 2 stored
    # Later reposts of either story are the originals' copies: the stand-ins' keys went to them.
    owners = set(store.state_items(f"{PREFIX}repost:").values()) | set(store.state_items(f"{PREFIX}head:").values())
    assert owners <= stored(store)
    # Run again: nothing changes, nothing is recorded twice.
    again = pipeline.collect(cfg, store, use_cursor=False)
    assert (stored(store), shares(store), again.reposts_recorded) == (stored(in_order), shares(in_order), 0)


def test_store_copy_of_either_store_gives_the_same(tmp_path, in_order):
    cfg = import_config(tmp_path, feed(), "reverse")
    reverse = SqliteStore(cfg.store.path)
    backfill_in_reverse(cfg, reverse)
    copied = {}
    for name, source in (("in_order", in_order), ("reverse", reverse)):
        target = SqliteStore(tmp_path / f"copy_of_{name}.db")
        assert copy_store(source, target, source_name=name, target_name="to").complete
        copied[name] = (stored(target), brand_counts(target), shares(target))
        target.close()
    reverse.close()
    assert copied["reverse"] == copied["in_order"] == (stored(in_order), brand_counts(in_order), shares(in_order))


def test_an_original_after_its_stand_in_in_one_file_stores_it_once(tmp_path, store, in_order):
    # A late export: the retweets' lines come before the post they repeat, all in one batch.
    lines = feed()
    cfg = import_config(tmp_path, lines[4:] + lines[:4], "late")
    report = pipeline.collect(cfg, store)
    assert stored(store) == stored(in_order) and shares(store) == shares(in_order)
    assert report.reposts_recorded == len(shares(in_order)) and merged(store) == set()  # none was ever stored


def test_a_persons_word_on_the_stand_in_goes_to_the_original(tmp_path, store):
    cfg = import_config(tmp_path, feed(), "reverse")
    day = T0.replace(hour=0)
    pipeline.collect(cfg, store, window=Window(day + timedelta(days=1), day + timedelta(days=3)), use_cursor=False)
    assert {"x:r0", "x:m0"} <= stored(store)  # the stand-ins
    correct_sentiment(store, {"x:r0": "positive"}, by="ana", now=datetime.now(UTC))
    flagged = store.get(["x:m0"])[0].model_copy(update={"spam": "rule:test"})
    assert all(r.ok for r in store.upsert([flagged], fields=SPAM))
    mark_not_spam(store, ["x:m0"], by="ana", now=datetime.now(UTC))

    pipeline.collect(cfg, store, window=Window(day, day + timedelta(days=1)), use_cursor=False)

    assert "x:r0" not in stored(store) and "x:m0" not in stored(store)
    assert corrections(store, ["x:1"])["x:1"]["from"] == "x:r0"
    assert store.get(["x:1"])[0].sentiment.label == "positive"
    assert override_records(store, ["x:2"])["x:2"]["from"] == "x:m0"
    assert corrections(store, ["x:r0"]) == {} and override_records(store, ["x:m0"]) == {}


class Crash(Exception):
    """A process killed part-way through a merge (the write path sees any error the same way)."""


@pytest.mark.parametrize("step", ["delete_ids", "set_states"])
def test_a_crash_part_way_through_the_merge_is_finished_by_the_next_run(tmp_path, step, in_order, monkeypatch):
    # `delete_ids`: before the stand-in's row goes (its shares moved, its own recorded); `set_states`: after it went,
    # before its keys are handed to the original. Either way the next run, collecting the original again, finishes.
    cfg = import_config(tmp_path, feed(), "reverse")
    store = SqliteStore(cfg.store.path)
    day = T0.replace(hour=0)
    pipeline.collect(cfg, store, window=Window(day + timedelta(days=1), day + timedelta(days=3)), use_cursor=False)
    real = getattr(store, step)
    merging = {"armed": True}

    def crash(*args, **kwargs):
        if merging["armed"] and (step == "set_states" or "x:r0" in args[0]):
            if step == "delete_ids" or "x:r0" not in stored(store):
                merging["armed"] = False
                raise Crash(step)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, step, crash)
    first = pipeline.collect(cfg, store)  # scheduled: its cursor stays put when the batch fails
    assert not merging["armed"] and first.failed_writes
    assert "x:1" in stored(store)

    pipeline.collect(cfg, store)

    assert stored(store) == stored(in_order)
    assert shares(store) == shares(in_order)
    assert brand_counts(store) == brand_counts(in_order)
    store.close()


def burst(hour: datetime) -> list[dict]:
    """A quiet day, then 24 retweets of @ann's post (never collected yet) in `hour`, most cut short by X."""
    quiet = [row(f"q{n}", f"Lumora update number {n}", "news", 0) | {"created_at": (hour - timedelta(hours=30 - n))
                                                                     .isoformat()} for n in range(28)]
    retweets = [row(f"r{n}", CUT if n % 3 else f"RT @ann: {LONG}", f"fan{n}", 0) | {
        "created_at": (hour + timedelta(minutes=1 + n)).isoformat()} for n in range(24)]
    return quiet + retweets


def viral(cfg: Config, store: Store, now: datetime) -> list[tuple[str, datetime]]:
    return [(a.subject, a.window_start) for a in pipeline.detect(cfg, store, now=now) if a.kind == "viral"]


@pytest.mark.parametrize("alerted", [True, False])
def test_a_viral_episode_raised_on_the_stand_in_is_not_raised_again_on_the_original(tmp_path, alerted):
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    cfg = import_config(tmp_path, burst(hour), "burst")
    store = SqliteStore(cfg.store.path)
    pipeline.collect(cfg, store)
    if alerted:  # a run detected while the retweet stood in for her post: the episode's alert is stored
        assert viral(cfg, store, hour + timedelta(minutes=90)) == [("x:r0", hour)]
    # Her post itself, collected late: the stand-in and its 23 shares become its shares.
    late = row("1", LONG, "ann", 0) | {"created_at": (hour - timedelta(minutes=10)).isoformat()}
    pipeline.collect(import_config(tmp_path, [late], "late", db="burst"), store)
    assert "x:r0" not in stored(store) and set(shares(store).values()) == {"x:1"}

    again = viral(cfg, store, hour + timedelta(minutes=150))

    # Told once: not again under her post's id. Never told (no run in between): told now, on her post.
    assert again == ([] if alerted else [("x:1", hour)])
    store.close()
