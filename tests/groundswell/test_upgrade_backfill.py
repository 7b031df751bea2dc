"""What an upgrade left undone, done by the runs: spam flags and intent tags of posts stored before they existed,
a bounded slice per pass, marked done, then nothing (real SQLite; the intent part with the real model)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from upgrade_backfill_support import CAMPAIGN, NOW, T0, config, old_posts, sqlite_with_old_posts

from groundswell.pipeline import maintain, run_once
from groundswell.spam import flag_spam
from groundswell.upgrade_backfill import INTENTS_KEY, SPAM_KEY, backfill_spam, catch_up
from indexing.base import Filters
from indexing.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path):
    yield from sqlite_with_old_posts(tmp_path / "g.db")


def _flags(store) -> dict[str, str | None]:
    return {m.id: m.spam for m in store.iter_mentions(Filters(include_spam=True))}


def test_spam_backfill_flags_old_posts_a_window_per_pass_then_is_done(store, tmp_path) -> None:
    cfg = config()
    assert store.count(Filters(include_spam=True)) - store.count() == 0  # the older version never examined them
    first = backfill_spam(cfg, store, now=NOW, limit=1)  # one day's window (and its 24 h around) per pass
    assert (first["examined"], first["flagged"], first["done"]) == (1, 0, False)
    assert first["remaining"] == 13  # the campaign's day and the last day still to examine
    second = backfill_spam(cfg, store, now=NOW, limit=1)
    assert (second["flagged"], second["done"]) == (10, False)
    third = backfill_spam(cfg, store, now=NOW, limit=1)
    assert (third["flagged"], third["remaining"], third["done"]) == (0, 0, True)
    assert store.count(Filters(include_spam=True)) - store.count() == 10
    # The flags a run's own spam pass over all of it gives (the same rule, `flag_spam`).
    twin = SqliteStore(tmp_path / "twin.db")
    try:
        assert all(r.ok for r in twin.upsert(old_posts()))
        flag_spam(twin, T0, NOW)
        assert _flags(store) == _flags(twin)
        assert {m for m, f in _flags(twin).items() if f} == {f"x:p{10 + i}" for i in range(10)}
    finally:
        twin.close()
    # Done: later passes cost one state read and write nothing.
    state = store.get_state(SPAM_KEY)
    assert json.loads(state)["done"] is True
    assert backfill_spam(cfg, store, now=NOW + timedelta(days=1), limit=1) == {"done": True}
    assert store.get_state(SPAM_KEY) == state


def test_maintain_does_the_spam_backfill(store) -> None:
    result = maintain(config(), store, now=NOW)
    assert result["upgrade_backfill"]["spam"]["flagged"] == 10 and result["upgrade_backfill"]["spam"]["done"]
    assert [m.text for m in store.iter_mentions(Filters(include_spam=True)) if m.spam] == [CAMPAIGN] * 10
    assert maintain(config(), store, now=NOW)["upgrade_backfill"] == {"spam": {"done": True}}


@pytest.mark.model
def test_intent_backfill_tags_a_bounded_slice_per_pass_oldest_first_then_is_done(store) -> None:
    cfg = config()
    untagged = [m.id for m in store.iter_mentions(Filters(include_spam=True)) if m.sentiment and not m.intent]
    assert len(untagged) == 12
    first = catch_up(cfg, store, now=NOW, intents_limit=5)
    assert first["intents"] == {"tagged": 5, "remaining": 7, "done": False}
    tagged = {m.id for m in store.iter_mentions(Filters(include_spam=True)) if m.intent}
    assert tagged == {*untagged[:5], "x:p3"}  # oldest first; the one tagged before kept
    assert catch_up(cfg, store, now=NOW, intents_limit=5)["intents"] == {"tagged": 5, "remaining": 2, "done": False}
    assert catch_up(cfg, store, now=NOW, intents_limit=5)["intents"] == {"tagged": 2, "remaining": 0, "done": True}
    by_id = {m.id: m for m in store.iter_mentions(Filters(include_spam=True))}
    assert by_id["x:p1"].intent == "question" and by_id["x:p2"].intent == "complaint"
    assert by_id["x:p3"].intent == "praise" and by_id["x:p4"].intent is None  # not enriched: the enrich step's
    assert json.loads(store.get_state(INTENTS_KEY))["done"] is True
    assert catch_up(cfg, store, now=NOW) == {"intents": {"done": True}, "spam": {"done": True}}


@pytest.mark.model
def test_a_run_on_an_upgraded_store_catches_up_and_a_fresh_store_is_done_at_once(store, tmp_path) -> None:
    summary = run_once(config(), store=store, write_report=False, send=False, now=NOW)
    assert summary["upgrade_backfill"]["intents"] == {"tagged": 12, "remaining": 0, "done": True}
    assert summary["upgrade_backfill"]["spam"]["flagged"] == 10
    assert store.facet(Filters(include_spam=True), "intent").get("unknown", 0) == 0  # p4 enriched by the run
    fresh = SqliteStore(tmp_path / "fresh.db")
    try:
        assert run_once(config(), store=fresh, write_report=False, send=False, now=NOW)["upgrade_backfill"] == {
            "intents": {"done": True}, "spam": {"done": True}}
    finally:
        fresh.close()
