"""The SQLite store's facet on "model" (which model build, person or rule gave each label: the overview's
"labelled by"), for one brand's view read from the `mentions_model_time` index instead of every stored document.

Every answer is checked against the corpus counted in plain Python and against the query the store ran before
(GROUP BY the model read from each stored document, verbatim), for the same filter combinations as the spam
counts (tests/indexing/test_sqlite_spam_reasons.py): brand (covered, joined and several), time window, sentiment,
language, source, theme, intent, followers, text query and include_spam; in windows where a different model
(or no label at all) is the most frequent, since that one is counted as the rest of the view."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_support import filled_sqlite

from core.mention import ANALYST, RULE_PREFIX, Mention, Sentiment
from indexing.base import SENTIMENT, Filters
from indexing.sqlite import SqliteStore
from tests.indexing.filter_oracle import filter_combinations, grouped_counts, in_view, varied_mention

T0 = datetime(2026, 5, 1, tzinfo=UTC)
N = 180
RULE = f"{RULE_PREFIX}refunds#3"


def _model(i: int) -> str | None:
    """By thirds of the timeline, a different model is the most frequent: build 1, then build 2, then no label;
    people's corrections and a rule are sprinkled over all of it."""
    if i % 11 == 0:
        return ANALYST
    if i % 13 == 0:
        return RULE
    third = 3 * i // N
    return [("xlm@1", "xlm@1", "xlm@2", None, "xlm@1"), ("xlm@2", "xlm@2", "xlm@1", None, "xlm@2"),
            (None, None, "xlm@2", "xlm@1", None)][third][i % 5]


def corpus() -> list[Mention]:
    out = []
    for i in range(N):
        model = _model(i)
        label = ("negative", "neutral", "positive")[i % 3]
        out.append(varied_mention(
            i, T0,
            sentiment=Sentiment(label=label, probs={label: 1.0}, model=model, uncertain=i % 7 == 0) if model else None,
            spam="promotion: 'giveaway'" if i % 8 == 3 else None,
        ))
    return out


