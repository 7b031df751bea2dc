"""Upserts on a real SQLite file where one mention cannot be written: it fails alone, with a clear error,
leaves the store exactly as before it, and every other mention of the batch is stored."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.mention import MAX_COUNT, Author, Engagement, Mention
from groundswell.config import load_config
from groundswell.pipeline import dead_letter, replay_deadletter
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def post(i: int, text: str = "acme post", brands: list[str] | None = None, **kw) -> Mention:
    return Mention(source="x", native_id=str(i), text=text, created_at=T0, brands=brands or ["acme"],
                   author=Author(handle=f"u{i}", followers=kw.pop("followers", 1)),
                   engagement=Engagement(likes=kw.pop("likes", 1)), **kw)


@pytest.fixture
def store(tmp_path: Path):
    s = SqliteStore(tmp_path / "g.db")
    yield s
    s.close()


@pytest.mark.parametrize("huge", [{"likes": 2**64}, {"followers": 10**19}, {"likes": 2**62, "reposts": 2**62}])
def test_a_count_beyond_64_bits_fails_that_mention_alone(store: SqliteStore, huge: dict[str, int]):
    # The model caps such counts (core.mention.MAX_COUNT); a mention built without validation
    # (model_construct, model_copy) still must not take its chunk down with it.
    bad = post(99)
    if "followers" in huge:
        bad = bad.model_copy(update={"author": Author.model_construct(handle="u99", followers=huge["followers"])})
    else:
        bad = bad.model_copy(update={"engagement": Engagement.model_construct(**huge)})
    results = list(store.upsert([post(1), bad, post(3)]))
    assert [(r.id, r.ok) for r in results] == [("x:1", True), ("x:99", False), ("x:3", True)]
    assert "larger than a store can hold" in results[1].error
    assert store.count() == 2 and store.get(["x:99"]) == []


def test_a_parked_mention_with_a_huge_count_does_not_keep_the_others_parked(tmp_path: Path):
    """End to end: a parked mention with an impossible count does not keep the others parked."""
    (tmp_path / "gs.yaml").write_text(
        "brands:\n  - name: acme\n    query: acme\nsources:\n  - type: hackernews\n"
        f"store:\n  type: sqlite\n  path: {tmp_path}/gs.db\nreport:\n  path: {tmp_path}/report.html\n"
    )
    config = load_config(str(tmp_path / "gs.yaml"))
    bad = post(99).model_copy(update={"engagement": Engagement.model_construct(likes=10**19)})
    dead_letter(config).park([post(i) for i in range(1, 6)] + [bad], "earlier outage")
    store = SqliteStore(tmp_path / "gs.db")
    try:
        report = replay_deadletter(config, store)
        # Read back from the file, the impossible count is capped (core.mention.MAX_COUNT): all six stored.
        assert (report.replayed, report.deadletter, store.count()) == (6, 0, 6)
        assert store.get(["x:99"])[0].engagement.likes == MAX_COUNT
    finally:
        store.close()


def test_an_unreadable_stored_copy_fails_only_its_id(store: SqliteStore):
    """A stored document this version cannot read (a newer version's extra field) is never overwritten,
    and its chunk-mates are still written."""
    list(store.upsert([post(1), post(2)]))
    conn = store._conn()
    doc = json.loads(conn.execute("SELECT doc FROM mentions WHERE id = 'x:1'").fetchone()[0])
    doc["topic"] = "from a newer version"
    conn.execute("UPDATE mentions SET doc = ? WHERE id = 'x:1'", (json.dumps(doc),))
    results = list(store.upsert([post(1, "again"), post(2, "again"), post(3)]))
    assert [(r.id, r.ok) for r in results] == [("x:1", False), ("x:2", True), ("x:3", True)]
    assert "x:1" in results[0].error and "unreadable" in results[0].error and "topic" in results[0].error
    assert json.loads(conn.execute("SELECT doc FROM mentions WHERE id = 'x:1'").fetchone()[0]) == doc
    assert store.count() == 3 and store.get(["x:2"])[0].text == "again"


def test_a_mention_that_fails_midway_leaves_the_store_exactly_as_before(tmp_path: Path):
    """Disk full (a real SQLite page budget, PRAGMA max_page_count) part way through one mention's rows:
    its mentions row, brands, themes and FTS row are all as before, not half of them rewritten."""
    base = tmp_path / "base.db"
    old_brands = [f"brand-{i:03d}-" + "x" * 40 for i in range(20)]
    new_brands = [f"other-{i:03d}-" + "y" * 40 for i in range(400)]
    seed = SqliteStore(base)
    list(seed.upsert([post(1, "acme " * 2000, old_brands, lang="en", themes=["battery"]), post(2)]))
    seed._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seed.close()
    failures = 0
    for extra_pages in range(0, 40):
        path = tmp_path / f"try{extra_pages}.db"
        shutil.copy(base, path)
        store = SqliteStore(path)
        conn = store._conn()
        before = list(conn.iterdump())
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0] + extra_pages}")
        (result,) = store.upsert([post(1, "acme " * 2000, new_brands, lang="fr", themes=["price"])])
        conn.execute("PRAGMA max_page_count = 1073741823")
        if not result.ok:
            failures += 1
            assert "full" in result.error
            assert list(conn.iterdump()) == before, f"half-written with {extra_pages} spare pages"
        store.close()
    assert failures  # the budget did run out part way for some of them


def test_a_transaction_sqlite_rolls_back_whole_fails_every_mention_of_it(store: SqliteStore):
    """Some errors make SQLite roll back the whole transaction (an interrupt, a full disk, an I/O error):
    then no mention of the chunk is reported written, none is stored, and nothing is left open. An
    interrupt from a real progress handler, once the first mention is written, produces one on cue."""
    list(store.upsert([post(0)]))
    conn = store._conn()
    start, fired = conn.total_changes, []

    def interrupt_once() -> int:
        if conn.total_changes > start + 3 and not fired:
            fired.append(True)
            return 1
        return 0

    conn.set_progress_handler(interrupt_once, 1)
    try:
        results = list(store.upsert([post(1), post(2, "acme " * 500), post(3)]))
    finally:
        conn.set_progress_handler(None, 1)
    assert fired and [r.ok for r in results] == [False, False, False]
    assert all("rolled back" in r.error for r in results)
    assert not conn.in_transaction and store.count() == 1
    assert all(r.ok for r in store.upsert([post(1), post(2), post(3)])) and store.count() == 4


def test_sums_over_many_capped_counts_do_not_overflow(store: SqliteStore):
    # 10,000 posts at the cap sum past 2^63 only if the cap is too high or the sum is an integer sum.
    posts = [post(i).model_copy(update={"author": Author(handle=f"u{i % 3}", followers=MAX_COUNT),
                                        "engagement": Engagement(likes=MAX_COUNT, replies=MAX_COUNT)})
             for i in range(10_000)]
    assert all(r.ok for r in store.upsert(posts))
    totals = store.totals()
    assert totals["mentions"] == 10_000 and totals["engagement"] == pytest.approx(2 * 10_000 * MAX_COUNT)
    assert store.top_authors(Filters(), n=1)[0].engagement > 0
