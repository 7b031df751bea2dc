"""Posts tagged by a run that died before its spam step are still examined for spam by the next run
(groundswell/spam_pending.py), on a real SQLite store. Found by killing real runs: a care account's replies
and a giveaway stayed in the counts for good, because the next run tagged nothing new and looked nowhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from spam_support import CAMPAIGN, Tagger
from store_faults import FailingWrite

from core.mention import Author, Mention
from groundswell import pipeline
from groundswell.config import Config
from groundswell.spam_pending import PREFIX, PendingRange, merged, read_pending, settle
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 3, 12, tzinfo=UTC)


def post(n: int, text: str, minutes: float, handle: str | None = None) -> Mention:
    return Mention(source="x", native_id=f"p{n}", text=text, brand="Lumora",
                   created_at=T0 + timedelta(minutes=minutes), author=Author(handle=handle or f"bot{n}"))


@pytest.fixture
def config() -> Config:
    return Config.model_validate({
        "brands": [{"name": "Lumora", "query": "lumora", "own_accounts": {"x": ["LumoraCare"]}}],
        "nlp": {"batch_size": 4},
    })


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    campaign = [post(i, CAMPAIGN, minutes=i) for i in range(10)]
    care = post(50, "Sorry to hear that, Lumora Care will DM you", minutes=4, handle="LumoraCare")
    person = post(99, "My Lumora Halo arrived today and it sounds lovely", minutes=3)
    assert all(r.ok for r in s.upsert([*campaign, care, person]))
    yield s
    s.close()


def test_a_run_that_died_after_tagging_leaves_its_posts_to_the_next_runs_spam_step(store, config) -> None:
    # The run tags everything, then dies before its spam step: nothing after `enrich` ran.
    assert pipeline.enrich(config, store, enricher=Tagger()).enriched == 12
    assert store.count() == 12  # nothing flagged yet: the campaign and the care reply count as mentions
    # The next run has nothing new to tag, yet its spam step looks where the dead run tagged.
    again = pipeline.enrich(config, store, enricher=Tagger())
    assert again.enriched == 0
    report = pipeline.flag_new_spam(store, again, config)
    assert (report.flagged, report.own_posts) == (10, 1)
    assert store.count() == 1
    assert store.state_items(PREFIX) == {}  # examined: nothing left pending
    # And a third run has nothing left to look at.
    assert pipeline.flag_new_spam(store, pipeline.enrich(config, store, enricher=Tagger()), config).examined == 0


def test_a_spam_step_that_failed_to_write_its_flags_is_done_again_by_the_next_run(store, config) -> None:
    enriched = pipeline.enrich(config, store, enricher=Tagger())
    with pytest.raises(RuntimeError, match="could not store spam flags"):
        pipeline.flag_new_spam(FailingWrite(store, failing_call=1), enriched, config)
    assert store.count() == 12 and len(store.state_items(PREFIX)) == 1  # still pending
    report = pipeline.flag_new_spam(store, pipeline.enrich(config, store, enricher=Tagger()), config)
    assert report.flagged == 10 and store.count() == 1


def test_the_same_run_examines_its_own_range_once(store, config) -> None:
    enriched = pipeline.enrich(config, store, enricher=Tagger())
    assert (enriched.first, enriched.last) == (T0, T0 + timedelta(minutes=9))
    report = pipeline.flag_new_spam(store, enriched, config)  # its own pending entry and its report: one read
    assert (report.examined, report.flagged, report.own_posts) == (12, 10, 1)


def test_a_range_widened_while_the_spam_step_ran_stays_pending(store) -> None:
    other = PendingRange(store, token="other")
    other.widen([T0, T0 + timedelta(minutes=5)])
    seen = read_pending(store)
    other.widen([T0 + timedelta(hours=3)])  # the other process tagged another batch meanwhile
    assert settle(store, seen) == 0
    assert read_pending(store).ranges == [(T0, T0 + timedelta(hours=3))]
    assert settle(store, read_pending(store)) == 1 and store.state_items(PREFIX) == {}


def test_an_unreadable_entry_is_logged_and_settled(store, caplog) -> None:
    store.set_state(PREFIX + "junk", "{not json")
    seen = read_pending(store)
    assert seen.ranges == [] and "unreadable pending spam range" in caplog.text
    assert settle(store, seen) == 1


def test_ranges_whose_windows_overlap_are_read_once() -> None:
    day = timedelta(days=1)
    ranges = [(T0 + 5 * day, T0 + 5 * day), (T0, T0 + timedelta(hours=1)), (T0 + timedelta(hours=20), T0 + day)]
    assert merged(ranges, 2 * day) == [(T0, T0 + day), (T0 + 5 * day, T0 + 5 * day)]


def test_a_pass_that_tags_nothing_writes_no_entry(store, config) -> None:
    pipeline.enrich(config, store, enricher=Tagger())
    pipeline.flag_new_spam(store, pipeline.enrich(config, store, enricher=Tagger()), config)
    assert store.state_items(PREFIX) == {} and store.count(Filters(include_spam=True)) == 12
