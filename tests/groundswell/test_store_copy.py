"""`groundswell store copy`: every mention and state entry of one store lands in another, once, and a copy
stopped halfway continues where it stopped (real SQLite stores; into a real Elasticsearch node and back:
tests/indexing/test_es_store_copy.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from store_copy_corpus import STATE, rich_mentions
from store_faults import CountingWrites, FailingWrite, SilentlyDropping

from alerts.history import INDEX_KEY, load_alerts, save_alerts
from core.alert import Alert
from core.mention import Author, Mention
from groundswell.cli import cli
from groundswell.copies import PREFIX as COPY_PREFIX
from groundswell.copies import CopyIndex
from groundswell.store_copy import MARK_PREFIX, copy_store
from indexing.base import Filters
from indexing.sqlite import SqliteStore

EVERYTHING = Filters(include_spam=True)
CONFIG = """\
brands:
  - name: Lumora
    query: lumora
sources: []
store:
  type: sqlite
  path: {path}
"""


def dumps(store) -> dict[str, dict]:
    return {m.id: m.model_dump(mode="json") for m in store.iter_mentions(EVERYTHING)}


def filled(path, mentions: list[Mention], state: dict[str, str]) -> SqliteStore:
    store = SqliteStore(path)
    assert all(r.ok for r in store.upsert(mentions))
    for key, value in state.items():
        store.set_state(key, value)
    return store


@pytest.fixture
def source(tmp_path):
    store = filled(tmp_path / "old.db", rich_mentions(40), STATE)
    yield store
    store.close()


@pytest.fixture
def target(tmp_path):
    store = SqliteStore(tmp_path / "new.db")
    yield store
    store.close()


def copied_state(store) -> dict[str, str]:
    """The state entries that came from the source: without the copy index the copy writes beside each post it
    stores (as collection does; the source's own copy keys are in STATE)."""
    return {k: v for k, v in store.state_items("").items() if k in STATE or not k.startswith(COPY_PREFIX)}


def indexed_owners(store) -> set[str]:
    return {v for k, v in store.state_items(COPY_PREFIX).items() if k not in STATE}


def copy(source, target, **kw):
    return copy_store(source, target, source_name="sqlite old", target_name="sqlite new", **kw)


def test_everything_lands_unchanged_and_a_second_copy_duplicates_nothing(source, target):
    report = copy(source, target, batch=7)
    assert report.complete and (report.source_mentions, report.copied, report.failed) == (40, 40, 0)
    assert dumps(target) == dumps(source)  # every field, spam and unenriched mentions included
    assert target.count(EVERYTHING) == 40 and target.count(Filters()) == source.count(Filters())
    assert copied_state(target) == STATE and report.state_copied == len(STATE)
    assert indexed_owners(target) == set(dumps(target))  # the copy index names every post written
    again = copy(source, target, batch=7)
    assert again.complete and again.copied == 40 and again.target_mentions_after == 40
    assert (again.state_copied, again.state_same) == (0, len(STATE))


def test_a_failed_batch_holds_the_state_back_and_the_rerun_continues_from_the_last_whole_batch(source, target):
    broken = copy(source, FailingWrite(target, failing_call=3), batch=8)
    assert not broken.complete and (broken.copied, broken.failed) == (32, 8)  # batches 1, 2, 4, 5 landed
    ordered = list(source.iter_mentions(EVERYTHING))
    assert broken.failed_ids == [m.id for m in ordered[16:24]]
    assert "cursors must not reach the target" in broken.state_skipped_reason
    assert {k: v for k, v in copied_state(target).items() if not k.startswith(MARK_PREFIX)} == {}
    (mark,) = target.state_items(MARK_PREFIX).values()
    assert json.loads(mark) == {"at": ordered[15].created_at.isoformat(), "done": 16}  # the mark stopped at batch 2

    counting = CountingWrites(target)
    resumed = copy(source, counting, batch=8)
    assert resumed.complete and resumed.resumed_from == ordered[15].created_at.isoformat()
    # From the mark on, inclusive: mention 15 shares its time with 14, so both are written again.
    assert counting.written_ids == [m.id for m in ordered[14:]]
    assert (resumed.copied_before, resumed.copied) == (16, 26)
    assert dumps(target) == dumps(source) and copied_state(target) == STATE  # mark gone, state there


def test_what_is_not_there_when_read_back_counts_as_failed(source, target):
    report = copy(source, SilentlyDropping(target), batch=10)
    first = [m.id for m in source.iter_mentions(EVERYTHING)][::10]
    assert (report.copied, report.failed, report.failed_ids, report.complete) == (36, 4, first, False)


def test_the_target_keeps_its_own_mentions_and_state(source, target):
    own = rich_mentions(45)[40:]  # five posts only the target has
    assert all(r.ok for r in target.upsert(own))
    target.set_state("cursor:mastodon:lumora:Lumora", "999999")  # collected further since the switch
    report = copy(source, target)
    assert report.complete and report.target_mentions_before == 5 and report.target_mentions_after == 45
    assert target.get_state("cursor:mastodon:lumora:Lumora") == "999999" and report.state_kept == 1
    assert report.state_copied == len(STATE) - 1


def test_a_dry_run_counts_and_writes_nothing(source, target):
    report = copy(source, target, dry_run=True)
    assert (report.copied, report.state_copied, report.complete) == (40, len(STATE), False)
    assert target.count(EVERYTHING) == 0 and target.state_items("") == {}


def _config(tmp_path, name: str, db: str) -> str:
    path = tmp_path / name
    path.write_text(CONFIG.format(path=db), encoding="utf-8")
    return str(path)


def test_cli_copies_and_refuses_a_copy_onto_the_same_store(tmp_path, source):
    old, new = _config(tmp_path, "old.yaml", "old.db"), _config(tmp_path, "new.yaml", "new.db")
    run = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", new, "--no-progress"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["complete"] and report["copied"] == 40 and report["target"].endswith("new.db")
    same = _config(tmp_path, "same.yaml", "./old.db")
    refused = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", same])
    assert refused.exit_code == 1 and "the source and the target are the same store" in refused.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("store: {type: elasticsearch, url: 'http://user:pw@es:9200'}\n", encoding="utf-8")
    broken = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", str(bad)])
    assert broken.exit_code == 1 and "credentials inside store.url are not allowed" in broken.output
    nowhere = tmp_path / "nowhere.yaml"
    nowhere.write_text(CONFIG.format(path="x.db").split("store:")[0]
                       + "store: {type: elasticsearch, url_env: GS_TEST_UNSET_URL}\n", encoding="utf-8")
    unset = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", str(nowhere)])
    assert unset.exit_code == 1 and "$GS_TEST_UNSET_URL is empty" in unset.output
    missing = CliRunner().invoke(cli, ["store", "copy", "-c", old])
    assert missing.exit_code == 2 and "--to" in missing.output


def test_stores_are_named_without_credentials(monkeypatch, tmp_path):
    from groundswell.store_copy import describe
    from indexing.config import ElasticsearchStoreConfig, SqliteStoreConfig

    # url_env may hold a whole URL with user:password (docs/configuration.md): the report must not repeat it.
    monkeypatch.setenv("GS_TEST_ES_URL", "https://copier:s3cret-pw@es.example.org:9243/")
    named = describe(ElasticsearchStoreConfig(type="elasticsearch", url_env="GS_TEST_ES_URL", index_prefix="gs"))
    assert named == "elasticsearch es.example.org:9243/gs" and "s3cret" not in named
    assert describe(SqliteStoreConfig(path=str(tmp_path / "a.db"))) == f"sqlite {tmp_path / 'a.db'}"


def test_the_alert_log_of_both_stores_is_listed_after_the_copy(source, target):
    # The target ran the alerts job once before the copy: its own index must not hide the copied alerts.
    old = [_alert(day) for day in (1, 2, 3)]
    save_alerts(source, old)
    mine = _alert(20)
    save_alerts(target, [mine])

    report = copy(source, target)

    assert report.complete and report.state_merged == 1
    assert sorted(a.id for a in load_alerts(target)) == sorted(a.id for a in [*old, mine])
    again = copy(source, target)  # a second copy merges nothing new
    assert again.state_merged == 1 and len(load_alerts(target)) == 4
    assert json.loads(target.get_state(INDEX_KEY)) == [mine.id, *json.loads(source.get_state(INDEX_KEY))]


def test_a_story_the_target_holds_from_another_source_is_not_copied_twice(source, target):
    # The target collected the story from Hacker News; the source holds it from RSS, for another brand.
    url = "https://news.example.com/recall"
    held = _story("hackernews", "9", "Lumora", url)
    assert all(r.ok for r in target.upsert([held]))
    CopyIndex(target).remember([held])
    assert all(r.ok for r in source.upsert([_story("rss", "1", "Pulse", url + "?utm_source=feed")]))

    report = copy(source, target)

    assert report.complete and report.copies == 1 and report.copied == 40
    assert target.get(["rss:1"]) == []
    assert target.get(["hackernews:9"])[0].brands == ["Lumora", "Pulse"]  # the story counts once, for both
    assert target.count(EVERYTHING) == 41


def _alert(day: int) -> Alert:
    start = datetime(2026, 3, day, 10, tzinfo=UTC)
    return Alert(brand="Lumora", window_start=start, window_end=start + timedelta(hours=1), observed=30,
                 expected=3, statistic="poisson", score=9.0)


def _story(source: str, nid: str, brand: str, url: str) -> Mention:
    return Mention(source=source, native_id=nid, url=url, text=f"{brand} recall", brand=brand,
                   author=Author(handle="news"), created_at=datetime(2026, 3, 1, 12, tzinfo=UTC))


def test_a_partial_copy_moves_that_part_and_no_state(source, target):
    ordered = list(source.iter_mentions(EVERYTHING))
    since = ordered[20].created_at
    want = {m.id for m in ordered if m.created_at >= since and "Sonique" in m.brands}

    broken = copy(source, FailingWrite(target, failing_call=2), since=since, brand="Sonique", batch=1)
    assert not broken.complete and broken.failed == 1
    resumed = copy(source, target, since=since, brand="Sonique", batch=1)

    assert resumed.complete and resumed.source_mentions == len(want) > 0
    assert {m.id for m in target.iter_mentions(EVERYTHING)} == want
    assert "copies mentions only" in resumed.state_skipped_reason
    assert copied_state(target) == {}  # no cursor for a part of the mentions, no resume mark left
    whole = copy(source, target)  # the whole copy keeps its own mark: it starts from the beginning
    assert whole.complete and whole.resumed_from is None and whole.target_mentions_after == 40


def test_cli_refuses_a_partial_copy_of_an_unknown_brand(tmp_path, source):
    old, new = _config(tmp_path, "old.yaml", "old.db"), _config(tmp_path, "new.yaml", "new.db")
    run = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", new, "--brand", "Nope", "--no-progress"])
    assert run.exit_code == 1 and "Nope" in run.output
    dry = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", new, "--since", "2026-11-01", "--dry-run",
                                   "--no-progress"])
    assert dry.exit_code == 0, dry.output
    assert "copies mentions only" in json.loads(dry.stdout.strip().splitlines()[-1])["state_skipped_reason"]


def test_a_source_post_this_version_cannot_read_is_named_and_holds_the_copy_back(source, target):
    """Scans skip a document this version cannot read (indexing.base.UnreadableDocs); a copy must not pass
    it silently: it counts as failed, by id, and the mark and the state wait."""
    ordered = [m.id for m in source.iter_mentions(EVERYTHING)]
    bad = ordered[5]
    source._conn().execute("UPDATE mentions SET doc = json_set(doc, '$.topic', 'newer') WHERE id = ?", (bad,))
    report = copy(source, target, batch=4)
    assert (report.copied, report.failed, report.unreadable, report.failed_ids) == (39, 1, 1, [bad])
    assert not report.complete and "cannot be read in the source" in report.state_skipped_reason
    (mark,) = target.state_items(MARK_PREFIX).values()
    assert json.loads(mark)["done"] == 4  # the batch the unreadable post belonged to did not move the mark