CORPUS = corpus()
THIRD, TWO_THIRDS = T0 + timedelta(hours=7 * N // 3), T0 + timedelta(hours=7 * 2 * N // 3)
WINDOWS = ({}, {"until": THIRD}, {"since": THIRD, "until": TWO_THIRDS}, {"since": TWO_THIRDS},
           {"since": T0 + timedelta(days=9), "until": THIRD},
           {"since": T0 - timedelta(days=30), "until": T0})  # before every mention: nothing to count
BRANDS = ({}, {"brand": "acme"}, {"brand": "globex"}, {"brands": ("acme", "globex")},
          {"brand": "acme", "brands": ("globex",)}, {"brand": "nobody"})
FIELDS = ({}, {"sentiment": "negative"}, {"lang": "en"}, {"source": "reddit"}, {"lang": "ru", "sentiment": "positive"},
          {"theme": "battery"}, {"intent": "question"}, {"min_followers": 200}, {"uncertain": True})
TEXT = (None, "refund", "battery OR outage", "#fail")


_matches = in_view  # the shared oracle (tests/indexing/filter_oracle.py)


def expected(mentions: list[Mention], f: Filters) -> dict[str, int]:
    counts = Counter((m.sentiment.model if m.sentiment else None) or "unknown" for m in mentions if _matches(m, f))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def group_by_facet(store: SqliteStore, f: Filters) -> dict[str, int]:
    """The model facet as the store answered it before the index: the model of each row of the view, read from
    its stored document, GROUP BY (the old `facet(f, "model")`: its SQL, in `grouped_counts`)."""
    where, params, query = store._where(f, False)
    src = store._source(f, False)
    return grouped_counts(store, src, where, params, query, "json_extract(m.doc, '$.sentiment.model')")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    yield from filled_sqlite(tmp_path_factory.mktemp("models") / "g.db", CORPUS)


def combinations() -> list[Filters]:
    return filter_combinations(BRANDS, WINDOWS, FIELDS, TEXT, crowded=("theme", "uncertain"))


def test_the_corpus_covers_every_case():
    """Each window has its own most frequent model (build 1, build 2, no label), people and a rule count
    beside it, and there are mentions of both brands at once and of none."""
    most = {tuple(sorted(w.items())): expected(CORPUS, Filters(brand="acme", **w)) for w in WINDOWS[1:4]}
    assert [next(iter(counts)) for counts in most.values()] == ["xlm@1", "xlm@2", "unknown"], most
    assert all(ANALYST in counts and RULE in counts for counts in most.values())
    assert any({"acme", "globex"} <= set(m.brands) for m in CORPUS) and any(not m.brands for m in CORPUS)


@pytest.mark.parametrize("include_spam", [False, True])
def test_model_counts_are_the_same_for_every_filter_combination(store: SqliteStore, include_spam: bool):
    cases = combinations()
    assert len(cases) > 500
    non_empty = covered = 0
    for f in cases:
        f = f.replace(include_spam=include_spam)
        got = store.facet(f, "model")
        assert got == group_by_facet(store, f) == expected(CORPUS, f), f
        assert list(got) == list(group_by_facet(store, f)), f  # same order, too
        non_empty += bool(got)
        covered += store._covered(f)
    assert non_empty > len(cases) // 2  # the combinations mostly have something to count
    assert covered >= 100  # and a hundred of them take the indexed path (one brand, no text, theme or uncertain)


def test_one_brands_view_reads_the_model_index_not_the_documents(store: SqliteStore):
    """The overview's view (one brand, a period): the statement reads `mentions_model_time` and mention_brands,
    never a mention's row by rowid (its stored document), as the GROUP BY over the view did."""
    conn = store._conn()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        store.facet(Filters(brand="acme", since=THIRD, until=THIRD + timedelta(days=20)), "model")
    finally:
        conn.set_trace_callback(None)
    (sql,) = statements
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    assert any("USING INDEX mentions_model_time" in step for step in plan), plan
    assert not any(step.startswith("SEARCH x USING INTEGER PRIMARY KEY") or step == "SCAN x" for step in plan), plan


def test_counts_follow_relabelling_corrections_and_retention(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert(CORPUS))
        views = [Filters(brand="acme"), Filters(brand="globex", since=THIRD), Filters(brand="acme", until=THIRD)]
        # A re-enrich with a new build relabels a stretch; people correct some; a rule labels others.
        changed = []
        for i, m in enumerate(CORPUS[20:110]):
            model = ("xlm@3", ANALYST, f"{RULE_PREFIX}new#1")[i % 3]
            changed.append(m.model_copy(update={"sentiment": Sentiment(label="neutral", probs={"neutral": 1.0},
                                                                         model=model)}))
        assert all(r.ok for r in store.upsert(changed, fields=SENTIMENT, replace_labels=True))
        now = store.get(m.id for m in CORPUS)  # as stored: a person's earlier label kept over the new build's
        models = Counter(m.sentiment.model for m in now if m.sentiment)
        assert models["xlm@3"] >= 20 and models[f"{RULE_PREFIX}new#1"] >= 20, models
        for f in views:
            assert store.facet(f, "model") == group_by_facet(store, f) == expected(now, f)
        # Retention deletes mentions: never counted again.
        store.delete_older_than(THIRD)
        kept = [m for m in now if m.created_at >= THIRD]
        for f in views:
            assert store.facet(f, "model") == group_by_facet(store, f) == expected(kept, f)
    finally:
        store.close()


def test_an_empty_store_and_a_store_of_one_model(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert store.facet(Filters(brand="acme"), "model") == {}
        one = [m.model_copy(update={"sentiment": Sentiment(label="neutral", probs={"neutral": 1.0}, model="only")})
               for m in CORPUS]
        assert all(r.ok for r in store.upsert(one))
        for f in (Filters(brand="acme"), Filters(brand="globex", since=THIRD, lang="en")):
            assert store.facet(f, "model") == group_by_facet(store, f) == expected(one, f)
            assert list(store.facet(f, "model")) == ["only"]
    finally:
        store.close()


def test_models_named_like_no_label_count_as_the_group_by_counted_them(tmp_path):
    """Two groups the facet names "unknown" (no label, an empty model name, a model called "unknown"): the
    GROUP BY loop kept the last of them in SQLite's order, and so does the indexed path (not a sum: the same
    numbers as before, odd as they are)."""
    store = SqliteStore(tmp_path / "g.db")
    try:
        odd = []
        for i, m in enumerate(CORPUS):
            model = ("", "unknown", None, "xlm@1")[i % 4]
            label = Sentiment(label="neutral", probs={"neutral": 1.0}, model=model) if model is not None else None
            odd.append(m.model_copy(update={"sentiment": label}))
        assert all(r.ok for r in store.upsert(odd))
        for f in (Filters(brand="acme"), Filters(brand="globex", until=THIRD), Filters(brand="acme", lang="en")):
            assert store.facet(f, "model") == group_by_facet(store, f), f
    finally:
        store.close()


def test_a_store_file_of_an_older_version_gets_the_index_and_counts_the_same(tmp_path):
    """A file written before the index (here, dropped again) gets it when it opens, and counts alike."""
    path = tmp_path / "old.db"
    old = SqliteStore(path)
    assert all(r.ok for r in old.upsert(CORPUS))
    old._conn().execute("DROP INDEX mentions_model_time")  # what a store written before it looks like
    old.close()
    for _ in range(2):  # every open: idempotent
        store = SqliteStore(path)
        try:
            names = {r[0] for r in store._conn().execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
            assert "mentions_model_time" in names
            for f in (Filters(brand="acme"), Filters(brand="globex", since=THIRD, source="x")):
                assert store.facet(f, "model") == group_by_facet(store, f) == expected(CORPUS, f)
        finally:
            store.close()
