"""Rows an older version stored twice (identical retweets, a stand-in whose original came later) are merged by the
one-time pass (`groundswell.copies.CopyIndex.index_heads`, marker `copy:heads-indexed-3`): each becomes a share of
the post it copies, that post gets its brands, shares of a merged row move to it, the rows are deleted (a person's
correction goes to the original: tests/indexing/test_repost_attribution.py), and no viral alert counts them.
SQLite and Elasticsearch on a real node."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store

from alerts.shares import Share, Shares
from alerts.viral import ViralRule, viral_detections
from core.mention import Author, Mention, Sentiment
from groundswell.copies import HEADS_INDEXED, PREFIX, CopyIndex
from groundswell.sentiment_corrections import CORRECTION_PREFIX
from indexing.base import Filters, Store

# Recent, as an upgraded store's last day is: a viral rule looking at the last day would see these hours.
T0 = (datetime.now(UTC) - timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
NEG = Sentiment(label="negative", probs={"negative": 0.9, "neutral": 0.05, "positive": 0.05}, model="m")
STORY = "Apple Store Broadway brass band playing for the crowd tonight, what a scene"


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    yield from open_store(request.param, request, tmp_path, "gs-merge")


def _post(native: str, text: str, minutes: int, by: str, brands: tuple[str, ...] = ("Apple",)) -> Mention:
    return Mention(source="x", native_id=native, text=text, created_at=T0 + timedelta(minutes=minutes),
                   author=Author(handle=by, followers=10), brands=list(brands), sentiment=NEG)


def _old_store(store: Store) -> dict[str, Mention]:
    """What an older version left: every row below stored, as it stored them, and no merge marker."""
    rows = {
        "original": _post("1", STORY, 0, "donacamp"),
        # Three identical retweets of it, all stored (the older rule kept them).
        **{f"rt{i}": _post(f"rt{i}", f"RT @donacamp: {STORY}", 5 + i, f"fan{i}", ("Apple", "Beats") if i == 2
                           else ("Apple",)) for i in range(3)},
        # A stand-in: the retweet stored before its original was collected; then the original came.
        "stand_in": _post("s1", "RT @tim: Battery life on the new phone is a disgrace, fix it now please", 10, "amy"),
        "late_original": _post("2", "Battery life on the new phone is a disgrace, fix it now please", 1, "tim"),
        "other": _post("3", "Something else about Apple entirely, nothing repeated", 20, "bob"),
    }
    assert all(r.ok for r in store.upsert(rows.values()))
    # A share collection recorded of the stand-in, and a person's correction of a merged row.
    Shares(store).record([Share(repost="x:rt9", original=rows["stand_in"].id, at=T0 + timedelta(minutes=30),
                                brands=("Apple",), by="zed")])
    store.set_state(CORRECTION_PREFIX + rows["rt1"].id, json.dumps({"label": "positive"}))
    store.delete_state([HEADS_INDEXED])
    return rows


def test_rows_stored_twice_become_shares_of_their_original_and_are_deleted(store):
    rows = _old_store(store)
    assert store.count(Filters()) == 7
    CopyIndex(store).index_heads()
    left = {m.id for m in store.iter_mentions(Filters(include_spam=True))}
    assert left == {rows["original"].id, rows["late_original"].id, rows["other"].id}
    shares = {s.repost: s for s in Shares(store).between(None, None)}
    assert {rows[f"rt{i}"].id: rows["original"].id for i in range(3)} | {
        rows["stand_in"].id: rows["late_original"].id, "x:rt9": rows["late_original"].id} == {
        k: s.original for k, s in shares.items()}
    assert all(shares[rows[f"rt{i}"].id].merged for i in range(3)) and not shares["x:rt9"].merged
    assert store.get([rows["original"].id])[0].brands == ["Apple", "Beats"]  # the brand a copy carried
    assert store.get_state(CORRECTION_PREFIX + rows["rt1"].id) is None  # dropped with its row
    # Later reposts of the stand-in's story are the late original's copies: the keys the stand-in held moved.
    again = _post("s2", rows["stand_in"].text, 40, "carl")
    keep, copies = CopyIndex(store).split([again])
    assert (keep, [(c.id, o) for c, o in copies]) == ([], [(again.id, rows["late_original"].id)])
    # A second pass (another process, a re-run) changes nothing.
    assert CopyIndex(store).index_heads() == 0 and len(Shares(store).between(None, None)) == 5
    assert store.get_state(HEADS_INDEXED) is not None and f"{PREFIX}heads-indexed-2" != HEADS_INDEXED


def test_merged_rows_make_no_viral_alert(store):
    rows = _old_store(store)
    CopyIndex(store).index_heads()
    rule = ViralRule(min_reposts=3, sentiment="any")
    shares = Shares(store).between(None, None)
    assert viral_detections(store, shares, "Apple", rule, datetime.now(UTC)) == []
    # Three reposts collected in that hour, the same story: news, and they alert (the rule still works).
    fresh = [Share(repost=f"x:new{i}", original=rows["original"].id, at=T0 + timedelta(minutes=20 + i),
                   brands=("Apple",)) for i in range(3)]
    assert len(viral_detections(store, shares + fresh, "Apple", rule, datetime.now(UTC))) == 1
