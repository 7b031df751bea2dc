"""The SQLite store's reads that grew with the store (a 300k-mention review, bench/store_scale.py): an export of
several brands (each chunk re-read the whole period), the WAL (never shrank), `lang:` (the matcher judged every
candidate) and `subject forget --author` (read every post of the source). Real stores on files."""

from __future__ import annotations

import os
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from several_brands_corpus import T0, several_brands_corpus

from core.mention import Author, Mention
from core.query import Query, parse
from groundswell.subject import Subject, find_held
from indexing.base import Filters
from indexing.sqlite import JOURNAL_SIZE_LIMIT, SqliteStore

CORPUS = several_brands_corpus(240)


@pytest.fixture()
def store(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in s.upsert(reversed(CORPUS)))  # rowids not in time order
    yield s
    s.close()


def _expected(store: SqliteStore, f: Filters) -> list[str]:
    """The mentions the filter selects, in (created_at, rowid) order, from the corpus and the rowids stored."""
    rowids = dict(store._conn().execute("SELECT id, rowid FROM mentions").fetchall())
    picked = [
        m for m in CORPUS
        if (not f.brands or set(f.brands) & set(m.brands)) and (f.brand is None or f.brand in m.brands)
        and (f.since is None or m.created_at >= f.since) and (f.until is None or m.created_at < f.until)
        and (f.lang is None or m.lang == f.lang) and (f.include_spam or not m.spam)
        and (not f.text or parse(f.text).matches(m.text, m.lang))
    ]
    return [m.id for m in sorted(picked, key=lambda m: (m.created_at, rowids[m.id]))]


SEVERAL = [
    Filters(brands=["A", "B"]),
    Filters(brands=["A", "B", "C"], since=T0 + timedelta(hours=5), until=T0 + timedelta(hours=50)),
    Filters(brands=["C", "A"], include_spam=True, lang="de"),
    Filters(brand="A", brands=["B", "C"]),  # both hold: of A, and of B or C
    Filters(brand="B", brands=[]),
    Filters(brands=["A", "B"], text="battery", since=T0 + timedelta(hours=3)),
    Filters(brands=["A", "C"], text="battery NOT screen"),
]


@pytest.mark.parametrize("f", SEVERAL)
def test_several_brands_list_the_same_rows_in_the_same_order_each_once(store, f):
    want = _expected(store, f)
    assert want
    for chunk in (1, 3, 7, 2000):
        got = [m.id for m in store.iter_mentions(f, chunk=chunk)]
        assert got == want, (f, chunk)
        assert got == [m.id for m in store._iter_keyset(f, chunk)]  # the one-statement keyset read, as before


