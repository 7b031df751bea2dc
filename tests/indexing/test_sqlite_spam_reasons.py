"""The SQLite store's spam counts: `spam_reasons` (the flagged mentions of a view, read from the flags) and the
"spam" facet built on it, which `groundswell.spam.excluded` reports on every dashboard page.

Every expectation is computed here from the corpus in plain Python, and each answer is also checked against
the query the store ran before it counted from the flags (every row of the view LEFT JOINed to the flags), for
the same filter combinations: brand (covered, joined and several), time window, sentiment, language, source,
text query and include_spam."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_support import filled_sqlite

from core.mention import Mention, Sentiment
from groundswell.spam import OWN_POST, excluded
from indexing.base import SPAM, Filters
from indexing.sqlite import SqliteStore
from tests.indexing.filter_oracle import filter_combinations, grouped_counts, in_view, varied_mention

T0 = datetime(2026, 5, 1, tzinfo=UTC)
REASONS = ("promotion: 'giveaway'", "duplicate: campaign", OWN_POST, None, None, None, None)


def corpus(n: int = 140) -> list[Mention]:
    out = []
    for i in range(n):
        label = ("negative", "neutral", "positive", None)[i % 4]
        out.append(varied_mention(
            i, T0,
            sentiment=Sentiment(label=label, probs={label: 1.0}, model="test") if label else None,
            spam=REASONS[(i * 5) % len(REASONS)],
        ))
    return out


CORPUS = corpus()
MID = T0 + timedelta(hours=7 * 50)
WINDOWS = ({}, {"since": MID}, {"until": MID}, {"since": MID, "until": MID + timedelta(days=9)})
BRANDS = ({}, {"brand": "acme"}, {"brand": "globex"}, {"brands": ("acme", "globex")},
          {"brand": "acme", "brands": ("globex",)})
FIELDS = ({}, {"sentiment": "negative"}, {"lang": "en"}, {"source": "reddit"}, {"lang": "ru", "sentiment": "positive"},
          {"theme": "battery"}, {"intent": "question"}, {"min_followers": 200})
TEXT = (None, "refund", "battery OR outage", "(refund OR поддержка) -outage", "#fail")


_matches = in_view  # the shared oracle (tests/indexing/filter_oracle.py)


def expected_facet(f: Filters) -> dict[str, int]:
    return dict(Counter(m.spam or "unknown" for m in CORPUS if _matches(m, f)))


def expected_excluded(f: Filters) -> dict[str, int]:
    flagged = Counter(m.spam for m in CORPUS if m.spam and _matches(m, f.replace(include_spam=True)))
    return {"spam": sum(n for r, n in flagged.items() if r != OWN_POST), "own_posts": flagged[OWN_POST]}


def left_join_facet(store: SqliteStore, f: Filters) -> dict[str, int]:
    """The spam facet as the store answered it before counting from the flags: every row of the view, each
    LEFT JOINed to its flag (the old `facet(f, "spam")`: its SQL, in `grouped_counts`)."""
    covered = store._covered(f)
    where, params, query = store._where(f, covered)
    rowid = "m.mention_rowid" if covered else "m.rowid"
    source = f"{store._source(f, covered)} LEFT JOIN mention_spam x ON x.mention_rowid = {rowid}"
    return grouped_counts(store, source, where, params, query, "x.reason")


class FacetOnly:
    """A store without `spam_reasons` (as Elasticsearch is): `excluded` falls back to the facet."""

    def __init__(self, store: SqliteStore) -> None:
        self.facet = store.facet


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    yield from filled_sqlite(tmp_path_factory.mktemp("spam") / "g.db", CORPUS)


def combinations() -> list[Filters]:
    return filter_combinations(BRANDS, WINDOWS, FIELDS, TEXT, crowded=("theme",))


def test_the_corpus_covers_every_case():
    reasons = Counter(m.spam for m in CORPUS)
    assert all(reasons[r] >= 15 for r in REASONS), reasons
    assert any(m.spam and "acme" in m.brands and "globex" in m.brands for m in CORPUS)
    assert any(m.spam and not m.brands for m in CORPUS)


@pytest.mark.parametrize("include_spam", [False, True])
def test_spam_counts_are_the_same_for_every_filter_combination(store: SqliteStore, include_spam: bool):
    cases = combinations()
    assert len(cases) > 500
    non_empty = 0
    for f in cases:
        f = f.replace(include_spam=include_spam)
        want = expected_facet(f)
        assert store.facet(f, "spam") == left_join_facet(store, f) == want, f
        assert list(store.facet(f, "spam")) == list(left_join_facet(store, f)), f  # same order, too
        flagged = {r: n for r, n in want.items() if r != "unknown"}
        assert store.spam_reasons(f) == flagged, f
        assert excluded(store, f) == excluded(FacetOnly(store), f) == expected_excluded(f), f
        non_empty += bool(expected_excluded(f)["spam"])
    assert non_empty > len(cases) // 3  # the combinations mostly have something to count


def test_spam_reasons_ignores_unflagged_and_counts_a_reason_once_per_mention(store: SqliteStore):
    """A mention of two brands is one flagged mention, whichever way the brand filter reads it."""
    both = [m for m in CORPUS if m.spam and set(m.brands) == {"acme", "globex"}]
    f = Filters(brands=("acme", "globex"), include_spam=True)
    assert sum(store.spam_reasons(f).values()) == sum(1 for m in CORPUS if m.spam and m.brands)
    assert sum(store.spam_reasons(Filters(brand="acme", brands=("globex",), include_spam=True)).values()) == len(both)
    assert store.spam_reasons(Filters()) == {}  # spam left out of the view: nothing of it to count


def test_counts_follow_writes_unflagging_and_retention(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert(CORPUS))
        f = Filters(brand="acme", since=T0 + timedelta(days=3), text="refund OR outage")
        assert excluded(store, f) == expected_excluded(f)
        # An analyst's "not spam" (the flag cleared) and a new flag: both counted at once.
        changed = [m.model_copy(update={"spam": None if m.spam else "link farm"}) for m in CORPUS[:20]]
        assert all(r.ok for r in store.upsert(changed, fields=SPAM))
        now = {m.id: m for m in [*CORPUS[20:], *changed]}
        for g in (Filters(), f):
            g = g.replace(include_spam=True)
            want = Counter(m.spam or "unknown" for m in now.values() if _matches(m, g))
            assert store.facet(g, "spam") == left_join_facet(store, g) == dict(want)
        # Retention deletes mentions and, with them, their flags: never counted again.
        store.delete_older_than(MID)
        kept = [m for m in now.values() if m.created_at >= MID]
        want = Counter(m.spam for m in kept if m.spam)
        assert store.spam_reasons(Filters(include_spam=True)) == dict(want)
        assert store.facet(Filters(include_spam=True), "spam") == dict(Counter(m.spam or "unknown" for m in kept))
    finally:
        store.close()


def test_unfiltered_counts_read_the_flags_not_every_mention(store: SqliteStore):
    """The dashboard's unfiltered page: the plan starts from mention_spam and looks each flag's mention up; it
    never scans the mentions (as the LEFT JOIN did: SCAN m USING COVERING INDEX, then SEARCH x for every row)."""
    conn = store._conn()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        store.spam_reasons(Filters(include_spam=True))
    finally:
        conn.set_trace_callback(None)
    (sql,) = statements
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    assert plan[0] == "SCAN x" and plan[1].startswith("SEARCH m USING INTEGER PRIMARY KEY"), plan


def test_a_store_file_of_an_older_version_counts_the_same(tmp_path):
    """No schema change: a file written before (here, before spam flags at all) opens and counts alike."""
    path = tmp_path / "old.db"
    old = SqliteStore(path)
    assert all(r.ok for r in old.upsert([m.model_copy(update={"spam": None}) for m in CORPUS]))
    old._conn().execute("DROP TABLE mention_spam")  # what a store written before spam flags looks like
    old.close()
    for _ in range(2):  # every open: idempotent
        store = SqliteStore(path)
        try:
            assert store.spam_reasons(Filters(include_spam=True)) == {}
            assert excluded(store, Filters(brand="acme")) == {"spam": 0, "own_posts": 0}
            assert store.facet(Filters(include_spam=True), "spam") == {"unknown": len(CORPUS)}
        finally:
            store.close()
    store = SqliteStore(path)
    try:
        assert all(r.ok for r in store.upsert(CORPUS, fields=SPAM))  # the spam step's flags, by this version
        for f in (Filters(), Filters(brand="globex", until=MID), Filters(text="refund", lang="en")):
            assert excluded(store, f) == expected_excluded(f)
            g = f.replace(include_spam=True)
            assert store.facet(g, "spam") == left_join_facet(store, g) == expected_facet(g)
    finally:
        store.close()


@pytest.mark.parametrize("direct", [0, 10**6])
def test_a_text_querys_spam_reasons_are_the_same_judged_on_the_flagged_rows_or_filtered_in_sql(
    store: SqliteStore, monkeypatch, direct: int
):
    """`_spam_reasons_of_text` tests the text on the view's flagged rows (up to TEXT_SPAM_DIRECT of them) instead of
    building the query's hit list first; above that bound the SQL text filter counts, as it always did."""
    import indexing.sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "TEXT_SPAM_DIRECT", direct)
    cases = [f.replace(include_spam=True) for f in combinations() if f.text]
    assert len(cases) > 100
    for f in cases:
        flagged_in_view = any(m.spam for m in CORPUS if _matches(m, f.replace(text=None)))
        assert (store._spam_reasons_of_text(f) is None) == (direct == 0 and flagged_in_view)
        assert store.spam_reasons(f) == {r: n for r, n in expected_facet(f).items() if r != "unknown"}, f
