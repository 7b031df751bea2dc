"""Intent tags are back-filled whenever `nlp.intents` is on and enriched posts lack one: a store first filled with
tags off is not marked done, and posts enriched while tags were off after the backfill finished are tagged once
they are on again (`groundswell.upgrade_backfill`; real SQLite, the real model)."""

from __future__ import annotations

import json

import pytest
from upgrade_backfill_support import NOW, config, sqlite_with_old_posts

from groundswell.config import Config
from groundswell.intents_backfill import untagged_enriched
from groundswell.upgrade_backfill import INTENTS_KEY, backfill_intents, catch_up
from indexing.base import INTENT, Filters


def _config(intents: bool) -> Config:
    cfg = config()
    return cfg.model_copy(update={"nlp": cfg.nlp.model_copy(update={"intents": intents})})


@pytest.fixture
def store(tmp_path):
    yield from sqlite_with_old_posts(tmp_path / "g.db")


def test_a_store_first_filled_with_intents_off_is_not_marked_done(store) -> None:
    assert catch_up(_config(False), store, now=NOW, fresh=True)["intents"]["done"] is False
    assert store.get_state(INTENTS_KEY) is None and untagged_enriched(store) == 12


@pytest.mark.model
def test_intents_turned_on_again_after_the_backfill_finished_tag_what_was_enriched_meanwhile(store) -> None:
    assert catch_up(_config(True), store, now=NOW)["intents"] == {"tagged": 12, "remaining": 0, "done": True}
    # Tags turned off: the runs enrich posts without tagging them (as here: their tags gone).
    untag = [m.model_copy(update={"intent": None}) for m in store.iter_mentions(Filters(include_spam=True))][:4]
    assert all(r.ok for r in store.upsert(untag, fields=INTENT))
    assert backfill_intents(_config(False), store) == {"done": True}  # off: nothing to do
    assert backfill_intents(_config(True), store) == {"tagged": 4, "remaining": 0, "done": True}
    assert untagged_enriched(store) == 0 and json.loads(store.get_state(INTENTS_KEY))["done"] is True
    assert backfill_intents(_config(True), store) == {"done": True}  # then one count, nothing written


@pytest.mark.model
def test_a_fresh_store_filled_with_intents_off_is_tagged_once_they_are_on(store) -> None:
    catch_up(_config(False), store, now=NOW, fresh=True)
    assert backfill_intents(_config(True), store) == {"tagged": 12, "remaining": 0, "done": True}
