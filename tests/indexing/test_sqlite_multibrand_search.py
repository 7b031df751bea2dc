"""A time-ordered search page of several brands (Explore with no brand chosen reads every configured brand) merges
each brand's ordered index range instead of sorting every brand post: the same pages, cursors and totals as the one
statement it replaces, and no statement that collects and sorts the brands' posts. Real stores on files."""

from __future__ import annotations

from datetime import timedelta

import pytest
from several_brands_corpus import T0, several_brands_corpus

from indexing import sqlite as sqlite_mod
from indexing.base import Filters, SearchPage
from indexing.sqlite import SqliteStore

CORPUS = several_brands_corpus(260)


@pytest.fixture()
def store(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in s.upsert(reversed(CORPUS)))  # rowids not in time order
    yield s
    s.close()


FILTERS = [
    Filters(brands=("A", "B")),
    Filters(brands=("A", "B", "C"), since=T0 + timedelta(hours=5), until=T0 + timedelta(hours=50)),
    Filters(brands=("C", "A"), include_spam=True, lang="de"),
    Filters(brands=("A", "C"), lang="unknown"),
    Filters(brand="A", brands=("B", "C")),  # both hold: of A, and of B or C
    Filters(brand="B", brands=()),
    Filters(brands=("A", "B", "C"), source="reddit", min_followers=200),
    Filters(brands=("B", "C"), sentiment="negative", until=T0 + timedelta(hours=40)),
    Filters(brands=("A", "B"), intent="question", since=T0 + timedelta(hours=9)),
    Filters(brands=("A", "B"), uncertain=False),
    Filters(brands=("A", "Nobody")),
    Filters(brands=("Nobody", "Neither")),
]


def _walk(store: SqliteStore, f: Filters, sort: str, size: int) -> list[tuple[list[str], int, bool, str | None]]:
    """Every page of a search, followed by its cursors: (ids, total, total_exact, next_cursor) each."""
    pages, cursor = [], None
    while True:
        page: SearchPage = store.search(f, size=size, cursor=cursor, sort=sort)
        pages.append(([h.mention.id for h in page.hits], page.total, page.total_exact, page.next_cursor))
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 1000


def _expected(store: SqliteStore, f: Filters, desc: bool) -> list[str]:
    """The ids a filter selects from the corpus, in (created_at, rowid) order (reversed for newest first)."""
    rowids = dict(store._conn().execute("SELECT id, rowid FROM mentions").fetchall())
    wanted = {b for b in (f.brands or ())}
    picked = [
        m for m in CORPUS
        if (not wanted or wanted & set(m.brands)) and (f.brand is None or f.brand in m.brands)
        and (f.since is None or m.created_at >= f.since) and (f.until is None or m.created_at < f.until)
        and (f.lang is None or m.lang == (None if f.lang == "unknown" else f.lang))
        and (f.source is None or m.source == f.source)
        and (f.min_followers is None or (m.author.followers or 0) >= f.min_followers)
        and (f.sentiment is None or (m.sentiment is not None and m.sentiment.label == f.sentiment))
        and (f.intent is None or m.intent == f.intent)
        and (f.uncertain is None or (m.sentiment is not None and m.sentiment.uncertain == f.uncertain))
        and (f.include_spam or not m.spam)
    ]
    return [m.id for m in sorted(picked, key=lambda m: (m.created_at, rowids[m.id]), reverse=desc)]


def _spy(monkeypatch) -> list[list[str]]:
    """The brand lists `_brands_page` (the merged read) is called with from now on: the page did not take the old
    one-statement path."""
    calls: list[list[str]] = []
    real = SqliteStore._brands_page
    monkeypatch.setattr(SqliteStore, "_brands_page", lambda *a: calls.append(a[2]) or real(*a))
    return calls


@pytest.mark.parametrize("f", FILTERS)
@pytest.mark.parametrize("sort", ["newest", "oldest", "relevance"])
def test_several_brands_page_as_the_one_statement_did(store, monkeypatch, f, sort):
    merges = _spy(monkeypatch)
    merged = {size: _walk(store, f, sort, size) for size in (1, 7, 50, 500)}
    assert merges  # read by merging the brands' ranges
    with monkeypatch.context() as m:
        m.setattr(SqliteStore, "_brands_keyed", staticmethod(lambda filters, sort: None))  # the old path
        before = {size: _walk(store, f, sort, size) for size in (1, 7, 50, 500)}
    assert merged == before  # rows, order, totals, exactness, cursors
    want = _expected(store, f, desc=sort != "oldest")
    for size, pages in merged.items():
        assert [i for ids, *_ in pages for i in ids] == want, size
        assert {(total, exact) for _, total, exact, _ in pages} == {(len(want), True)}