def _plans(store: SqliteStore, f: Filters) -> list[str]:
    """The query plan of every statement `iter_mentions` ran for `f` (with its values bound, from the trace)."""
    conn, seen = store._conn(), []
    conn.set_trace_callback(seen.append)
    try:
        list(store.iter_mentions(f, chunk=5))
    finally:
        conn.set_trace_callback(None)
    plans = []
    for sql in seen:
        if sql.lstrip().upper().startswith("SELECT"):
            plans.append(" | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)))
    return plans


def test_a_chunk_of_several_brands_reads_index_ranges_never_the_whole_period_sorted(store):
    plans = _plans(store, Filters(brands=["A", "B", "C"], since=T0, until=T0 + timedelta(days=30)))
    assert plans
    for plan in plans:
        # Before: SEARCH m ... LIST SUBQUERY (every post of the period of any brand) + USE TEMP B-TREE FOR ORDER BY.
        assert "TEMP B-TREE" not in plan and "LIST SUBQUERY" not in plan, plan
    assert any("mention_brands_time" in plan and "(created_at,mention_rowid)>(?,?)" in plan for plan in plans)


def _wal(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def _many(n: int, start: int = 10_000) -> list[Mention]:
    return [Mention(source="x", native_id=str(start + i), text="long text " * 80 + str(i), created_at=T0,
                    brands=["A"], author=Author(handle="bulk")) for i in range(n)]


def test_the_wal_has_a_size_limit_and_is_cut_back_after_big_writes(tmp_path):
    path = tmp_path / "g.db"
    store = SqliteStore(path)
    try:
        assert store._conn().execute("PRAGMA journal_size_limit").fetchone()[0] == JOURNAL_SIZE_LIMIT
        assert all(r.ok for r in store.upsert(_many(3000)))
        assert _wal(path) > 1_000_000  # the write went through the WAL
        store.delete_ids([m.id for m in _many(1500)])  # an erasure (subject forget)
        assert _wal(path) == 0
        store.vacuum()  # in WAL mode VACUUM first writes the whole store into the WAL (maintain)
        assert _wal(path) == 0
        store.rename_brand("A", "Z", [m.id for m in _many(3000)[1500:]])
        assert _wal(path) == 0
    finally:
        store.close()


def test_a_snapshot_reader_is_unharmed_and_the_wal_is_cut_when_the_last_export_closes(tmp_path):
    path = tmp_path / "g.db"
    reader, writer = SqliteStore(path), SqliteStore(path)
    try:
        assert all(r.ok for r in writer.upsert(CORPUS))
        writer.checkpoint()
        with reader.snapshot() as view:
            first = [m.id for m in view.iter_mentions(Filters(include_spam=True), chunk=50)][:10]
            assert all(r.ok for r in writer.upsert(_many(2000)))
            busy, _, _ = writer.checkpoint()  # the export holds an older snapshot: folded only as far as it allows
            assert busy == 1 and _wal(path) > 1_000_000
            # The reader reads on: the store as it was.
            ids = [m.id for m in view.iter_mentions(Filters(include_spam=True), chunk=50)]
            assert ids[:10] == first and len(ids) == len(CORPUS) == view.count(Filters(include_spam=True))
        assert _wal(path) == 0  # the last export snapshot closed: the WAL folded in and cut
        assert writer.count(Filters(include_spam=True)) == len(CORPUS) + 2000
    finally:
        reader.close()
        writer.close()


def test_lang_conjuncts_are_answered_in_sql_exactly_as_the_matcher_judges(store, monkeypatch):
    # Tags an older version may still store as written (`sqlite_lang`): `lang:` normalises them as the matcher does.
    conn = store._conn()
    conn.execute("UPDATE mentions SET lang = 'DE-at' WHERE id IN ('x:1', 'x:5')")
    conn.execute("UPDATE mentions SET lang = 'und' WHERE id = 'x:2'")
    conn.execute("UPDATE mentions SET lang = 'iw' WHERE id = 'x:10'")
    stored = conn.execute("SELECT id, text, lang, created_at, rowid FROM mentions").fetchall()
    queries = ["lang:de", "battery lang:de", "lang:unknown", "(lang:de OR lang:he) battery", "lang:he",
               "lang:en lang:de", "post lang:fr"]
    want = {q: sorted((c, r, i) for i, t, lang, c, r in stored if parse(q).matches(t, lang)) for q in queries}

    def refuse(self, text, lang=None, source=None, lang_of=None):
        raise AssertionError(f"matcher called for {self.text!r}")

    monkeypatch.setattr(Query, "matches", refuse)
    for q in queries:
        f = Filters(text=q, include_spam=True)
        ids = [i for _, _, i in want[q]]
        assert store.count(f) == len(ids), q
        assert [m.id for m in store.iter_mentions(f, chunk=4)] == ids, q
        page = store.search(f, size=500, sort="oldest")
        assert [h.mention.id for h in page.hits] == ids and page.total == len(ids), q
    with pytest.raises(AssertionError, match="matcher called"):
        store.count(Filters(text="battery OR lang:de"))  # under OR with a word: the matcher's


def _author_corpus() -> list[Mention]:
    def post(nid: str, handle: str, text: str, source: str = "x") -> Mention:
        return Mention(source=source, native_id=nid, text=text, created_at=T0 + timedelta(minutes=int(nid)),
                       author=Author(handle=handle), brands=["A"], spam="dup" if nid == "7" else None)

    return [
        post("1", "Ann_Q", "my own post"),
        post("2", "@ann_q", "written with the at sign"),
        post("3", "bob", "RT @ANN_Q: her words, reposted"),
        post("4", "bob", "\u3000 rt @ann_q:after an ideographic space"),
        post("5", "bob", "not a repost of @ann_q at all"),
        post("6", "ann_q", "same handle, another source", source="reddit"),
        post("7", "ANN_Q", "a spam post of hers"),
        post("8", "Straße", "a handle casefolded to strasse"),
        post("9", "carol", "RT @Strasse: hers too"),
        post("10", "annq", "a near miss"),
    ] + [post(str(100 + i), f"user{i}", f"filler {i}") for i in range(30)]


def test_author_posts_come_from_the_index_by_the_subject_rule(tmp_path, monkeypatch):
    store = SqliteStore(tmp_path / "g.db")
    try:
        corpus = _author_corpus()
        assert all(r.ok for r in store.upsert(corpus))
        subject = Subject(authors=frozenset({("x", "ann_q"), ("x", "strasse")}))
        want = sorted(m.id for m in corpus if subject.matches(m))
        assert want == ["x:1", "x:2", "x:3", "x:4", "x:7", "x:8", "x:9"]

        def refuse(self, filters=None, chunk=2000):
            raise AssertionError("read every post of the source")

        monkeypatch.setattr(SqliteStore, "iter_mentions", refuse)
        assert sorted(m.id for m in find_held(store, subject).mentions) == want
        plan = " | ".join(r[3] for r in store._conn().execute(
            "EXPLAIN QUERY PLAN SELECT id, doc FROM mentions WHERE source = ? AND author_handle IN (?, ?)",
            ("x", 1, 2)))
        assert "mentions_author" in plan, plan
    finally:
        store.close()


def test_the_repost_prefilter_keeps_every_space_the_pattern_skips():
    import re  # lazy: only this check walks every code point
    import sys  # lazy: as above

    from indexing.author_lookup import REPOST_SPACES  # lazy: a constant only this test reads

    assert REPOST_SPACES == "".join(c for c in map(chr, range(sys.maxunicode + 1)) if re.match(r"\s", c))


def test_an_older_store_gets_the_author_index_on_open(tmp_path):
    path = tmp_path / "g.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX mentions_author")
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    try:
        names = {r[0] for r in store._conn().execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "mentions_author" in names
    finally:
        store.close()
    assert os.path.exists(path)
