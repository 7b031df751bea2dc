"""`groundswell store copy` resumed after a crash, when the source gained mentions dated before the resume mark
(an import of older posts, a collection between the crash and the rerun): the closing check copies them before the
copy says `complete`, and no cursor reaches the target while it lacks a mention the source holds (real SQLite
stores, the real CLI).

Fault injection (docs/development.md): a kill -9 of the copy cannot be delivered on cue inside the test process, so
`KilledAfter` wraps the real target store and raises on its third write, as a killed process stops: what the first
two batches wrote and the mark saved after them stay in the real target file. A write the target refuses during the
closing check is `store_faults.FailingWrite`, as in tests/groundswell/test_store_copy.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from store_copy_corpus import STATE, T0, rich_mentions
from store_faults import FailingWrite, WrappedStore

from core.mention import Author, Mention
from groundswell.cli import cli
from groundswell.store_copy import MARK_PREFIX, copy_store
from indexing.base import Filters
from indexing.sqlite import SqliteStore

EVERYTHING = Filters(include_spam=True)
CURSOR = "cursor:mastodon:lumora:Lumora"  # in STATE
CONFIG = "brands:\n  - name: Lumora\n    query: lumora\nsources: []\nstore:\n  type: sqlite\n  path: {path}\n"


class Killed(BaseException):
    """What a kill -9 does to the copy: it stops, nothing after it runs."""


class KilledAfter(WrappedStore):
    def upsert(self, mentions, **options):
        self.calls += 1
        if self.calls > 2:
            raise Killed()
        return self.store.upsert(mentions, **options)


@pytest.fixture
def stores(tmp_path):
    source = SqliteStore(tmp_path / "old.db")
    source.describe = f"sqlite {(tmp_path / 'old.db').resolve()}"  # the CLI's name for it: the resume mark's scope
    assert all(r.ok for r in source.upsert(rich_mentions(40)))
    source.set_states(STATE)
    target = SqliteStore(tmp_path / "new.db")
    yield source, target
    source.close()
    target.close()


def crash_then_late(source: SqliteStore, target: SqliteStore, late: int = 5) -> list[str]:
    """A copy killed after two batches of 8, then `late` posts dated before its mark collected into the source,
    and the source's cursor moved past them (as collection saves it: after they are stored). Their ids."""
    with pytest.raises(Killed):
        copy_store(source, KilledAfter(target), source_name=source.describe, target_name="sqlite new", batch=8)
    (mark,) = target.state_items(MARK_PREFIX).values()
    assert target.count(EVERYTHING) == 16 and json.loads(mark)["done"] == 16
    posts = [Mention(source="mastodon", native_id=f"late-{i}", url=f"https://example.org/late/{i}",
                     text=f"lumora late post number {i}", created_at=T0 - timedelta(days=1, minutes=i),
                     collected_at=T0 + timedelta(days=80), author=Author(id="late", handle="late"),
                     brands=["Lumora"], matches={"Lumora": "lumora"}) for i in range(late)]
    assert all(r.ok for r in source.upsert(posts))
    source.set_state(CURSOR, "999999")
    return [m.id for m in posts]


def config(tmp_path, name: str, db: str) -> str:
    path = tmp_path / name
    path.write_text(CONFIG.format(path=db), encoding="utf-8")
    return str(path)


def test_a_resumed_copy_copies_what_the_source_gained_behind_its_mark(tmp_path, stores):
    source, target = stores
    late = crash_then_late(source, target)
    old, new = config(tmp_path, "old.yaml", "old.db"), config(tmp_path, "new.yaml", "new.db")

    dry = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", new, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    counted = json.loads(dry.stdout.strip().splitlines()[-1])
    assert (counted["caught_up"], counted["copied"]) == (5, 40 - 14 + 5)  # from the mark on (inclusive), and late

    run = CliRunner().invoke(cli, ["store", "copy", "-c", old, "--to", new, "--no-progress"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["complete"] and report["resumed_from"] is not None and report["caught_up"] == 5
    assert {m.id for m in target.iter_mentions(EVERYTHING)} == {m.id for m in source.iter_mentions(EVERYTHING)}
    assert len(target.get(late)) == 5 and target.count(EVERYTHING) == 45 == report["target_mentions_after"]
    assert target.get_state(CURSOR) == "999999" and target.state_items(MARK_PREFIX) == {}


def test_no_cursor_is_copied_while_the_target_lacks_a_late_mention(stores):
    source, target = stores
    late = crash_then_late(source, target)
    # The resumed pass is one batch (call 1); the closing check's write (call 2) is refused.
    report = copy_store(source, FailingWrite(target, failing_call=2), source_name=source.describe,
                        target_name="sqlite new", batch=100)
    assert not report.complete and report.failed == 5 and report.failed_ids == sorted(late, reverse=True)
    assert "cursors must not reach the target" in report.state_skipped_reason
    assert target.get_state(CURSOR) is None and target.get(late) == []
    again = copy_store(source, target, source_name=source.describe, target_name="sqlite new", batch=100)
    assert again.complete and again.caught_up == 5 and target.get_state(CURSOR) == "999999"