def test_a_capped_total_and_deep_cursors_stay_the_same(store, monkeypatch):
    monkeypatch.setattr(sqlite_mod, "TOTAL_CAP", 9)  # fewer than the matches: a lower bound, as at 10,000
    f = Filters(brands=("A", "B", "C"))
    counted = []
    real = SqliteStore._count_brands
    monkeypatch.setattr(SqliteStore, "_count_brands", lambda *a: counted.append(a[2]) or real(*a))
    merged = _walk(store, f, "newest", 4)
    assert counted == [["A", "B", "C"]]  # counted once, on page one, over the brands' rows
    monkeypatch.setattr(SqliteStore, "_brands_keyed", staticmethod(lambda filters, sort: None))
    assert merged == _walk(store, f, "newest", 4)
    assert {(total, exact) for _, total, exact, _ in merged} == {(9, False)}
    assert len([i for ids, *_ in merged for i in ids]) == len(_expected(store, f, desc=True))


def _plans(store: SqliteStore, f: Filters, sort: str) -> list[str]:
    """The query plan of every SELECT one search page ran (values bound, from the trace)."""
    conn, seen = store._conn(), []
    conn.set_trace_callback(seen.append)
    try:
        page = store.search(f, size=3, sort=sort)
        store.search(f, size=3, sort=sort, cursor=page.next_cursor)
        store.spam_reasons(f.replace(include_spam=True))  # the page's "hidden as spam" line
    finally:
        conn.set_trace_callback(None)
    return [" | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
            for sql in seen if sql.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("f", [Filters(brands=("A", "B", "C")),
                               Filters(brands=("A", "B"), since=T0, until=T0 + timedelta(days=30), source="x")])
def test_a_several_brand_page_reads_index_ranges_never_every_brand_post_sorted(store, f, sort):
    plans = _plans(store, f, sort)
    assert plans
    for plan in plans:
        # Before: SEARCH m ... LIST SUBQUERY (every post of any brand) + USE TEMP B-TREE FOR ORDER BY, per page,
        # and the total and the spam line counted over the same list.
        assert "TEMP B-TREE FOR ORDER BY" not in plan and "LIST SUBQUERY" not in plan, plan
    op = "<" if sort == "newest" else ">"
    assert any("mention_brands_time" in plan and f"(created_at,mention_rowid){op}(?,?)" in plan for plan in plans)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_an_unreadable_post_is_skipped_as_before_though_the_total_counts_it(store, monkeypatch, sort):
    f = Filters(brands=("A", "C"), intent="question")  # few matches: page one knows them all (exact total)
    want = _expected(store, f, desc=sort == "newest")
    store._conn().execute("UPDATE mentions SET doc = '{\"not\": \"a mention\"}' WHERE id = ?", (want[1],))
    merges = _spy(monkeypatch)
    merged = {size: _walk(store, f, sort, size) for size in (1, 2, len(want) - 1, len(want))}
    assert merges
    monkeypatch.setattr(SqliteStore, "_brands_keyed", staticmethod(lambda filters, sort: None))
    assert merged == {size: _walk(store, f, sort, size) for size in (1, 2, len(want) - 1, len(want))}
    for pages in merged.values():
        assert [i for ids, *_ in pages for i in ids] == [i for i in want if i != want[1]]
        assert {(total, exact) for _, total, exact, _ in pages} == {(len(want), True)}


@pytest.mark.parametrize("f", FILTERS)
def test_the_spam_line_of_several_brands_counts_each_flagged_post_of_the_view_once(store, monkeypatch, f):
    probed = []
    real = SqliteStore._spam_reasons_of_brands
    monkeypatch.setattr(SqliteStore, "_spam_reasons_of_brands", lambda *a: probed.append(a[2]) or real(*a))
    wanted = f.replace(include_spam=True)
    want: dict[str, int] = {}
    for i in _expected(store, wanted, desc=False):
        reason = next(m.spam for m in CORPUS if m.id == i)
        if reason:
            want[reason] = want.get(reason, 0) + 1
    assert store.spam_reasons(wanted) == dict(sorted(want.items(), key=lambda kv: (-kv[1], kv[0])))
    assert store.spam_reasons(f.replace(include_spam=False)) == {}
    assert probed  # from the flags, each looked up in the brands' rows
