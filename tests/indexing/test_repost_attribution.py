"""A repost that names its original (`RT @bob:`, or an X API retweet's `extra.repost_of`) is credited to bob's post,
never to another person's earlier post of the same words (`core.stories.original_of`): in collection
(`groundswell.copies.CopyIndex.split`), the one-time merge pass (`index_heads`) and the backtest's shares
(`alerts.backtest_shares`). And a person's word on a merged row goes to its original (`groundswell.merged_word`).
Real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from alerts.backtest_shares import replayed_shares
from alerts.shares import Shares
from core.mention import Author, Mention, Sentiment
from groundswell.copies import HEADS_INDEXED, CopyIndex
from groundswell.sentiment_corrections import CORRECTION_PREFIX, corrections
from groundswell.spam import OVERRIDE_PREFIX
from indexing.base import Filters, Store
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)
SAME = "Apple Store Broadway queue is around the block this morning"
TIM = "Apple support fixed my battery in ten minutes, not bad at all really"


def _sentiment(label: str) -> Sentiment:
    probs = {name: 0.8 if name == label else 0.1 for name in ("negative", "neutral", "positive")}
    return Sentiment(label=label, probs=probs, model="m")


def _post(native: str, text: str, minutes: int, by: str, label: str = "negative", **extra: str) -> Mention:
    return Mention(source="x", native_id=native, text=text, created_at=T0 + timedelta(minutes=minutes),
                   author=Author(handle=by, followers=10), brands=["Apple"], sentiment=_sentiment(label), extra=extra)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    sqlite = SqliteStore(tmp_path / "gs.db")
    yield sqlite
    sqlite.close()


def _old(store: Store, rows: list[Mention]) -> None:
    """Rows an older version stored, all of them, before the merge pass."""
    assert all(r.ok for r in store.upsert(rows))
    store.delete_state([HEADS_INDEXED])


def _shares(store: Store) -> dict[str, str]:
    return {s.repost: s.original for s in Shares(store).between(None, None)}


def _lines() -> list[Mention]:
    return [_post("ann1", SAME, 0, "ann"), _post("bob1", SAME, 3, "bob"),
            _post("rt1", f"RT @bob: {SAME}", 4, "carol"),
            _post("rt2", SAME, 5, "dave", repost_of="x:bob1")]  # an X API retweet of bob's post


def test_merge_pass_credits_a_repost_to_the_author_it_names(store):
    _old(store, _lines())
    CopyIndex(store).index_heads()
    assert _shares(store) == {"x:rt1": "x:bob1", "x:rt2": "x:bob1"}
    assert {m.id for m in store.iter_mentions(Filters(include_spam=True))} == {"x:ann1", "x:bob1"}


def test_merge_pass_keeps_a_repost_whose_named_author_has_no_post_stored(store):
    # `RT @bob:` of words only ann's post says: bob's post is not stored, so the retweet stands for it (kept).
    _old(store, [_post("ann1", SAME, 0, "ann"), _post("rt1", f"RT @bob: {SAME}", 4, "carol")])
    CopyIndex(store).index_heads()
    assert _shares(store) == {}
    assert store.count(Filters(include_spam=True)) == 2


def test_collection_credits_a_repost_to_the_author_it_names(store):
    ann, bob, rt1, rt2 = _lines()
    index = CopyIndex(store)
    for post in (ann, bob):
        keep, _ = index.split([post])
        assert all(r.ok for r in store.upsert(keep))
        index.remember(keep)
    keep, copies = index.split([rt1, rt2])
    assert keep == [] and {c.id: o for c, o in copies} == {rt1.id: bob.id, rt2.id: bob.id}
    # A retweet naming ann is hers (the text key is trusted when its owner is by the author named).
    keep, copies = index.split([_post("rt3", f"RT @ann: {SAME}", 9, "erin")])
    assert keep == [] and [(c.id, o) for c, o in copies] == [("x:rt3", ann.id)]


def test_backtest_shares_credit_a_repost_to_the_author_it_names():
    shares = {s.repost: s.original for s in replayed_shares(_lines())}
    assert shares == {"x:rt1": "x:bob1", "x:rt2": "x:bob1"}


def test_a_persons_word_on_a_merged_row_goes_to_its_original(store):
    rows = [_post("4", TIM, 10, "tim"), _post("5", f"RT @tim: {TIM}", 11, "amy"),
            _post("6", "Apple event tonight is going to be great for everyone watching", 20, "zoe", "positive"),
            _post("7", "RT @zoe: Apple event tonight is going to be great for everyone watching", 21, "bot1"),
            _post("8", "RT @zoe: Apple event tonight is going to be great for everyone watching", 22, "bot2"),
            _post("9", "Apple pencil tips wear out after a month of daily sketching", 30, "uma"),
            _post("10", "RT @uma: Apple pencil tips wear out after a month of daily sketching", 31, "vic")]
    _old(store, rows)
    spam = store.get(["x:6"])[0].model_copy(update={"spam": "bot ring"})
    assert all(r.ok for r in store.upsert([spam]))
    store.set_states({CORRECTION_PREFIX + "x:5": json.dumps({"label": "positive", "by": "ana", "at": "t"}),
                      OVERRIDE_PREFIX + "x:7": json.dumps({"by": "ana", "at": "t"}),
                      # two merged rows of zoe's post disagree: neither is carried
                      CORRECTION_PREFIX + "x:7": json.dumps({"label": "negative"}),
                      CORRECTION_PREFIX + "x:8": json.dumps({"label": "neutral"}),
                      # uma's post has its own correction: it wins over vic's retweet's
                      CORRECTION_PREFIX + "x:9": json.dumps({"label": "neutral", "by": "ana"}),
                      CORRECTION_PREFIX + "x:10": json.dumps({"label": "positive"})})
    index = CopyIndex(store)
    index.index_heads()
    assert {m.id for m in store.iter_mentions(Filters(include_spam=True))} == {"x:4", "x:6", "x:9"}
    tim, zoe = store.get(["x:4", "x:6"])
    assert tim.sentiment.label == "positive" and tim.sentiment.by_analyst
    record = corrections(store, ["x:4"])["x:4"]
    assert record["from"] == "x:5" and record["model"]["label"] == "negative"  # an undo gives the model's back
    assert zoe.spam is None and json.loads(store.get_state(OVERRIDE_PREFIX + "x:6"))["flag"] == "bot ring"
    assert zoe.sentiment.label == "positive" and "x:6" not in corrections(store, ["x:6"])
    assert sorted(index.carried.conflicts) == ["x:10", "x:7", "x:8"]
    assert store.get_state(CORRECTION_PREFIX + "x:9") == json.dumps({"label": "neutral", "by": "ana"})
